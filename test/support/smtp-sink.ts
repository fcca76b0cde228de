/**
 * A real SMTP server (the `smtp-server` package) on a free loopback port that keeps every message it
 * accepts, parsed with `mailparser`. `refuseNext` makes it answer the next DATA commands with a
 * given reply code (451 temporary, 550 permanent), as a real server under trouble would. `holdNext`
 * keeps the next message (it counts as received: the server has committed it) but holds the reply to
 * DATA until released — the window in which a sender can die after the server took the message and
 * before the sender learnt of it (RFC 1047's duplicate-message window).
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './free-port.ts';

export interface ReceivedMail {
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  /** The Date header, as an ISO string ('' without one). */
  date: string;
  text: string;
  html: string;
  attachments: Array<{ filename: string; contentType: string; content: string }>;
  raw: string;
}

export interface SmtpSink {
  url: string;
  port: number;
  received: ReceivedMail[];
  /** SMTP connections opened to it so far (a sender reusing one connection opens one for a backlog). */
  connections(): number;
  /** The next `count` messages are answered with `code` instead of being accepted. */
  refuseNext(count: number, code: 451 | 550): void;
  /**
   * The next message (the next one `matches`, when given) is kept but its reply held: `accepted`
   * resolves once it is in, `release` answers 250.
   */
  holdNext(matches?: (mail: ReceivedMail) => boolean): HeldReply;
  stop(): Promise<void>;
}

export interface HeldReply {
  accepted: Promise<ReceivedMail>;
  release(): void;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  let refusals: Array<451 | 550> = [];
  const holds: Array<{ matches(mail: ReceivedMail): boolean; accept(mail: ReceivedMail): void; released: Promise<void> }> = [];
  let connections = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      connections += 1;
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const code = refusals.shift();
        if (code !== undefined) {
          const error = Object.assign(new Error(code === 451 ? 'Try again later' : 'Mailbox unavailable'), { responseCode: code });
          callback(error);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw).then(
          async (mail: ParsedMail) => {
            const kept: ReceivedMail = {
              messageId: mail.messageId ?? '',
              from: mail.from?.text ?? '',
              to: session.envelope.rcptTo.map((r) => r.address),
              subject: mail.subject ?? '',
              date: mail.date?.toISOString() ?? '',
              text: mail.text ?? '',
              html: typeof mail.html === 'string' ? mail.html : '',
              attachments: mail.attachments.map((a) => ({
                filename: a.filename ?? '',
                contentType: a.contentType,
                content: a.content.toString('utf8'),
              })),
              raw,
            };
            received.push(kept);
            const index = holds.findIndex((candidate) => candidate.matches(kept));
            const hold = index === -1 ? undefined : holds.splice(index, 1)[0];
            if (hold) {
              hold.accept(kept);
              await hold.released;
            }
            // After a held reply the client may be gone; answering a closed connection is harmless.
            try {
              callback();
            } catch {
              /* the connection closed while the reply was held */
            }
          },
          (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
        );
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    connections: () => connections,
    refuseNext(count, code) {
      refusals = [...refusals, ...Array.from({ length: count }, () => code)];
    },
    holdNext(matches = () => true) {
      let accept!: (mail: ReceivedMail) => void;
      let release!: () => void;
      const accepted = new Promise<ReceivedMail>((resolve) => (accept = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      holds.push({ matches, accept, released });
      return { accepted, release };
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
