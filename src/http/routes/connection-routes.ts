import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../config.ts';
import type { ServiceContext } from '../../services/context.ts';
import type { SecretBox } from '../../services/secrets/secret-box.ts';
import { caldavSettingsFrom, type ConnectionContext } from '../../services/connections/connection-context.ts';
import { connectCalendarAccount } from '../../services/connections/connect-calendar-account.ts';
import { listConnections } from '../../services/connections/list-connections.ts';
import { getConnection } from '../../services/connections/get-connection.ts';
import { reauthenticateConnection } from '../../services/connections/reauthenticate-connection.ts';
import { refreshConnectionCalendars } from '../../services/connections/refresh-connection-calendars.ts';
import { removeConnection } from '../../services/connections/remove-connection.ts';
import { getCalendarConfiguration } from '../../services/connections/get-calendar-configuration.ts';
import { setCalendarConfiguration } from '../../services/connections/set-calendar-configuration.ts';
import { requireAuthentication } from '../auth.ts';
import { authErrors, email, errorSchema, hasNoNul, id, idParam, text } from '../schemas.ts';
import { limitBy } from '../rate-limits.ts';

export interface ConnectionRouteDeps {
  ctx: ServiceContext;
  secretBox: SecretBox;
  config: Pick<Config, 'icloudCalDavUrl' | 'icloudPartitionOrigins' | 'allowPrivateNetworks' | 'caldavTimeoutMs'>;
  /** A calendar configuration was saved (newly configured calendars are due): wake the scheduler now. */
  onCalendarsConfigured?: () => void;
}

const errorSummary = z.object({ code: z.string(), message: z.string() }).nullable();

const remoteCalendarSchema = z
  .object({
    id: z.string(),
    connectionId: z.string(),
    url: z.string(),
    displayName: z.string(),
    color: z.string().nullable(),
    components: z.array(z.string()),
    writable: z.boolean(),
    subscribed: z.boolean(),
    connectable: z.boolean().describe('false: show greyed out with notConnectableReason; cannot be primary or conflict calendar'),
    notConnectableReason: z.string().nullable(),
    role: z.enum(['none', 'primary', 'conflict']),
    lastSyncedAt: z.string().nullable(),
    lastError: errorSummary,
    warning: z.string().nullable(),
    serverTransparent: z.boolean().describe('the server marks the calendar transparent (RFC 6638 schedule-calendar-transp)'),
    blocksAvailabilityOverride: z.boolean().nullable().describe("the user's switch in Tandem; null follows the server"),
    blocksAvailability: z.boolean().describe('whether its events block availability'),
    removedAt: z
      .string()
      .nullable()
      .describe('when Tandem found it deleted on the server: kept for the record, not synced, its events no longer block'),
  })
  .meta({ id: 'RemoteCalendar' });

// Deliberately no secret field: the response serializer drops anything not named here.
const connectionSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    provider: z.enum(['icloud', 'caldav']),
    serverUrl: z.string(),
    username: z.string(),
    status: z.enum(['active', 'needs_reconnect']),
    lastError: errorSummary,
    createdAt: z.string(),
    updatedAt: z.string(),
    addresses: z
      .array(z.string())
      .describe("the account's own addresses (RFC 6638 calendar-user-address-set), for recognising invitations"),
    calendars: z.array(remoteCalendarSchema),
  })
  .meta({ id: 'Connection' });

const calendarConfigurationSchema = z
  .object({
    userId: z.string(),
    primaryCalendarId: z.string().nullable(),
    conflictCalendarIds: z.array(z.string()).describe('includes the primary calendar: it always counts for conflicts'),
    calendars: z.array(remoteCalendarSchema).describe("every calendar of the user's connections"),
    primaryNotice: z
      .string()
      .nullable()
      .describe(
        'set when appointments are not written where the configuration says: the primary was deleted on the server, or copies stay in a former primary',
      ),
  })
  .meta({ id: 'CalendarConfiguration' });

const secretText = text().min(1).max(256);
const serverUrl = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .refine(hasNoNul, 'must not contain NUL characters')
  // Credentials in the URL would end up in logs; an unparsable URL is already reported by z.url.
  .refine(
    (raw) => !URL.canParse(raw) || (new URL(raw).username === '' && new URL(raw).password === ''),
    'put the username and password in their own fields, not in the URL',
  );

const connectBody = z.discriminatedUnion('provider', [
  z.object({
    provider: z.literal('icloud'),
    email: z.string().trim().pipe(email()),
    appSpecificPassword: secretText.describe('xxxx-xxxx-xxxx-xxxx, from appleid.apple.com'),
  }),
  z.object({ provider: z.literal('caldav'), serverUrl, username: text().trim().min(1).max(320), password: secretText }),
]);

