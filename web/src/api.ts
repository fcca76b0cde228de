/**
 * The HTTP API as the web app uses it: typed shapes (mirroring src/http/schemas.ts and the route
 * files) and one fetch wrapper that turns `{ error: { code, message } }` into an ApiError.
 */

export type CalendarType = 'round_robin' | 'collective' | 'class' | 'service' | 'simple' | 'event';

export interface FreeSlot {
  start: string;
  end: string;
  localStart: string;
  localEnd: string;
  seatsLeft: number;
  available: number;
}

export interface PublicService {
  id: string;
  name: string;
  durationMin: number;
  priceCents: number | null;
  currency: string | null;
}

export interface PublicCalendar {
  id: string;
  name: string;
  type: CalendarType;
  durationMin: number;
  seats: number;
  location: string | null;
  services: PublicService[];
}

export interface PublicBooking {
  start: string;
  end: string;
  status: 'confirmed' | 'cancelled';
  title: string;
  location: string | null;
  seats: number;
  /** Not (yet) sent by every server: the manage link carries them as a fallback. */
  calendarId?: string;
  serviceId?: string | null;
}

export interface Contact {
  name: string;
  email: string;
  phone?: string | null;
}

export interface User {
  id: string;
  email: string;
  name: string;
  role: 'owner' | 'admin' | 'member';
  timezone: string;
}

export interface Service extends PublicService {
  staffIds: string[];
}

export interface Calendar {
  id: string;
  slug: string;
  name: string;
  type: CalendarType;
  durationMin: number;
  seats?: number;
  location?: string | null;
  members: Array<{ userId: string; priority: number }>;
  services: Service[];
  icloudIntegration: boolean;
}

export interface Attendee {
  id: string;
  contactId: string;
  name: string;
  email: string;
  seats: number;
  status: 'confirmed' | 'cancelled';
}

export interface Appointment {
  id: string;
  calendarId: string;
  serviceId: string | null;
  start: string;
  end: string;
  status: 'confirmed' | 'cancelled';
  title: string;
  location: string | null;
  assigneeIds: string[];
  seatsTaken: number;
  attendees: Attendee[];
  removedFromICloud: boolean;
  overlapFlagged: boolean;
}

export interface BlockedSlot {
  id: string;
  userId: string;
  start: string;
  end: string;
  title: string;
  source: 'manual' | 'imported';
  remoteCalendarId: string | null;
  allDay: boolean;
  blocks: boolean;
}

/** Connection and calendar errors come as { code, message } (older servers: a plain string). */
export type RemoteError = { code: string; message: string } | string | null;

export function remoteErrorText(error: RemoteError): string | null {
  if (error === null) return null;
  return typeof error === 'string' ? error : error.message;
}

export interface RemoteCalendar {
  id: string;
  connectionId?: string;
  displayName: string;
  color: string | null;
  writable: boolean;
  subscribed?: boolean;
  connectable: boolean;
  notConnectableReason: string | null;
  role: 'none' | 'primary' | 'conflict' | null;
  lastSyncedAt: string | null;
  lastError: RemoteError;
  warning?: string | null;
  /** Issue 12.1: the server's transparency, the user's switch (null: follow the server), and the result. */
  serverTransparent?: boolean;
  blocksAvailabilityOverride?: boolean | null;
  blocksAvailability?: boolean;
  /** Issue 12.3: when Tandem found it deleted on the server (no longer synced). */
  removedAt?: string | null;
}

export interface Connection {
  id: string;
  provider: 'icloud' | 'caldav';
  username: string;
  serverUrl?: string;
  status: 'active' | 'needs_reconnect';
  lastError: RemoteError;
  calendars: RemoteCalendar[];
}

