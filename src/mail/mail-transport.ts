import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';

/** One e-mail as the sender hands it over; `messageId` is derived from the queued row, never random. */
export interface OutgoingMail {
  messageId: string;
  from: string;
  to: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
  attachments: Array<{ filename: string; content: string; contentType: string }>;
  /** The Date header: the row's creation time, so a re-send is the same message. */
  date: Date;
  /** Where a file transport files it: the workspace (files never mix workspaces) and a stable name. */
  folder: string;
  fileName: string;
}

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

function toNodemailer(mail: OutgoingMail) {
  return {
    messageId: mail.messageId,
    from: mail.from,
    to: { name: mail.to.name, address: mail.to.address },
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    date: mail.date,
    attachments: mail.attachments.map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType })),
  };
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
        await transport.sendMail(toNodemailer(mail));
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
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  // A workspace's folder is made once per process, not before every message: one file-system round
  // trip (through libuv's threadpool) fewer per e-mail. Made again if it vanished (ENOENT on write).
  const made = new Set<string>();
  const writeInto = async (folder: string, fileName: string, message: Buffer): Promise<void> => {
    const target = join(folder, fileName);
    await writeFile(`${target}.tmp`, message);
    await rename(`${target}.tmp`, target);
  };
  return {
    kind: 'files',
    async send(mail) {
      const info = await transport.sendMail(toNodemailer(mail));
      const folder = join(dir, mail.folder);
      const message = info.message as Buffer;
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
    close: () => transport.close(),
  };
}
