import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../app-error.ts';
import type { Actor } from '../context.ts';
import './notification-errors.ts';

export interface MailFileView {
  name: string;
  subject: string;
  to: string;
  date: string;
  size: number;
}

const FILE_NAME = /^[A-Za-z0-9_-]+\.eml$/;

/** A header of an .eml file, unfolded; enough for a listing (nodemailer encodes non-ASCII as RFC 2047). */
function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const match = new RegExp(`^${name}:[ \\t]*((?:.*)(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head);
  return (match?.[1] ?? '').replace(/\r?\n[ \t]+/g, ' ').trim();
}

function decodeWords(value: string): string {
  return value.replace(/=\?utf-8\?([BQ])\?([^?]*)\?=\s*/gi, (_all, encoding: string, text: string) =>
    encoding.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(
          text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          'latin1',
        ).toString('utf8'),
  );
}

/**
 * Without SMTP_URL: the .eml files this workspace's messages became, newest first — so a new user
 * sees exactly what would have been sent. Only the workspace's own folder is ever read.
 */
export async function listMailFiles(options: { actor: Actor; mailDir: string; limit?: number }): Promise<MailFileView[]> {
  const folder = join(options.mailDir, options.actor.workspaceId);
  const names = await readdir(folder).catch(() => [] as string[]);
  const files = names
    .filter((n) => FILE_NAME.test(n))
    .sort()
    .reverse()
    .slice(0, options.limit ?? 50);
  return Promise.all(
    files.map(async (name) => {
      const path = join(folder, name);
      const [raw, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
      return {
        name,
        subject: decodeWords(header(raw, 'Subject')),
        to: decodeWords(header(raw, 'To')),
        date: new Date(header(raw, 'Date') || info.mtime).toISOString(),
        size: info.size,
      };
    }),
  );
}

/** One .eml file of the workspace, as written. */
export async function readMailFile(options: { actor: Actor; mailDir: string; name: string }): Promise<string> {
  if (!FILE_NAME.test(options.name)) throw new AppError('mail_file_not_found');
  return readFile(join(options.mailDir, options.actor.workspaceId, options.name), 'utf8').catch(() => {
    throw new AppError('mail_file_not_found');
  });
}
