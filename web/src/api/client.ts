import createClient, { type Middleware } from 'openapi-fetch';
import { QueryClient } from '@tanstack/react-query';
import { ApiError, session, setUnauthenticatedListener } from '../api.ts';
import type { components, paths } from './schema.d.ts';

/**
 * The typed API client: paths and shapes come from web/src/api/schema.d.ts, which is generated from
 * the server's OpenAPI document (`npm run generate:api`), so a changed route breaks the web build
 * instead of a screen. Every call sends the signed-in user's bearer token.
 */
export type Schemas = components['schemas'];
export type BookingCalendar = Schemas['BookingCalendar'];
export type TeamUser = Schemas['User'];

const bearer: Middleware = {
  onRequest({ request }) {
    const token = session.token();
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: typeof location === 'undefined' ? '' : location.origin });
api.use(bearer);

let unauthenticated: (() => void) | null = null;
/** Same hook as api.ts: the staff shell sends the user back to sign-in when the session is gone. */
export function onUnauthenticatedClient(listener: (() => void) | null): void {
  unauthenticated = listener;
  setUnauthenticatedListener(listener && (() => listener()));
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

/**
 * Unwraps an openapi-fetch result: the data, or an ApiError with the server's code and message
 * (field details kept on `details` so forms can put them next to their field).
 */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch {
    throw new ApiError(0, 'network', 'Tandem could not be reached. Check your connection and try again.');
  }
  const { response } = result;
  if (response.ok) return result.data as T;
  const body = (result.error ?? {}) as ErrorBody;
  if (response.status === 401) unauthenticated?.();
  const message =
    body.error?.message ??
    (response.status >= 500 ? 'Something went wrong on our side. Please try again.' : `The request failed (${response.status}).`);
  throw new FieldApiError(response.status, body.error?.code ?? 'error', message, body.error?.details);
}

/** An ApiError that may say which fields were wrong (validation errors carry zod's issues). */
export class FieldApiError extends ApiError {
  readonly details: unknown;
  constructor(status: number, code: string, message: string, details: unknown) {
    super(status, code, message);
    this.details = details;
  }

  /** Field path (e.g. "durationMin", "members.0.userId") → message, from the server's validation details. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    const issues = Array.isArray(this.details) ? this.details : (this.details as { issues?: unknown })?.issues;
    if (!Array.isArray(issues)) return out;
    for (const issue of issues as Array<{ path?: unknown; message?: unknown; instancePath?: unknown }>) {
      const path =
        typeof issue.path === 'string'
          ? issue.path
          : Array.isArray(issue.path)
            ? issue.path.join('.')
            : typeof issue.instancePath === 'string'
              ? issue.instancePath.replace(/^\/(body\/)?/, '').replaceAll('/', '.')
              : '';
      if (typeof issue.message === 'string' && path && !(path in out)) out[path] = issue.message;
    }
    return out;
  }
}

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      refetchOnWindowFocus: true,
      // A 4xx will not get better by asking again.
      retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
    },
  },
});

/** Query keys in one place, so a mutation invalidates exactly what it changed. */
export const keys = {
  calendars: ['calendars'] as const,
  users: ['users'] as const,
  me: ['me'] as const,
  connections: ['connections'] as const,
  syncStatus: ['sync-status'] as const,
  overrides: (userId: string) => ['overrides', userId] as const,
  tokens: ['tokens'] as const,
};