const reauthenticateBody = z
  .object({ appSpecificPassword: secretText.optional(), password: secretText.optional() })
  .refine(
    (body) => (body.appSpecificPassword === undefined) !== (body.password === undefined),
    'send either appSpecificPassword (iCloud) or password',
  );

/** Failures of talking to the calendar server while connecting (see GET /api/errors for the codes). */
const remoteErrors = { 409: errorSchema, 422: errorSchema, 429: errorSchema, 502: errorSchema, 504: errorSchema } as const;

const plugin: FastifyPluginAsyncZod<ConnectionRouteDeps> = async (app, deps) => {
  const { ctx } = deps;
  requireAuthentication(app, ctx);
  const caldav = caldavSettingsFrom(deps.config);
  // Per request, so CalDAV traffic is logged with the request id.
  const connectionContext = (request: FastifyRequest): ConnectionContext => ({
    ...ctx,
    secretBox: deps.secretBox,
    caldav,
    log: request.log,
  });

  app.post(
    '/api/connections',
    {
      schema: {
        tags: ['connections'],
        summary: 'Connect a calendar account of your own (iCloud: Apple ID email + app-specific password)',
        body: connectBody,
        response: { 201: connectionSchema, ...authErrors, ...remoteErrors },
      },
      preHandler: limitBy(app, 'connect'),
    },
    async (request, reply) => {
      const { actor } = request;
      return reply.status(201).send(await connectCalendarAccount(connectionContext(request), { actor, input: request.body }));
    },
  );

  app.get(
    '/api/connections',
    {
      schema: {
        tags: ['connections'],
        summary: "Your connected accounts (owners/admins: ?userId= for a team member's, read-only)",
        querystring: z.object({ userId: id().optional() }),
        response: { 200: z.array(connectionSchema), ...authErrors },
      },
    },
    async (request) => {
      const { actor } = request;
      return listConnections(ctx, { actor, userId: request.query.userId });
    },
  );

  app.get(
    '/api/connections/:id',
    { schema: { tags: ['connections'], params: idParam, response: { 200: connectionSchema, ...authErrors } } },
    async (request) => {
      const { actor } = request;
      return getConnection(ctx, { actor, connectionId: request.params.id });
    },
  );

  app.post(
    '/api/connections/:id/reauthenticate',
    {
      schema: {
        tags: ['connections'],
        summary: 'Give a connection a new password (e.g. a new app-specific password)',
        params: idParam,
        body: reauthenticateBody,
        response: { 200: connectionSchema, ...authErrors, ...remoteErrors },
      },
      preHandler: limitBy(app, 'connect'),
    },
    async (request) => {
      const { actor } = request;
      const password = request.body.appSpecificPassword ?? request.body.password ?? '';
      return reauthenticateConnection(connectionContext(request), { actor, connectionId: request.params.id, password });
    },
  );

  app.post(
    '/api/connections/:id/refresh',
    {
      schema: {
        tags: ['connections'],
        summary: "List the account's calendars and addresses again (new ones appear, deleted ones are marked removed)",
        params: idParam,
        response: { 200: connectionSchema, ...authErrors, ...remoteErrors },
      },
    },
    async (request) => {
      const { actor } = request;
      return refreshConnectionCalendars(connectionContext(request), { actor, connectionId: request.params.id });
    },
  );

  app.delete(
    '/api/connections/:id',
    {
      schema: {
        tags: ['connections'],
        summary: 'Disconnect an account: its imported events go, appointments stay',
        params: idParam,
        response: { 204: z.null(), ...authErrors },
      },
    },
    async (request, reply) => {
      const { actor } = request;
      await removeConnection(ctx, { actor, connectionId: request.params.id });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/users/:id/calendar-configuration',
    {
      schema: {
        tags: ['connections'],
        summary: "A user's primary and conflict calendars",
        params: idParam,
        response: { 200: calendarConfigurationSchema, ...authErrors },
      },
    },
    async (request) => {
      const { actor } = request;
      return getCalendarConfiguration(ctx, { actor, userId: request.params.id });
    },
  );

  app.put(
    '/api/users/:id/calendar-configuration',
    {
      schema: {
        tags: ['connections'],
        summary: 'Choose your primary calendar (read + write) and conflict calendars (read only)',
        params: idParam,
        body: z.object({ primaryCalendarId: id().nullable(), conflictCalendarIds: z.array(id()).max(200) }),
        response: { 200: calendarConfigurationSchema, ...authErrors, 422: errorSchema },
      },
    },
    async (request) => {
      const { actor } = request;
      const configuration = await setCalendarConfiguration(ctx, { actor, userId: request.params.id, ...request.body });
      deps.onCalendarsConfigured?.();
      return configuration;
    },
  );
};

/** The connection routes as a buildServer plugin: `buildServer(deps, { plugins: [connectionRoutes({ ctx, secretBox, config })] })`. */
export function connectionRoutes(deps: ConnectionRouteDeps): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    await app.register(plugin, deps);
  };
}
