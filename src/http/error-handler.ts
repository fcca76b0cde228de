import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError } from '../services/app-error.ts';
import { DATABASE_RETRY_AFTER_SECONDS, fromDatabaseOutage } from './database-unavailable.ts';

export interface ErrorBody { error: { code: string; message: string; details?: unknown } }

/** Fastify's own failures, translated into our codes so a client sees one error shape. */
function fromFastify(error: FastifyError): AppError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('malformed_json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('validation_failed', { message: 'Send JSON with Content-Type: application/json.' });
    default:
      break;
  }
  if (error instanceof SyntaxError) return new AppError('malformed_json');
  return null;
}

/** PostgreSQL's "invalid input syntax" (e.g. a malformed uuid in a path) means: no such thing. */
function isInvalidTextRepresentation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === '22P02';
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let appError: AppError;
    if (error instanceof AppError) appError = error;
    else if (hasZodFastifySchemaValidationErrors(error)) {
      const details = error.validation.map((v) => ({ path: v.instancePath.replace(/^\//, '').replaceAll('/', '.'), message: v.message }));
      const first = details[0];
      appError = new AppError('validation_failed', { message: first ? `Invalid request: ${first.path ? `${first.path} ` : ''}${first.message}`.trim() : undefined, details });
    } else if (isInvalidTextRepresentation(error)) appError = new AppError('not_found');
    else appError = fromFastify(error) ?? fromDatabaseOutage(error) ?? new AppError('internal_error', { cause: error });

    if (appError.code === 'database_unavailable') void reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
    else if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    const body: ErrorBody = { error: { code: appError.code, message: appError.message, ...(appError.details !== undefined && { details: appError.details }) } };
    return reply.status(appError.status).send(body);
  });
  app.setNotFoundHandler((_request, reply) => reply.status(404).send({ error: { code: 'not_found', message: 'No such endpoint.' } } satisfies ErrorBody));
}
