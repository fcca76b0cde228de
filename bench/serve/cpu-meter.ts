import { processCpuMs } from './tandem-process.ts';

/**
 * CPU ms of named groups of processes (server, PostgreSQL backends of the bench database, …), summed
 * per group; a process that has gone counts what it last had. Backends come and go with the pool, so
 * `groups` is asked again at every sample.
 */
export class CpuMeter {
  private readonly last = new Map<number, number>();
  private readonly groupOf = new Map<number, string>();
  constructor(private readonly groups: () => Promise<Record<string, number[]>>) {}

  async sample(): Promise<Record<string, number>> {
    for (const [group, pids] of Object.entries(await this.groups())) {
      for (const pid of pids) {
        this.groupOf.set(pid, group);
        try {
          this.last.set(pid, processCpuMs(pid));
        } catch {
          // exited: keep its last reading
        }
      }
    }
    const totals: Record<string, number> = {};
    for (const [pid, ms] of this.last) {
      const group = this.groupOf.get(pid)!;
      totals[group] = (totals[group] ?? 0) + ms;
    }
    return totals;
  }
}
