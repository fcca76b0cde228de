/**
 * CPU per e-mail sent (issue 13.4, decision 0021 "CPU per e-mail"), in this process, split by part:
 *   render   — renderMessage (text, HTML, Luxon times, the .ics)
 *   compose  — the MIME message: nodemailer's own build through its streams (the stream transport the
 *              file transport used before) and composeMessage (the same bytes, one synchronous pass)
 *   file     — writing the .eml and renaming it into place, with fs/promises (before) and fs's callbacks (now)
 *   smtp     — sending over one pooled SMTP connection to a sink in another process (smtp-server):
 *              nodemailer building the message as it sends it (before) and createSmtpTransport, which
 *              sends the composed message as is
 *   dispatch — the real delivery (createNotificationDelivery → deliverMessages: claim, read the rows,
 *              open the manage link, render, compose, file, record each e-mail as sent) of N queued
 *              e-mails on a throwaway PostgreSQL database; this process's CPU only, not PostgreSQL's.
 * Figures are CPU µs per e-mail (user + system of this process), several rounds: compare the later
 * ones (warm). They are printed, never checked.
 *
 *   npx tsx bench/mail-send.bench.ts     (BENCH_MAILS=2000, BENCH_ROUNDS=3, BENCH_POSTGRES_URL)
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rename as renameCallback, rmSync, writeFile as writeFileCallback } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kysely, PostgresDialect, sql } from 'kysely';
import nodemailer from 'nodemailer';
import pg from 'pg';
import { createNotificationDelivery } from '../src/jobs/notification-work.ts';
import { composeMessage, mailOptions, type OutgoingMail } from '../src/mail/compose-message.ts';
import { createFileTransport, createSmtpTransport } from '../src/mail/mail-transport.ts';
import type { MessageContent, MessageKind } from '../src/services/notifications/message-content.ts';
import { renderMessage } from '../src/services/notifications/render-message.ts';
import { createSecretBox } from '../src/services/secrets/secret-box.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import type { DB } from '../src/store/schema.ts';
import { createDatabase, databaseUrlFor, dropDatabase, loadAverage } from './serve/tandem-process.ts';

const MAILS = Number(process.env.BENCH_MAILS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PUBLIC_URL = 'http://localhost:3000';
const FROM = 'Tandem <noreply@localhost>';
const writeFileWithCallback = promisify(writeFileCallback);
const renameWithCallback = promisify(renameCallback);

// What a public booking queues: the client's confirmation (with the manage link) and the staff notice.
const content: MessageContent = {
  appointment: {
    id: '0193e0a0-0000-7000-8000-000000000001',
    title: 'Consultation',
    start: '2026-12-10T09:00:00.000Z',
    end: '2026-12-10T09:15:00.000Z',
    location: null,
    calendarName: 'Bench calendar',
    sequence: 0,
  },
  contactName: 'Client 1',
  staffNames: ['Member 1'],
  cause: 'client',
  changeDeadline: '2026-12-09T09:00:00.000Z',
};
const kindOf = (i: number): MessageKind => (i % 2 === 0 ? 'client_confirmed' : 'staff_new_booking');
const manageLink = `${PUBLIC_URL}/manage/${'Ab9_'.repeat(11)}`;

function rendered(i: number) {
  return renderMessage(
    {
      kind: kindOf(i),
      recipientName: 'Client 1',
      recipientZone: 'Europe/Berlin',
      content,
      manageLink: i % 2 === 0 ? manageLink : null,
      createdAt: new Date(),
    },
    { publicUrl: PUBLIC_URL },
  );
}

function outgoing(i: number): OutgoingMail {
  return {
    messageId: `<${i}@localhost>`,
    from: FROM,
    to: { name: 'Client 1', address: `client${i}@example.test` },
    ...rendered(i),
    date: new Date(),
    folder: 'w1',
    fileName: `m${i}.eml`,
  };
}

async function cpuPerMail(label: string, count: number, run: () => Promise<void> | void): Promise<void> {
  const before = process.cpuUsage();
  const started = performance.now();
  await run();
  const used = process.cpuUsage(before);
  const wall = performance.now() - started;
  console.log(
    `  ${label.padEnd(34)} ${((used.user + used.system) / count).toFixed(0).padStart(6)} µs CPU / e-mail  (${((wall * 1000) / count).toFixed(0)} µs wall)`,
  );
}

async function parts(): Promise<void> {
  const mails = Array.from({ length: MAILS }, (_, i) => outgoing(i));
  const streamBuild = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const dir = mkdtempSync(join(tmpdir(), 'tandem-mail-bench-'));
  try {
    await cpuPerMail('render', MAILS, () => {
      for (let i = 0; i < MAILS; i++) rendered(i);
    });
    await cpuPerMail('compose: nodemailer streams', MAILS, async () => {
      for (const mail of mails) await streamBuild.sendMail(mailOptions(mail));
    });
    await cpuPerMail('compose: composeMessage', MAILS, () => {
      for (const mail of mails) composeMessage(mail);
    });
    const message = composeMessage(mails[0]!);
    await cpuPerMail('file: fs/promises write + rename', MAILS, async () => {
      for (let i = 0; i < MAILS; i++) {
        const target = join(dir, `p${i}.eml`);
        await writeFile(`${target}.tmp`, message);
        await rename(`${target}.tmp`, target);
      }
    });
    await cpuPerMail('file: fs callbacks write + rename', MAILS, async () => {
      for (let i = 0; i < MAILS; i++) {
        const target = join(dir, `c${i}.eml`);
        await writeFileWithCallback(`${target}.tmp`, message);
        await renameWithCallback(`${target}.tmp`, target);
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// A sink that takes every message and keeps nothing: its CPU is another process's.
const SINK = `
import { SMTPServer } from 'smtp-server';
const server = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
  onData(stream, _session, callback) { stream.resume(); stream.on('end', () => callback()); } });
server.listen(0, '127.0.0.1', () => console.log(server.server.address().port));`;

async function smtp(mails: OutgoingMail[]): Promise<void> {
  const sink = spawn(process.execPath, ['--input-type=module', '-e', SINK], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      sink.stdout.once('data', (data: Buffer) => resolve(Number(data.toString().trim())));
      sink.once('exit', (code) => reject(new Error(`the SMTP sink exited (${code})`)));
    });
    const url = `smtp://127.0.0.1:${port}`;
    const before = nodemailer.createTransport({ url, pool: true, maxConnections: 1 });
    await cpuPerMail('smtp: nodemailer builds as it sends', mails.length, async () => {
      for (const mail of mails) await before.sendMail(mailOptions(mail));
    });
    before.close();
    const now = createSmtpTransport(url);
    await cpuPerMail('smtp: composed, sent as is', mails.length, async () => {
      for (const mail of mails) await now.send(mail);
    });
    now.close();
  } finally {
    sink.kill();
  }
}

async function dispatch(db: Kysely<DB>, workspaceId: string): Promise<void> {
  const secretBox = createSecretBox(randomBytes(32));
  const sealed = secretBox.encrypt(manageLink);
  await db.deleteFrom('messages').execute();
  await sql`
    insert into messages (workspace_id, kind, recipient_email, recipient_name, recipient_zone, content, manage_link_ciphertext)
    select ${workspaceId}::uuid, case when i % 2 = 0 then 'client_confirmed' else 'staff_new_booking' end,
           'client' || i || '@example.test', 'Client 1', 'Europe/Berlin', ${JSON.stringify(content)}::jsonb,
           case when i % 2 = 0 then ${sealed} end
      from generate_series(0, ${MAILS - 1}) as i`.execute(db);
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-mail-bench-'));
  try {
    const deliver = createNotificationDelivery({
      db,
      secretBox,
      config: {
        mail: { from: FROM, smtpUrl: null },
        dataDir,
        publicUrl: PUBLIC_URL,
        webhookAllowPrivateNetworks: false,
        notificationRetentionDays: 90,
      },
      now: () => new Date(),
      transport: createFileTransport(join(dataDir, 'mail')),
    });
    let sent = 0;
    await cpuPerMail('dispatch (real delivery, PostgreSQL)', MAILS, async () => {
      while (sent < MAILS) {
        const handled = await deliver();
        if (handled === 0) throw new Error(`nothing left to send after ${sent} of ${MAILS}`);
        sent += handled;
      }
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const name = `tandem_bench_mail_${process.pid}`;
  await createDatabase(name);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrlFor(name), max: 4 }) }) });
  try {
    await migrateToLatest(db);
    const workspace = await db
      .insertInto('workspaces')
      .values({ name: 'Bench', slug: `bench-${process.pid}` })
      .returning('id')
      .executeTakeFirstOrThrow();
    console.log(`e-mails: ${MAILS} per part and round, load average ${loadAverage()}`);
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`round ${round}`);
      await parts();
      await smtp(Array.from({ length: MAILS }, (_, i) => outgoing(i)));
      await dispatch(db, workspace.id);
    }
    console.log(`load average ${loadAverage()}`);
  } finally {
    await db.destroy();
    await dropDatabase(name);
  }
}

await main();
