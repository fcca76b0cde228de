import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';

/**
 * A Tandem backup file (embedded database only): one header line, then PGlite's own dump of the
 * data directory (`dumpDataDir('gzip')`, a tar.gz PGlite loads back with `loadDataDir`).
 *
 *   TANDEM-BACKUP 1 {"createdAt":"…","files":{"secret.key":"<base64>"},"databaseBytes":123}\n<dump>
 *
 * `files` carries the small files of DATA_DIR that belong with the data: the generated secret key
 * (without it the stored calendar passwords cannot be decrypted) and the demo owner's password.
 */
const MAGIC = 'TANDEM-BACKUP 1 ';

export interface BackupContents {
  createdAt: string;
  files: Record<string, Buffer>;
  database: Buffer;
}

export function encodeBackup(contents: BackupContents): Buffer {
  const files = Object.fromEntries(Object.entries(contents.files).map(([name, bytes]) => [name, bytes.toString('base64')]));
  const header = `${MAGIC}${JSON.stringify({ createdAt: contents.createdAt, files, databaseBytes: contents.database.length })}\n`;
  return Buffer.concat([Buffer.from(header, 'utf8'), contents.database]);
}

export function decodeBackup(bytes: Buffer): BackupContents {
  const newline = bytes.indexOf(0x0a);
  const headerText = newline === -1 ? '' : bytes.subarray(0, newline).toString('utf8');
  if (!headerText.startsWith(MAGIC)) throw new Error('This is not a Tandem backup file (made by `tandem backup`).');
  const header = JSON.parse(headerText.slice(MAGIC.length)) as { createdAt: string; files: Record<string, string>; databaseBytes: number };
  const database = bytes.subarray(newline + 1);
  if (database.length !== header.databaseBytes)
    throw new Error(`The backup file is incomplete: ${database.length} of ${header.databaseBytes} database bytes.`);
  const files = Object.fromEntries(Object.entries(header.files).map(([name, text]) => [name, Buffer.from(text, 'base64')]));
  return { createdAt: header.createdAt, files, database };
}

/** A dump of a PGlite directory no process has open. */
export async function dumpClosedPglite(directory: string): Promise<Buffer> {
  const pglite = await PGlite.create(directory, { extensions: { btree_gist } });
  try {
    return Buffer.from(await (await pglite.dumpDataDir('gzip')).arrayBuffer());
  } finally {
    await pglite.close();
  }
}

/** Creates `directory` (which must not hold a database) from a dump. */
export async function loadPglite(directory: string, dump: Buffer): Promise<void> {
  const pglite = await PGlite.create(directory, { extensions: { btree_gist }, loadDataDir: new Blob([dump]) });
  await pglite.close();
}
