import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type AppErrorCode } from '../services/app-error.ts';
import { DATABASE_RETRY_AFTER_SECONDS, fromDatabaseOutage } from './database-unavailable.ts';

export interface ErrorBody {
  error: { code: AppErrorCode; message: string; details?: unknown };
}

export function errorBody(error: AppError): ErrorBody {
  return { error: { code: error.code, message: error.message, ...(error.details !== undefined && { details: error.details }) } };
}

/** Fastify's own failures, translated into our codes so a client sees one error shape. */
function fromFastify(error: FastifyError): AppError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('malformed_json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type');
    default:
      break;
  }
  if (error instanceof SyntaxError) return new AppError('malformed_json');
  // Anything else Fastify answers with a 4xx (e.g. a malformed header) is the client's, not ours.
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)
    return new AppError('validation_failed', { message: error.message });
  return null;
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let appError: AppError;
    if (error instanceof AppError) appError = error;
    else if (hasZodFastifySchemaValidationErrors(error)) {
      const details = error.validation.map((v) => ({ path: v.instancePath.replace(/^\//, '').replaceAll('/', '.'), message: v.message }));
      const first = details[0];
      appError = new AppError('validation_failed', {
        message: first ? `Invalid request: ${first.path ? `${first.path} ` : ''}${first.message}`.trim() : undefined,
        details,
      });
    } else appError = fromFastify(error) ?? fromDatabaseOutage(error) ?? new AppError('internal_error', { cause: error });

    if (appError.code === 'database_unavailable') void reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
    else if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.status(appError.status).send(errorBody(appError));
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.status(404).send(errorBody(new AppError('not_found', { message: 'No such endpoint.' }))),
  );
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (headers over the size limit, a
 * broken request line, a client too slow to send) get the same error shape as everything else.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code: AppErrorCode =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 'headers_too_large'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'request_timeout'
        : 'bad_request';
  const appError = new AppError(code);
  const body = JSON.stringify(errorBody(appError));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${appError.status} ${STATUS_CODES[appError.status] ?? ''}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** Errors of Fastify's router (before any route or hook runs), in the same shape. */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const appError =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new AppError('uri_too_long')
      : error.code === 'FST_ERR_BAD_URL'
        ? new AppError('validation_failed', { message: 'The address contains an invalid percent-encoding.' })
        : (fromFastify(error) ?? new AppError('validation_failed', { message: error.message }));
  // A Fastify reply is thenable; send() has nothing to await (serialisation errors go to Fastify's own handler).
  void reply.status(appError.status).send(errorBody(appError));
}
