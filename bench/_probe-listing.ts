// scratch probe (not committed): time readSpooledSyncCollection on a captured listing with data
import { existsSync, openSync, readFileSync, writeFileSync, fstatSync } from 'node:fs';
import { request } from 'node:http';
import { syncCollectionBody, readSpooledSyncCollection } from '../src/caldav/sync-collection.ts';
import { MultistatusSplitter } from '../src/caldav/multistatus-splitter.ts';
import { startRadicale } from '../test/support/radicale.ts';
import { importDataset, PASSWORD, prepareStorage, USERNAME } from './sync/radicale-storage.ts';
const FILE = '/work/scratch/listing-data.xml';
const today = new Date();
const NOW = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1, 12));
let url = '';
if (!existsSync(FILE)) {
  const { spec, seedName } = importDataset(5000, NOW);
  const prepared = await prepareStorage(spec, (l) => console.log(l), { seedName });
  const radicale = await startRadicale({ storageDir: prepared.storageDir, username: USERNAME, password: PASSWORD });
  url = `${radicale.calendarHomeUrl}${spec.bigCalendar.name}/`;
  const authorization = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`;
  const body: Buffer = await new Promise((resolve, reject) => {
    const asked = request(url, { method: 'REPORT', headers: { authorization, 'content-type': 'application/xml; charset=utf-8', depth: '0' } }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => resolve(Buffer.concat(chunks)));
    });
    asked.on('error', reject);
    asked.end(syncCollectionBody(null, true));
  });
  writeFileSync(FILE, body);
  writeFileSync(FILE + '.url', url);
  await radicale.stop();
}
url = readFileSync(FILE + '.url', 'utf8');
const fd = openSync(FILE, 'r');
const size = fstatSync(fd).size;
const mode = process.argv[2] ?? 'read';
for (let round = 0; round < 6; round++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  if (mode === 'split') {
    const buf = readFileSync(FILE);
    let n = 0;
    const s = new MultistatusSplitter({ onRoot: () => undefined, onChild: () => { n++; } }, url, 64 * 1024 * 1024);
    for (let at = 0; at < buf.length; at += 1 << 20) s.push(buf.subarray(at, Math.min(buf.length, at + (1 << 20))));
    s.end();
  } else {
    const r = await readSpooledSyncCollection({ fd, size, url, calendarUrl: url, maxMemberBytes: 64 * 1024 * 1024 });
    if (r.changed.length !== 5000) throw new Error('count');
  }
  const c = process.cpuUsage(c0);
  console.log(mode, round, (performance.now() - t0).toFixed(1), 'ms wall', ((c.user + c.system) / 1000).toFixed(1), 'ms cpu');
}
process.exit(0);
