import type { Kysely } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { assertPublicAddress, type HostLookup } from '../../caldav/address-guard.ts';
import { parseRetryAfter, type RetryAt } from '../../domain/retry-policy.ts';
import { claimDueRows } from '../../store/claim-due-rows.ts';
import type { DB } from '../../store/schema.ts';
import type { SecretBox } from '../secrets/secret-box.ts';

export interface DeliverWebhooksDeps {
  db: Kysely<DB>;
  secretBox: SecretBox;
  now: () => Date;
  /** When the n-th failed attempt (n ≥ 1) may be tried again: the one retry policy (domain/retry-policy.ts). */
  retryAt: RetryAt;
  allowPrivateNetworks: boolean;
  lookup?: HostLookup;
  timeoutMs?: number;
  /** A delivery is retried this long after its event, then recorded as failed (≥ 24 h). */
  retryForMs?: number;
  /** An endpoint failing without a single success for this long is disabled, with the reason shown. */
  disableAfterMs?: number;
  leaseMs?: number;
  batch?: number;
}

export const WEBHOOK_RETRY_FOR_MS = 48 * 3_600_000;
export const WEBHOOK_DISABLE_AFTER_MS = 5 * 86_400_000;

export interface WebhookReport {
  delivered: number;
  retried: number;
  failed: number;
}

/**
 * Sends due webhook deliveries, signed per Standard Webhooks (webhook-id = the delivery's id, the same
 * on every retry; webhook-timestamp; webhook-signature v1 HMAC-SHA256). Any 2xx is success; anything
 * else — other statuses, redirects (not followed), timeouts, refused addresses — is retried with the
 * jittered backoff until the delivery is retryForMs old. Claimed under a lease with SKIP LOCKED.
 */
export async function deliverWebhooks(deps: DeliverWebhooksDeps): Promise<WebhookReport> {
  const report: WebhookReport = { delivered: 0, retried: 0, failed: 0 };
  const rows = await claim(deps, deps.now());
  for (const row of rows) {
    const at = deps.now();
    const attempt = row.attempts + 1;
    if (row.endpoint_status !== 'active') {
      await deps.db
        .updateTable('webhook_deliveries')
        .set({ status: 'failed', leased_until: null, last_error: 'The endpoint is disabled.' })
        .where('id', '=', row.id)
        .execute();
      report.failed += 1;
      continue;
    }
    const outcome = await post(deps, row, at);
    if (outcome.ok) {
      await deps.db
        .updateTable('webhook_deliveries')
        .set({
          status: 'delivered',
          attempts: attempt,
          last_status_code: outcome.status,
          last_error: null,
          delivered_at: at,
          leased_until: null,
        })
        .where('id', '=', row.id)
        .execute();
      await deps.db.updateTable('webhook_endpoints').set({ failing_since: null }).where('id', '=', row.endpoint_id).execute();
      report.delivered += 1;
      continue;
    }
    const giveUp = at.getTime() - row.created_at.getTime() >= (deps.retryForMs ?? WEBHOOK_RETRY_FOR_MS);
    await deps.db
      .updateTable('webhook_deliveries')
      .set({
        attempts: attempt,
        last_status_code: outcome.status,
        last_error: outcome.error,
        leased_until: null,
        ...(giveUp ? { status: 'failed' as const } : { not_before: deps.retryAt(attempt, at, outcome.retryAfterMs) }),
      })
      .where('id', '=', row.id)
      .execute();
    if (giveUp) report.failed += 1;
    else report.retried += 1;
    await noteEndpointFailure(deps, row.endpoint_id, at, outcome);
  }
  return report;
}

async function noteEndpointFailure(
  deps: DeliverWebhooksDeps,
  endpointId: string,
  at: Date,
  outcome: { status: number | null; error: string },
): Promise<void> {
  const endpoint = await deps.db
    .updateTable('webhook_endpoints')
    .set((eb) => ({ failing_since: eb.fn.coalesce('failing_since', eb.val(at)) }))
    .where('id', '=', endpointId)
    .returning(['failing_since', 'status'])
    .executeTakeFirst();
  if (!endpoint?.failing_since || endpoint.status !== 'active') return;
  const failingMs = at.getTime() - endpoint.failing_since.getTime();
  if (failingMs < (deps.disableAfterMs ?? WEBHOOK_DISABLE_AFTER_MS)) return;
  const hours = Math.round(failingMs / 3_600_000);
  const last = outcome.status === null ? outcome.error : `HTTP ${outcome.status}`;
  await deps.db
    .updateTable('webhook_endpoints')
    .set({
      status: 'disabled',
      disabled_reason: `Disabled after ${hours} h of failed deliveries without a success (last: ${last}). Fix the endpoint, then enable it again.`,
      updated_at: at,
    })
    .where('id', '=', endpointId)
    .execute();
  // Pending deliveries to a disabled endpoint would only fail: close them with the reason.
  await deps.db
    .updateTable('webhook_deliveries')
    .set({ status: 'failed', last_error: 'The endpoint was disabled.' })
    .where('endpoint_id', '=', endpointId)
    .where('status', '=', 'pending')
    .execute();
}

type Claimed = Awaited<ReturnType<typeof claim>>[number];

async function claim(deps: DeliverWebhooksDeps, now: Date) {
  const ids = await claimDueRows(deps.db, 'webhook_deliveries', { now, limit: deps.batch ?? 50, leaseMs: deps.leaseMs ?? 120_000 });
  if (ids.length === 0) return [];
  return deps.db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .select([
      'd.id',
      'd.endpoint_id',
      'd.payload',
      'd.attempts',
      'd.created_at',
      'e.url',
      'e.secret_ciphertext',
      'e.status as endpoint_status',
    ])
    .where('d.id', 'in', ids)
    .orderBy('d.created_at')
    .execute();
}

async function post(
  deps: DeliverWebhooksDeps,
  row: Claimed,
  at: Date,
): Promise<{ ok: true; status: number } | { ok: false; status: number | null; error: string; retryAfterMs: number | null }> {
  try {
    const url = new URL(row.url);
    if (!deps.allowPrivateNetworks) await assertPublicAddress({ url, ...(deps.lookup && { lookup: deps.lookup }) });
    const body = JSON.stringify(row.payload);
    const signature = new Webhook(deps.secretBox.decrypt(row.secret_ciphertext)).sign(row.id, at, body);
    const response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Tandem-Webhooks/1',
        'webhook-id': row.id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body,
    });
    await response.body?.cancel();
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    // A busy endpoint (429, 503) may say when to come back; the backoff never retries sooner.
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), at);
    return { ok: false, status: response.status, error: `The endpoint answered HTTP ${response.status}.`, retryAfterMs };
  } catch (error) {
    return { ok: false, status: null, error: error instanceof Error ? error.message : String(error), retryAfterMs: null };
  }
}
