import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls `probe` until it returns a truthy value or the deadline passes.
 * Used to wait for a condition (a server accepting connections), never to win a race.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await delay(50);
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}
