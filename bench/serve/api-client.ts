/** The few API calls the HTTP benchmarks make, with fetch (what a browser or an integrator would do). */

export interface BenchSession {
  token: string;
  userId: string;
  workspaceId: string;
}

export async function call<T>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
  expected = [200, 201],
): Promise<T> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...(token && { authorization: `Bearer ${token}` }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!expected.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** A new workspace and its signed-in owner (Monday–Friday 09:00–17:00 in `timezone`). */
export async function signUp(baseUrl: string, timezone: string): Promise<BenchSession> {
  const unique = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const email = `owner-${unique}@example.test`;
  const password = 'correct horse battery staple';
  await call(baseUrl, 'POST', '/api/workspaces', {
    name: `Bench ${unique}`,
    slug: `bench-${unique}`,
    owner: { name: 'Owner', email, password, timezone },
  });
  return call<BenchSession>(baseUrl, 'POST', '/api/auth/sign-in', { email, password });
}

export async function addMember(baseUrl: string, session: BenchSession, index: number, timezone: string): Promise<string> {
  const created = await call<{ id: string }>(
    baseUrl,
    'POST',
    '/api/users',
    { email: `member-${index}-${Date.now().toString(36)}@example.test`, name: `Member ${index}`, timezone },
    session.token,
  );
  return created.id;
}

export async function addCalendar(baseUrl: string, session: BenchSession, input: Record<string, unknown>): Promise<string> {
  const created = await call<{ id: string }>(
    baseUrl,
    'POST',
    '/api/calendars',
    { slug: `bench-${Date.now().toString(36)}`, name: 'Bench', durationMin: 30, ...input },
    session.token,
  );
  return created.id;
}

interface ConnectionJson {
  id: string;
  calendars: { id: string; displayName: string }[];
}

interface SyncStatusJson {
  calendarId: string;
  lastSyncedAt: string | null;
  lastError: { code: string; message: string } | null;
  importProgress: { done: number; total: number } | null;
}

/** Connects a CalDAV account through the API and makes `calendarName` the owner's primary calendar. */
export async function connectPrimary(
  baseUrl: string,
  session: BenchSession,
  server: { serverUrl: string; username: string; password: string },
  calendarName: string,
): Promise<string> {
  const connection = await call<ConnectionJson>(baseUrl, 'POST', '/api/connections', { provider: 'caldav', ...server }, session.token);
  const calendar = connection.calendars.find((c) => c.displayName === calendarName);
  if (!calendar) throw new Error(`no calendar ${calendarName} in ${connection.calendars.map((c) => c.displayName).join(', ')}`);
  await call(
    baseUrl,
    'PUT',
    `/api/users/${session.userId}/calendar-configuration`,
    { primaryCalendarId: calendar.id, conflictCalendarIds: [] },
    session.token,
  );
  return calendar.id;
}

/** Polls the sync status (as the web app does) until the calendar's first import is complete. */
export async function waitForImport(baseUrl: string, session: BenchSession, calendarId: string, timeoutMs = 900_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = await call<SyncStatusJson[]>(baseUrl, 'GET', '/api/sync/status', undefined, session.token);
    const mine = status.find((s) => s.calendarId === calendarId);
    if (mine?.lastError) throw new Error(`import failed: ${mine.lastError.code}: ${mine.lastError.message}`);
    if (mine?.lastSyncedAt && mine.importProgress === null) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('import did not complete in time');
}
