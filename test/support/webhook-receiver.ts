/**
 * A real HTTP server that receives webhooks and verifies every signature with the `standardwebhooks`
 * library (the published algorithm). `failNext` makes it answer 500 (or the given status and
 * Retry-After) to the next requests.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  id: string;
  type: string;
  data: Record<string, unknown>;
  /** verify() accepted the signature with the secret known at the time. */
  verified: boolean;
  /** What this receiver answered. */
  answered: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  setSecret(secret: string): void;
  failNext(count: number, answer?: { status: number; retryAfter?: string }): void;
  stop(): Promise<void>;
}

function headerRecord(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
}

/**
 * `now`: the receiver's clock. With the real clock the library's verify() does the whole check; a test
 * that moves Tandem's clock forward gives the receiver the same clock, and the check is the library's
 * sign() over the received id, timestamp and body plus the spec's 5-minute tolerance against it.
 */
export async function startWebhookReceiver(options: { now?: () => Date } = {}): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let secret: string | null = null;
  let failures = 0;
  let failure: { status: number; retryAfter?: string } = { status: 500 };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let verified = false;
      let payload: { type?: string; data?: Record<string, unknown> } = {};
      const headers = headerRecord(request.headers);
      try {
        if (options.now) {
          const timestamp = Number(headers['webhook-timestamp']);
          const expected = new Webhook(secret ?? 'whsec_').sign(headers['webhook-id'] ?? '', new Date(timestamp * 1000), body);
          verified =
            Math.abs(options.now().getTime() / 1000 - timestamp) <= 300 &&
            (headers['webhook-signature'] ?? '').split(' ').includes(expected);
          payload = JSON.parse(body) as typeof payload;
        } else {
          payload = new Webhook(secret ?? 'whsec_').verify(body, headers) as typeof payload;
          verified = true;
        }
      } catch {
        payload = JSON.parse(body) as typeof payload;
      }
      const answered = failures > 0 ? failure.status : 204;
      if (failures > 0 && failure.retryAfter !== undefined) response.setHeader('retry-after', failure.retryAfter);
      if (failures > 0) failures -= 1;
      received.push({
        id: String(request.headers['webhook-id'] ?? ''),
        type: payload.type ?? '',
        data: payload.data ?? {},
        verified,
        answered,
      });
      response.statusCode = answered;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    setSecret(value) {
      secret = value;
    },
    failNext(count, answer = { status: 500 }) {
      failures += count;
      failure = answer;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
