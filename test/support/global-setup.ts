import type { TestProject } from 'vitest/node';
import { startPostgres, type RunningServer } from './postgres-server.ts';
import { startRedis } from './redis-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL URL whose role may CREATE DATABASE; each test file makes its own database. */
    postgresUrl: string;
    redisUrl: string;
  }
}

/**
 * Starts the servers the whole suite shares, once: PostgreSQL and Redis on free loopback ports,
 * unless TEST_DATABASE_URL / TEST_REDIS_URL name existing ones. A server that cannot start is a
 * failure (never a silent skip), in CI and out of it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started: RunningServer[] = [];
  const postgresUrl = process.env.TEST_DATABASE_URL ?? started[started.push(await startPostgres()) - 1]!.url;
  const redisUrl = process.env.TEST_REDIS_URL ?? started[started.push(await startRedis()) - 1]!.url;
  project.provide('postgresUrl', postgresUrl);
  project.provide('redisUrl', redisUrl);
  return async () => {
    await Promise.all(started.map((server) => server.stop()));
  };
}
