import { loadavg } from 'node:os';

/** The machine's load average as the benches print it beside each figure: "load 1.2/0.8/0.5" (1/5/15 min). */
export function loadNote(): string {
  return `load ${loadavg()
    .map((l) => l.toFixed(1))
    .join('/')}`;
}
