import { AppError } from '../app-error.ts';
import type { ServiceContext } from '../context.ts';
import type { ImportedBusySource } from '../../store/imported-busy-source.ts';
import { explainCalendarStart, type StartExplanationView } from './explain-start.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `tandem slots explain`: support staff name a calendar by its id or by "<workspace-slug>/<calendar-slug>"
 * (what a customer's booking link shows) and get the same explanation the staff API gives.
 */
export async function explainStartForSupport(
  ctx: ServiceContext,
  options: { calendar: string; start: Date; timezone: string; importedBusy: ImportedBusySource },
): Promise<StartExplanationView> {
  const [workspaceSlug, calendarSlug] = options.calendar.split('/');
  let query = ctx.db
    .selectFrom('booking_calendars as c')
    .innerJoin('workspaces as w', 'w.id', 'c.workspace_id')
    .select(['c.id', 'c.workspace_id']);
  if (calendarSlug !== undefined) query = query.where('w.slug', '=', workspaceSlug ?? '').where('c.slug', '=', calendarSlug);
  else if (UUID.test(options.calendar)) query = query.where('c.id', '=', options.calendar);
  else throw new AppError('not_found');
  const row = await query.executeTakeFirst();
  if (!row) throw new AppError('not_found');
  return explainCalendarStart(ctx, {
    workspaceId: row.workspace_id,
    calendarId: row.id,
    start: options.start,
    timezone: options.timezone,
    serviceId: null,
    importedBusy: options.importedBusy,
  });
}
