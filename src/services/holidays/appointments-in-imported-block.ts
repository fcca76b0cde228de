import type { Actor, ServiceContext } from '../context.ts';
import { AppError } from '../app-error.ts';
import { loadAppointmentViews, type AppointmentView } from '../booking/appointment-view.ts';

/** The id the week view gives an imported block (blocked-slot view): `imported-<occurrence id>`. */
const IMPORTED_ID = /^imported-(\d{1,15})$/;

export interface ImportedBlock {
  id: string;
  userId: string;
  title: string;
  start: Date;
  end: Date;
  allDay: boolean;
}

/** An imported block of the actor's workspace, by its week-view id; anything else is not found. */
export async function loadImportedBlock(ctx: ServiceContext, actor: Actor, blockId: string): Promise<ImportedBlock> {
  const match = IMPORTED_ID.exec(blockId);
  if (!match) throw new AppError('not_found', { message: 'No imported block has that id.' });
  const row = await ctx.db
    .selectFrom('imported_occurrences')
    .select(['id', 'user_id', 'summary', 'start_at', 'end_at', 'all_day'])
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', Number(match[1]))
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', { message: 'No imported block has that id.' });
  return { id: blockId, userId: row.user_id, title: row.summary, start: row.start_at, end: row.end_at, allDay: row.all_day };
}

/**
 * Holidays (issue 12.5): the confirmed appointments of the block's person that overlap an imported
 * block (a holiday on their iPhone, say), oldest first.
 */
export async function appointmentsInImportedBlock(
  ctx: ServiceContext,
  options: { actor: Actor; blockId: string },
): Promise<{ block: ImportedBlock; appointments: AppointmentView[] }> {
  const block = await loadImportedBlock(ctx, options.actor, options.blockId);
  const rows = await ctx.db
    .selectFrom('appointments as a')
    .innerJoin('appointment_assignees as aa', 'aa.appointment_id', 'a.id')
    .select('a.id')
    .where('a.workspace_id', '=', options.actor.workspaceId)
    .where('aa.user_id', '=', block.userId)
    .where('a.status', '=', 'confirmed')
    .where('aa.status', '=', 'confirmed')
    .where('a.start_at', '<', block.end)
    .where('a.end_at', '>', block.start)
    .orderBy('a.start_at')
    .execute();
  return { block, appointments: await loadAppointmentViews(ctx.db, options.actor.workspaceId, [...new Set(rows.map((r) => r.id))]) };
}