export interface CalendarConfiguration {
  primaryCalendarId: string | null;
  conflictCalendarIds: string[];
  calendars?: RemoteCalendar[];
  /** Appointments not written where the configuration says (primary deleted, copies left behind). */
  primaryNotice?: string | null;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

const TOKEN_KEY = 'tandem.token';

export const session = {
  token(): string | null {
    try {
      return localStorage.getItem(TOKEN_KEY);
    } catch {
      return null;
    }
  },
  set(token: string): void {
    localStorage.setItem(TOKEN_KEY, token);
  },
  clear(): void {
    localStorage.removeItem(TOKEN_KEY);
  },
};

interface RequestOptions {
  body?: unknown;
  /** Send the signed-in user's bearer token (staff API). */
  auth?: boolean;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

function errorFrom(status: number, payload: unknown): ApiError {
  if (typeof payload === 'object' && payload !== null && 'error' in payload) {
    const error = (payload as { error: unknown }).error;
    if (typeof error === 'object' && error !== null) {
      const { code, message } = error as { code?: unknown; message?: unknown };
      if (typeof message === 'string') return new ApiError(status, typeof code === 'string' ? code : 'error', message);
    }
  }
  return new ApiError(
    status,
    status === 404 ? 'not_found' : 'error',
    status >= 500 ? 'Something went wrong on our side. Please try again.' : `The request failed (${status}).`,
  );
}

export async function request<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.auth) {
    const token = session.token();
    if (token) headers.authorization = `Bearer ${token}`;
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      signal: options.signal,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network', 'Tandem could not be reached. Check your connection and try again.');
  }
  const text = await response.text();
  let payload: unknown = null;
  if (text) {
    try {
      payload = JSON.parse(text);
    } catch {
      payload = null;
    }
  }
  if (!response.ok) {
    const error = errorFrom(response.status, payload);
    if (options.auth && response.status === 401) onUnauthenticated(error);
    throw error;
  }
  return payload as T;
}

let unauthenticatedListener: ((error: ApiError) => void) | null = null;
function onUnauthenticated(error: ApiError): void {
  unauthenticatedListener?.(error);
}
/** The staff app registers what to do when the session is gone (back to the sign-in page). */
export function setUnauthenticatedListener(listener: ((error: ApiError) => void) | null): void {
  unauthenticatedListener = listener;
}

