import { rename as renameWithCallback, writeFile as writeFileWithCallback } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { composeMessage, type OutgoingMail } from './compose-message.ts';

/** Where messages go without SMTP_URL: DATA_DIR/mail/<workspace>/<name>.eml. */
export function mailDirectory(config: { dataDir: string }): string {
  return join(config.dataDir, 'mail');
}

/** A refused or failed send. `temporary`: try again later (4xx, network); otherwise give up (5xx). */
export class MailSendError extends Error {
  constructor(
    message: string,
    readonly temporary: boolean,
    readonly responseCode: number | null,
  ) {
    super(message);
    this.name = 'MailSendError';
  }
}

export interface MailTransport {
  readonly kind: 'smtp' | 'files';
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

interface SmtpFailure {
  responseCode?: unknown;
  code?: unknown;
  message?: unknown;
}

/**
 * A pooled connection left idle this long is closed: it lives through a backlog, not between scheduler
 * ticks, and a server (or a test's SMTP sink) being stopped never waits long for it.
 */
const SMTP_IDLE_MS = 1_000;

/**
 * SMTP through nodemailer (SMTP_URL: smtp://user:pass@host:587, smtps://…). One pooled connection
 * carries a backlog's messages one after another (nodemailer's pool: RSET between messages, a new
 * connection after 100): connecting, EHLO, TLS and AUTH per message cost the sender more CPU than the
 * message itself (issue 13.4). One connection, because the sender sends one message at a time anyway.
 */
export function createSmtpTransport(smtpUrl: string): MailTransport {
  const transport = nodemailer.createTransport({ url: smtpUrl, pool: true, maxConnections: 1, idleTimeout: SMTP_IDLE_MS });
  return {
    kind: 'smtp',
    async send(mail) {
      try {
        // The message is composed once, as the file transport files it; nodemailer sends it as is.
        await transport.sendMail({ envelope: { from: mail.from, to: [mail.to.address] }, raw: composeMessage(mail) });
      } catch (error) {
        const failure = (error ?? {}) as SmtpFailure;
        const code = typeof failure.responseCode === 'number' ? failure.responseCode : null;
        // 5xx is the server's final word (unknown mailbox, refused); 4xx and no answer at all are worth another try.
        const temporary = code === null || code < 500;
        // nodemailer's message can quote the server's reply, never the SMTP password.
        throw new MailSendError(
          `${code ?? (typeof failure.code === 'string' ? failure.code : 'error')}: ${typeof failure.message === 'string' ? failure.message : String(error)}`,
          temporary,
          code,
        );
      }
    },
    close: () => transport.close(),
  };
}

/**
 * Without SMTP_URL: each message becomes `<dir>/<workspace>/<name>.eml`, exactly what would have been
 * sent, listed in the staff app. Written to a temporary name and renamed, so a crash never leaves half
 * a file, and a re-send overwrites the same file.
 */
export function createFileTransport(dir: string): MailTransport {
  // A workspace's folder is made once per process, not before every message: one file-system round
  // trip (through libuv's threadpool) fewer per e-mail. Made again if it vanished (ENOENT on write).
  const made = new Set<string>();
  // fs's callback API, not fs/promises: the same open, write, close and rename, without a FileHandle
  // and its promises per step (30–70 µs less user CPU per e-mail measured apart, bench/mail-send.bench.ts).
  const writeFile = promisify(writeFileWithCallback);
  const rename = promisify(renameWithCallback);
  const writeInto = async (folder: string, fileName: string, message: Buffer): Promise<void> => {
    const target = join(folder, fileName);
    await writeFile(`${target}.tmp`, message);
    await rename(`${target}.tmp`, target);
  };
  return {
    kind: 'files',
    async send(mail) {
      const message = composeMessage(mail);
      const folder = join(dir, mail.folder);
      if (!made.has(folder)) {
        await mkdir(folder, { recursive: true });
        made.add(folder);
      }
      try {
        await writeInto(folder, mail.fileName, message);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        await mkdir(folder, { recursive: true });
        await writeInto(folder, mail.fileName, message);
      }
    },
    // Nothing held open: each message is one file written and renamed.
    close: () => undefined,
  };
}
