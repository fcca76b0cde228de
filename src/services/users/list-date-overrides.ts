import { sql } from 'kysely';
import type { TimeRange } from '../../domain/schedule.ts';
import { requireSelfOrAdmin } from '../authorize.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { loadUserView } from './user-view.ts';

/** A user's date overrides from `fromDate` on (local dates, oldest first): `[]` ranges = day off. */
export async function listDateOverrides(
  ctx: ServiceContext,
  options: { actor: Actor; userId: string; fromDate: string },
): Promise<Array<{ date: string; ranges: TimeRange[] }>> {
  await loadUserView(ctx.db, options.actor.workspaceId, options.userId);
  requireSelfOrAdmin(options.actor, options.userId);
  const rows = await ctx.db
    .selectFrom('date_overrides')
    .select([sql<string>`to_char(date, 'YYYY-MM-DD')`.as('date'), 'ranges'])
    .where('workspace_id', '=', options.actor.workspaceId)
    .where('user_id', '=', options.userId)
    .where('date', '>=', options.fromDate)
    .orderBy('date')
    .execute();
  return rows.map((row) => ({ date: row.date, ranges: row.ranges }));
}