/** A fresh Idempotency-Key for one form submission. randomUUID needs a secure context; fall back. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function' && window.isSecureContext) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export const publicApi = {
  calendar: (id: string) => request<PublicCalendar>('GET', `/api/public/calendars/${encodeURIComponent(id)}`),
  slots: (id: string, q: { from: string; to: string; timezone: string; serviceId?: string | null }, signal?: AbortSignal) =>
    request<FreeSlot[]>(
      'GET',
      `/api/public/calendars/${encodeURIComponent(id)}/slots?${query({ from: q.from, to: q.to, timezone: q.timezone, serviceId: q.serviceId ?? undefined })}`,
      { signal },
    ),
  book: (
    id: string,
    body: { start: string; contact: Contact; serviceId?: string; seats?: number; timezone?: string },
    idempotencyKey: string,
  ) =>
    request<{ booking: PublicBooking; manageToken: string }>('POST', `/api/public/calendars/${encodeURIComponent(id)}/bookings`, {
      body,
      headers: { 'idempotency-key': idempotencyKey },
    }),
  booking: (token: string) => request<PublicBooking>('GET', `/api/public/bookings/${encodeURIComponent(token)}`),
  reschedule: (token: string, start: string) =>
    request<PublicBooking>('POST', `/api/public/bookings/${encodeURIComponent(token)}/reschedule`, { body: { start } }),
  cancel: (token: string, reason?: string) =>
    request<PublicBooking>('POST', `/api/public/bookings/${encodeURIComponent(token)}/cancel`, { body: reason ? { reason } : {} }),
};

const auth = { auth: true } as const;

export const staffApi = {
  signIn: (email: string, password: string) =>
    request<{ token: string; userId: string }>('POST', '/api/auth/sign-in', { body: { email, password } }),
  signOut: () => request<null>('POST', '/api/auth/sign-out', { ...auth, body: {} }),
  me: () => request<User>('GET', '/api/me', auth),
  users: () => request<User[]>('GET', '/api/users', auth),
  calendars: () => request<Calendar[]>('GET', '/api/calendars', auth),
  slots: (id: string, q: { from: string; to: string; timezone: string; serviceId?: string | null }, signal?: AbortSignal) =>
    request<FreeSlot[]>(
      'GET',
      `/api/calendars/${encodeURIComponent(id)}/slots?${query({ from: q.from, to: q.to, timezone: q.timezone, serviceId: q.serviceId ?? undefined })}`,
      { ...auth, signal },
    ),
  appointments: (q: { from: string; to: string; userId?: string }, signal?: AbortSignal) =>
    request<Appointment[]>('GET', `/api/appointments?${query(q)}`, { ...auth, signal }),
  book: (body: { calendarId: string; start: string; contact: Contact; serviceId?: string; seats?: number }, idempotencyKey: string) =>
    request<{ appointment: Appointment; manageToken: string }>('POST', '/api/appointments', {
      ...auth,
      body,
      headers: { 'idempotency-key': idempotencyKey },
    }),
  reschedule: (id: string, start: string) =>
    request<Appointment>('POST', `/api/appointments/${encodeURIComponent(id)}/reschedule`, { ...auth, body: { start } }),
  cancel: (id: string) => request<Appointment>('POST', `/api/appointments/${encodeURIComponent(id)}/cancel`, { ...auth, body: {} }),
  blockedSlots: (q: { from: string; to: string; userId?: string }, signal?: AbortSignal) =>
    request<BlockedSlot[]>('GET', `/api/blocked-slots?${query(q)}`, { ...auth, signal }),
  block: (body: { userId: string; start: string; end: string; title: string }) =>
    request<BlockedSlot>('POST', '/api/blocked-slots', { ...auth, body }),
  unblock: (id: string) => request<null>('DELETE', `/api/blocked-slots/${encodeURIComponent(id)}`, auth),
  connections: (userId?: string) => request<Connection[]>('GET', `/api/connections${userId ? `?${query({ userId })}` : ''}`, auth),
  connect: (email: string, appSpecificPassword: string) =>
    request<Connection>('POST', '/api/connections', { ...auth, body: { provider: 'icloud', email, appSpecificPassword } }),
  disconnect: (id: string) => request<null>('DELETE', `/api/connections/${encodeURIComponent(id)}`, auth),
  reauthenticate: (id: string, appSpecificPassword: string) =>
    request<Connection>('POST', `/api/connections/${encodeURIComponent(id)}/reauthenticate`, { ...auth, body: { appSpecificPassword } }),
  syncNow: (calendarId: string) =>
    request<unknown>('POST', `/api/remote-calendars/${encodeURIComponent(calendarId)}/sync`, { ...auth, body: {} }),
  confirmEmpty: (calendarId: string) =>
    request<unknown>('POST', `/api/remote-calendars/${encodeURIComponent(calendarId)}/confirm-empty`, { ...auth, body: {} }),
  calendarConfiguration: (userId: string) =>
    request<CalendarConfiguration>('GET', `/api/users/${encodeURIComponent(userId)}/calendar-configuration`, auth),
  setCalendarConfiguration: (userId: string, body: { primaryCalendarId: string | null; conflictCalendarIds: string[] }) =>
    request<CalendarConfiguration>('PUT', `/api/users/${encodeURIComponent(userId)}/calendar-configuration`, { ...auth, body }),
  setCalendarBlocking: (userId: string, calendarId: string, blocks: boolean | null) =>
    request<{ blocksAvailabilityOverride: boolean | null; blocksAvailability: boolean }>(
      'PUT',
      `/api/users/${encodeURIComponent(userId)}/calendar-configuration/${encodeURIComponent(calendarId)}/blocks-availability`,
      { ...auth, body: { blocks } },
    ),
};

function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, value);
  return search.toString();
}

/** A person-readable message for any failure. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return 'Something went wrong. Please try again.';
}
