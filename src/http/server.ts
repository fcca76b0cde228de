import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allErrorCodes } from '../services/app-error.ts';
import type { HttpDeps } from './deps.ts';
import { clientErrorHandler, frameworkErrors, installErrorHandler } from './error-handler.ts';
import { installRequestParsing, MAX_HEADER_BYTES } from './request-parsing.ts';
import { logSerializers } from './log-redaction.ts';
import { installRateLimits, type RateLimitOptions } from './rate-limits.ts';
import { installSecurityHeaders } from './security-headers.ts';
import { installActorAccessor } from './auth.ts';
import { authRoutes, sessionRoutes } from './routes/auth-routes.ts';
import { userRoutes } from './routes/user-routes.ts';
import { calendarRoutes } from './routes/calendar-routes.ts';
import { appointmentRoutes } from './routes/appointment-routes.ts';
import { blockedSlotRoutes } from './routes/blocked-slot-routes.ts';
import { contactRoutes } from './routes/contact-routes.ts';
import { publicRoutes } from './routes/public-routes.ts';
import { explainRoutes } from './routes/explain-routes.ts';
import { inviteRoutes, teamRoutes } from './routes/team-routes.ts';
import { calendarAvailabilityRoutes } from './routes/calendar-availability-routes.ts';
import { holidayRoutes } from './routes/holiday-routes.ts';

/**
 * Secrets never reach a log line: bearer tokens, cookies and anything named like a password are
 * redacted by pino before serialisation; URLs (manage links) by the request serializer
 * (log-redaction.ts).
 */
export const logRedactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.appPassword',
  '*.appSpecificPassword',
  '*.secret',
  '*.token',
  '*.manageToken',
];

export interface BuildServerOptions {
  logger?: FastifyServerOptions['logger'];
  /** Extra route plugins (connections, sync) registered with the same deps. */
  plugins?: Array<(app: FastifyInstance) => Promise<void>>;
  /** Which per-request lines are logged (see logger-options.ts). */
  logController?: FastifyServerOptions['logController'];
  /** Default: on, counters in memory. */
  rateLimits?: RateLimitOptions;
  /** Peers whose X-Forwarded-For names the client (config.trustProxy); default: none. */
  trustProxy?: boolean | number | string[];
}

/** Fastify trusts the first n hops for a number at run time, but its types leave numbers out: say it as a function. */
function trustedProxies(trust: boolean | number | string[] = false): FastifyServerOptions['trustProxy'] {
  return typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : trust;
}

export async function buildServer(deps: HttpDeps, options: BuildServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logController && { logController: options.logController }),
    // Every request log line goes through the redacting serializers, whoever configured the logger.
    logger:
      typeof options.logger === 'object' && options.logger !== null
        ? { ...options.logger, serializers: { ...options.logger.serializers, ...logSerializers } }
        : (options.logger ?? false),
    trustProxy: trustedProxies(options.trustProxy),
    bodyLimit: 1024 * 1024,
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    clientErrorHandler,
    frameworkErrors,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  installActorAccessor(app);
  installRequestParsing(app);
  await installSecurityHeaders(app);
  await installRateLimits(app, options.rateLimits ?? { enabled: true, redisUrl: null });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Tandem API',
        version: '0.1.0',
        description: 'Booking with two-way iCloud calendar sync. Errors: `{ "error": { "code", "message" } }`; codes at GET /api/errors.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });

  for (const plugin of [
    authRoutes,
    sessionRoutes,
    userRoutes,
    calendarRoutes,
    appointmentRoutes,
    blockedSlotRoutes,
    contactRoutes,
    publicRoutes,
    explainRoutes,
    teamRoutes,
    inviteRoutes,
    calendarAvailabilityRoutes,
    holidayRoutes,
  ]) {
    await app.register(plugin, deps);
  }
  // Registered, not called: each is its own encapsulated route group, so its hooks stay its own.
  for (const plugin of options.plugins ?? []) await app.register(plugin);

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get(
    '/api/errors',
    {
      schema: {
        tags: ['meta'],
        summary: 'Every error code the API returns, with its HTTP status and message',
        security: [],
        response: { 200: z.array(z.object({ code: z.string(), status: z.number(), message: z.string() })) },
      },
    },
    async () => allErrorCodes(),
  );
  app.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true }));
  return app;
}
