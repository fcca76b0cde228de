import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { composeMessage, mailOptions, type OutgoingMail } from '../../../src/mail/compose-message.ts';
import { MESSAGE_KINDS, type MessageContent, type MessageKind } from '../../../src/services/notifications/message-content.ts';
import { renderMessage } from '../../../src/services/notifications/render-message.ts';

/**
 * `composeMessage` walks nodemailer's MIME tree itself instead of through nodemailer's streams
 * (decision 0021, sixth session). The message must be the one nodemailer builds from the same
 * mail options — what the file transport wrote before (stream transport, CRLF) — byte for byte;
 * only the multipart boundaries are random per message, so they are named alike on both sides.
 */
const nodemailerBuild = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });

async function builtByNodemailer(mail: OutgoingMail): Promise<string> {
  const info = await nodemailerBuild.sendMail(mailOptions(mail));
  return (info.message as Buffer).toString('latin1');
}

function sameBoundaries(message: string): string {
  const seen = new Map<string, string>();
  return message.replace(/--_NmP-[0-9a-f]+-Part_\d+/g, (boundary) => {
    if (!seen.has(boundary)) seen.set(boundary, `BOUNDARY-${seen.size + 1}`);
    return seen.get(boundary)!;
  });
}

const plain: MessageContent = {
  appointment: {
    id: '0193e0a0-0000-7000-8000-000000000001',
    title: 'Consultation',
    start: '2026-12-10T09:00:00.000Z',
    end: '2026-12-10T09:15:00.000Z',
    location: null,
    calendarName: 'Consultations',
    sequence: 0,
  },
  contactName: 'Ann Lee',
  staffNames: ['Olivia'],
  previousStart: '2026-12-09T14:00:00.000Z',
  cause: 'client',
  reason: null,
  offsetMin: 1440,
  connection: { id: 'c1', username: 'olivia@icloud.com', provider: 'icloud', cause: 'calendar_sync' },
  changeDeadline: '2026-12-09T09:00:00.000Z',
};

// Non-ASCII in names, titles and places (encoded words, base64 or QP bodies), header-special
// characters in a display name, long unbroken words, '=' and trailing blanks in a reason.
const awkward: MessageContent = {
  ...plain,
  appointment: {
    ...plain.appointment!,
    title: 'Beratung für Jürgen Müller-Lüdenscheidt — 初診 🦷 and a title long enough to be folded across several header lines',
    location: 'Straße 5, "Hinterhaus", 2. OG; Tür=links',
    sequence: 7,
  },
  contactName: 'O\'Brien, Ann "Annie" <x>',
  staffNames: ['Zoë', 'Nate'],
  cause: 'staff',
  reason: `Sorry =3D no time  \ttrailing blanks   \n${'x'.repeat(120)}`,
};

function mailFor(kind: MessageKind, content: MessageContent, recipientName: string, manageLink: string | null): OutgoingMail {
  const rendered = renderMessage(
    { kind, recipientName, recipientZone: 'Europe/Berlin', content, manageLink, createdAt: new Date('2026-12-07T01:00:00.000Z') },
    { publicUrl: 'https://book.example.test' },
  );
  return {
    messageId: '<0193e0a0-0000-7000-8000-0000000000aa@book.example.test>',
    from: 'Tandem <noreply@book.example.test>',
    to: { name: recipientName, address: 'ann@client.test' },
    ...rendered,
    date: new Date('2026-12-07T01:00:00.000Z'),
    folder: 'w1',
    fileName: 'm.eml',
  };
}

describe('composeMessage', () => {
  const link = `https://book.example.test/manage/${'Ab9_'.repeat(12)}`;
  const cases: Array<[string, OutgoingMail]> = MESSAGE_KINDS.flatMap((kind) => [
    [`${kind}, plain`, mailFor(kind, plain, 'Ann Lee', link)] as [string, OutgoingMail],
    [`${kind}, non-ASCII and special characters`, mailFor(kind, awkward, 'Jürgen "JM" Müller, Jr.', null)] as [string, OutgoingMail],
  ]);

  it.each(cases)('is the message nodemailer builds: %s', async (_name, mail) => {
    const composed = composeMessage(mail).toString('latin1');
    expect(sameBoundaries(composed)).toBe(sameBoundaries(await builtByNodemailer(mail)));
  });

  it('has CRLF line breaks only and ends with one', () => {
    const composed = composeMessage(mailFor('client_confirmed', awkward, 'Ann', link)).toString('latin1');
    expect(composed.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(composed.endsWith('\r\n')).toBe(true);
  });

  it('carries the .ics and both bodies, each part under its own boundary', () => {
    const composed = composeMessage(mailFor('client_cancelled', plain, 'Ann Lee', link)).toString('latin1');
    expect(composed).toContain('Content-Type: text/calendar; charset=utf-8; method=CANCEL; name=invite.ics');
    expect(composed).toContain('Content-Type: text/plain; charset=utf-8');
    expect(composed).toContain('Content-Type: text/html; charset=utf-8');
    expect(composed).toContain('Message-ID: <0193e0a0-0000-7000-8000-0000000000aa@book.example.test>');
    expect(composed).toContain('Date: Mon, 07 Dec 2026 01:00:00 +0000');
  });
});
