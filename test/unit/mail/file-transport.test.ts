import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutgoingMail } from '../../../src/mail/compose-message.ts';
import { createFileTransport } from '../../../src/mail/mail-transport.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function mail(fileName: string, folder = 'ws-1'): OutgoingMail {
  return {
    messageId: `<${fileName}@tandem.test>`,
    from: 'Tandem <noreply@tandem.test>',
    to: { name: 'Ada', address: 'ada@example.test' },
    subject: 'Booking confirmed',
    text: 'Hello',
    html: '<p>Hello</p>',
    attachments: [],
    date: new Date('2026-12-06T10:00:00Z'),
    folder,
    fileName,
  };
}

describe('file transport', () => {
  it('files each message under its workspace, whole (no temporary file left)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-mail-'));
    dirs.push(dir);
    const transport = createFileTransport(dir);
    await transport.send(mail('a.eml'));
    await transport.send(mail('b.eml'));
    await transport.send(mail('c.eml', 'ws-2'));
    expect(readdirSync(join(dir, 'ws-1')).sort()).toEqual(['a.eml', 'b.eml']);
    expect(readdirSync(join(dir, 'ws-2'))).toEqual(['c.eml']);
    expect(readFileSync(join(dir, 'ws-1', 'a.eml'), 'utf8')).toContain('Message-ID: <a.eml@tandem.test>');
  });

  it('makes a workspace folder again when it vanished after the first message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-mail-'));
    dirs.push(dir);
    const transport = createFileTransport(dir);
    await transport.send(mail('a.eml'));
    rmSync(join(dir, 'ws-1'), { recursive: true });
    await transport.send(mail('b.eml'));
    expect(readdirSync(join(dir, 'ws-1'))).toEqual(['b.eml']);
  });
});
