import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** Creates a fresh, empty database named `<prefix>_<random>` on the server of `adminUrl`; returns its URL and name. */
export async function createDatabaseOn(adminUrl: string, prefix: string): Promise<{ url: string; name: string }> {
  const name = `${prefix}_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), name };
}
