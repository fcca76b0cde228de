import type { RequestEvent } from '../../src/caldav/index.ts';

/** What the transport reported over one measured stretch. */
export interface Measured<T> {
  value: T;
  /** Wall time of the whole stretch. */
  ms: number;
  requests: number;
  /** Response body bytes received. */
  bytes: number;
  /** Request body bytes sent. */
  bytesSent: number;
  /** Sum of the requests' own times (request sent → body read). */
  networkMs: number;
  /** Requests by method, e.g. { REPORT: 51 }. */
  methods: Record<string, number>;
}

/** Counts every HTTP request the CalDAV transport makes (wire it as `onRequest`). */
export class Meter {
  private requests = 0;
  private bytes = 0;
  private bytesSent = 0;
  private networkMs = 0;
  private methods = new Map<string, number>();

  readonly onRequest = (event: RequestEvent): void => {
    this.requests++;
    this.bytes += event.bytes;
    this.bytesSent += event.bytesSent;
    this.networkMs += event.ms;
    this.methods.set(event.method, (this.methods.get(event.method) ?? 0) + 1);
  };

  async measure<T>(work: () => Promise<T>): Promise<Measured<T>> {
    const before = {
      requests: this.requests,
      bytes: this.bytes,
      bytesSent: this.bytesSent,
      networkMs: this.networkMs,
      methods: new Map(this.methods),
    };
    const started = performance.now();
    const value = await work();
    const ms = performance.now() - started;
    const methods: Record<string, number> = {};
    for (const [method, count] of this.methods) {
      const delta = count - (before.methods.get(method) ?? 0);
      if (delta > 0) methods[method] = delta;
    }
    return {
      value,
      ms,
      requests: this.requests - before.requests,
      bytes: this.bytes - before.bytes,
      bytesSent: this.bytesSent - before.bytesSent,
      networkMs: this.networkMs - before.networkMs,
      methods,
    };
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The run whose wall time is the median (the lower middle one for an even count). */
export function medianRun<T>(runs: readonly Measured<T>[]): Measured<T> {
  const sorted = [...runs].sort((a, b) => a.ms - b.ms);
  const run = sorted[Math.floor((sorted.length - 1) / 2)];
  if (run === undefined) throw new Error('no runs');
  return run;
}
