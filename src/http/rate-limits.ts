import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { Redis } from 'ioredis';
import { AppError } from '../services/app-error.ts';

export interface RateLimitOptions {
  /** false turns every limit off (load tests, races between many requests from one address). */
  enabled: boolean;
  /** With Redis the counters are shared by every API node, so a limit holds behind a load balancer. */
  redisUrl: string | null;
  /** The installation's Redis key prefix (REDIS_PREFIX); default 'tandem'. */
  redisPrefix?: string;
}

interface Rule {
  /** Names the counter; part of the key, so rules never share counts. */
  name: string;
  max: number;
  windowMs: number;
  /** What is counted: an address, an account, a user. null: this rule does not apply to the request. */
  key(request: FastifyRequest): string | null;
}

const MINUTE = 60_000;
const byAddress = (request: FastifyRequest) => request.ip;

/**
 * The limits, per use. Only requests that passed validation are counted (limits run as a
 * preHandler), so a typo costs nothing; a wrong password does. Sign-in is limited per account — a
 * password guesser spread over many addresses still stops — and per address — one address trying
 * many accounts stops too.
 */
export const rateLimitRules = {
  signIn: [
    { name: 'sign-in:account', max: 10, windowMs: 15 * MINUTE, key: (request) => accountOf(request.body) },
    { name: 'sign-in:address', max: 50, windowMs: 15 * MINUTE, key: byAddress },
  ],
  signUp: [{ name: 'sign-up:address', max: 20, windowMs: 60 * MINUTE, key: byAddress }],
  publicBooking: [{ name: 'public-booking:address', max: 30, windowMs: 10 * MINUTE, key: byAddress }],
  connect: [
    { name: 'connect:user', max: 10, windowMs: 10 * MINUTE, key: (request) => request.actor.userId },
    { name: 'connect:address', max: 30, windowMs: 10 * MINUTE, key: byAddress },
  ],
} as const satisfies Record<string, readonly Rule[]>;

export type RateLimitRule = keyof typeof rateLimitRules;

function accountOf(body: unknown): string | null {
  const email = typeof body === 'object' && body !== null ? (body as { email?: unknown }).email : undefined;
  return typeof email === 'string' ? email.trim().toLowerCase() : null;
}

/**
 * Registers the counters (in memory, or Redis) on the root instance. Routes then take their
 * limits with `preHandler: limitBy(app, 'signIn')`.
 */
export async function installRateLimits(app: FastifyInstance, options: RateLimitOptions): Promise<void> {
  if (!options.enabled) return;
  const redis = options.redisUrl ? new Redis(options.redisUrl, { maxRetriesPerRequest: 1 }) : null;
  if (redis) {
    // Without Redis the limits are skipped (skipOnError), not the requests: an outage must not lock everyone out.
    redis.on('error', (error: Error) => app.log.warn({ err: error }, 'rate-limit store unavailable'));
    app.addHook('onClose', async () => {
      redis.disconnect();
    });
  }
  await app.register(rateLimit, {
    global: false,
    skipOnError: true,
    nameSpace: `${options.redisPrefix ?? 'tandem'}-rate-limit:`,
    ...(redis && { redis }),
  });
}

export function limitBy(app: FastifyInstance, use: RateLimitRule): preHandlerAsyncHookHandler {
  const create = app.createRateLimit;
  if (!create) return async () => {};
  const limiters = rateLimitRules[use].map((rule: Rule) => ({
    rule,
    check: create({ max: rule.max, timeWindow: rule.windowMs, keyGenerator: (request) => `${rule.name}:${rule.key(request) ?? ''}` }),
  }));
  return async (request, reply) => {
    for (const { rule, check } of limiters) {
      if (rule.key(request) === null) continue;
      const result = await check(request);
      if (!result.isAllowed && result.isExceeded) {
        const seconds = Math.max(1, result.ttlInSeconds ?? Math.ceil(rule.windowMs / 1000));
        void reply.header('retry-after', String(seconds));
        throw new AppError('rate_limited', {
          message: `Too many attempts. Try again in ${seconds < 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`}.`,
        });
      }
    }
  };
}
