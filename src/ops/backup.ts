import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { pgliteDirectory, type Config } from '../config.ts';
import { decodeBackup, dumpClosedPglite, encodeBackup, loadPglite } from '../store/pglite-backup.ts';
import { SECRET_KEY_FILE } from '../services/secrets/load-secret-key.ts';

/**
 * `tandem backup` / `tandem restore` for the embedded database (docs/decisions/0012-backups.md).
 *
 * PGlite is one process's database: a second process must not open a data directory a running
 * `tandem serve` holds. So the server listens on a Unix socket inside DATA_DIR (reachable only by
 * whoever may read DATA_DIR — which holds the secret key anyway) and answers it with a dump taken
 * by its own PGlite, between two queries: consistent while the server runs. With no server
 * running, `tandem backup` opens the directory itself.
 */
export const CONTROL_SOCKET = 'control.sock';
/** DATA_DIR files that travel with the database. */
const COMPANION_FILES = [SECRET_KEY_FILE, 'demo-owner-password'];

const pgDumpHint =
  'With DATABASE_URL, back up PostgreSQL with its own tools: `pg_dump --format=custom "$DATABASE_URL" > tandem.dump`, restore with `pg_restore --dbname "$DATABASE_URL" tandem.dump` (and keep TANDEM_SECRET_KEY).';

/** Asks a running server for a dump. Null when no server listens on DATA_DIR's socket. */
function dumpFromRunningServer(socketPath: string): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    if (!existsSync(socketPath)) return resolve(null);
    const chunks: Buffer[] = [];
    const socket = connect(socketPath);
    let connected = false;
    socket.on('connect', () => {
      connected = true;
      socket.end('dump\n');
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      const reply = Buffer.concat(chunks);
      if (reply.subarray(0, 3).toString() === 'ok\n') resolve(reply.subarray(3));
      else reject(new Error(`The running Tandem could not make a backup: ${reply.toString('utf8').replace(/^error\n/, '')}`));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A socket file left by a server that was killed: nobody is listening.
      if (!connected && (error.code === 'ECONNREFUSED' || error.code === 'ENOENT')) resolve(null);
      else reject(error);
    });
  });
}

/**
 * The server's side: answers `dump` on DATA_DIR/control.sock. A stale socket file (a killed
 * server) is replaced; a live one means another server holds this DATA_DIR, which is refused.
 */
export async function serveBackupSocket(dataDir: string, dump: () => Promise<Blob>): Promise<Server> {
  const socketPath = join(dataDir, CONTROL_SOCKET);
  if (existsSync(socketPath)) {
    if (await isListening(socketPath))
      throw new Error(`Another Tandem is already running with DATA_DIR=${dataDir}: the embedded database belongs to one process.`);
    unlinkSync(socketPath);
  }
  // Half-open: the client ends its side after "dump", and still reads the answer.
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    let asked = false;
    // A client that only checked whether anyone listens: close our side too, or close() would wait on it.
    socket.on('end', () => {
      if (!asked) socket.end();
    });
    socket.once('data', () => {
      asked = true;
      dump()
        .then(async (blob) => socket.end(Buffer.concat([Buffer.from('ok\n'), Buffer.from(await blob.arrayBuffer())])))
        .catch((error: unknown) => socket.end(`error\n${error instanceof Error ? error.message : String(error)}`));
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  chmodSync(socketPath, 0o600);
  return server;
}

function isListening(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

function refuseWithPostgres(config: Config): void {
  if (config.databaseUrl) throw new Error(`tandem backup and restore are for the embedded database in DATA_DIR. ${pgDumpHint}`);
}

export async function backup(config: Config, file: string): Promise<string> {
  refuseWithPostgres(config);
  const socketPath = join(config.dataDir, CONTROL_SOCKET);
  let database = await dumpFromRunningServer(socketPath);
  const source = database ? 'from the running server' : 'from the stopped data directory';
  if (!database) {
    const directory = pgliteDirectory(config);
    if (!existsSync(directory)) throw new Error(`There is no database in DATA_DIR=${config.dataDir} to back up.`);
    database = await dumpClosedPglite(directory);
  }
  const files = Object.fromEntries(
    COMPANION_FILES.filter((name) => existsSync(join(config.dataDir, name))).map((name) => [
      name,
      readFileSync(join(config.dataDir, name)),
    ]),
  );
  const temporary = `${file}.partial`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(temporary, encodeBackup({ createdAt: new Date().toISOString(), files, database }), { mode: 0o600 });
  renameSync(temporary, file);
  const keyNote = files[SECRET_KEY_FILE]
    ? ' It contains the secret key: keep it as safe as the data directory.'
    : ' Keep TANDEM_SECRET_KEY: the stored calendar passwords need it.';
  return `Backed up ${source} to ${file} (${database.length} bytes).${keyNote}`;
}

export async function restore(config: Config, file: string): Promise<string> {
  refuseWithPostgres(config);
  if (await isListening(join(config.dataDir, CONTROL_SOCKET))) {
    throw new Error(`Tandem is running with DATA_DIR=${config.dataDir}. Stop it, then restore into an empty DATA_DIR.`);
  }
  const directory = pgliteDirectory(config);
  if (existsSync(directory) && readdirSync(directory).length > 0) {
    throw new Error(`DATA_DIR=${config.dataDir} already holds a database. Restore into an empty DATA_DIR (move the old one away first).`);
  }
  const contents = decodeBackup(readFileSync(file));
  for (const [name, bytes] of Object.entries(contents.files)) {
    const path = join(config.dataDir, name);
    if (existsSync(path) && !readFileSync(path).equals(bytes)) {
      throw new Error(`${path} differs from the backup's ${name}. Restore into an empty DATA_DIR.`);
    }
  }
  mkdirSync(config.dataDir, { recursive: true });
  for (const [name, bytes] of Object.entries(contents.files)) writeFileSync(join(config.dataDir, name), bytes, { mode: 0o600 });
  await loadPglite(directory, contents.database);
  return `Restored the backup of ${contents.createdAt} into ${config.dataDir}.`;
}
