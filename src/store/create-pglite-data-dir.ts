/**
 * Run as a process of its own by openPglite (database.ts): creates a new PGlite data directory
 * (PostgreSQL's initdb, in a second WASM module) and exits. In the server's own process, initdb
 * raised the all-time peak to ~800 MiB and left ~130 MiB of C heap behind that the process never
 * gave back to the OS (decision 0020); here it all goes with the process.
 */
import { PGlite } from '@electric-sql/pglite';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: create-pglite-data-dir <data directory>');
const pglite = await PGlite.create(dataDir);
await pglite.close();
