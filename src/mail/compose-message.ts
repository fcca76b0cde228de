import { Encoder as Base64Encoder } from 'nodemailer/lib/base64';
import MailComposer from 'nodemailer/lib/mail-composer';
import type MimeNode from 'nodemailer/lib/mime-node';
import { Encoder as QuotedPrintableEncoder } from 'nodemailer/lib/qp';
import type { Transform } from 'node:stream';

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

/**
 * The message as nodemailer composes it: its MIME tree (MailComposer), each part's headers
 * (`buildHeaders`: address and encoded-word encoding, folding, boundaries, Date, Message-ID) and
 * each body's encoder (quoted-printable, base64) are nodemailer's. Only the walk over the tree is
 * ours, done in one synchronous pass instead of nodemailer's `createReadStream`, which pipes every
 * part through its own streams with a `setImmediate` between steps and a `pipeline` (an
 * AbortController and an AbortError) per encoded part: that plumbing cost the sender more CPU than
 * everything else in an e-mail (issue 13.4, decision 0021). The bytes are the same as nodemailer's
 * own build of the same tree (test/unit/mail/compose-message.test.ts compares them for every kind).
 */
export function composeMessage(mail: OutgoingMail): Buffer {
  const root = new MailComposer(mailOptions(mail)).compile();
  const chunks: Buffer[] = [];
  writeNode(root, chunks);
  return finishLines(Buffer.concat(chunks));
}

/** The mail options nodemailer composes the message from (also what its own build is compared on in the tests). */
export function mailOptions(mail: OutgoingMail) {
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

/** What `MimeNode#stream` writes for one node: its headers, its encoded body, then its children between boundaries. */
function writeNode(node: MimeNode, out: Buffer[]): void {
  out.push(Buffer.from(`${node.buildHeaders()}\r\n\r\n`));
  const { content } = node;
  if (content !== undefined && content !== null) {
    if (typeof content !== 'string' && !Buffer.isBuffer(content)) {
      // Streams, files and URLs are never handed to the sender: every part is rendered text.
      throw new Error('composeMessage takes string or Buffer content only');
    }
    const body = typeof content === 'string' ? Buffer.from(content) : content;
    const encoding = node.getTransferEncoding();
    if (encoding === 'base64') out.push(encodeWhole(new Base64Encoder(), body));
    else if (encoding === 'quoted-printable')
      // As nodemailer does: outside of text a lone CR or LF is data, not a line break.
      out.push(encodeWhole(new QuotedPrintableEncoder({ binary: !/^text\//i.test(node.contentType ?? '') }), body));
    else out.push(body);
  }
  if (node.multipart) {
    node.childNodes.forEach((child, index) => {
      out.push(Buffer.from(`${index > 0 ? '\r\n' : ''}--${String(node.boundary)}\r\n`));
      writeNode(child, out);
    });
    out.push(Buffer.from(`\r\n--${String(node.boundary)}--\r\n`));
  }
}

/** Runs one of nodemailer's encoders over the whole body at once: a transform written and ended runs synchronously. */
function encodeWhole(encoder: Transform, body: Buffer): Buffer {
  encoder.end(body);
  const chunks: Buffer[] = [];
  for (let chunk = encoder.read() as Buffer | null; chunk !== null; chunk = encoder.read() as Buffer | null) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * nodemailer's last two steps over the whole message: a line break at the end (`LastNewline`), and
 * every lone LF made CRLF (the `newline: 'windows'` the file transport used; SMTP needs CRLF too).
 */
function finishLines(message: Buffer): Buffer {
  const last = message.at(-1);
  const ended = last === 0x0a ? message : Buffer.concat([message, Buffer.from(last === 0x0d ? '\n' : '\r\n')]);
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < ended.length; i++) {
    if (ended[i] === 0x0a && (i === 0 || ended[i - 1] !== 0x0d)) {
      parts.push(ended.subarray(from, i), CRLF);
      from = i + 1;
    }
  }
  if (from === 0) return ended;
  parts.push(ended.subarray(from));
  return Buffer.concat(parts);
}

const CRLF = Buffer.from('\r\n');
