import { AppError } from '../app-error.ts';
import type { Actor, ServiceContext } from '../context.ts';

export interface ContactView {
  id: string;
  name: string;
  email: string;
  phone: string | null;
  createdAt: string;
}

const toView = (r: { id: string; name: string; email: string; phone: string | null; created_at: Date }): ContactView => ({
  id: r.id,
  name: r.name,
  email: r.email,
  phone: r.phone,
  createdAt: r.created_at.toISOString(),
});

/** Contacts are made by bookings in Tandem — never by iCloud events (SPEC §1). */
export async function listContacts(ctx: ServiceContext, options: { actor: Actor; search: string | null }): Promise<ContactView[]> {
  let query = ctx.db.selectFrom('contacts').selectAll().where('workspace_id', '=', options.actor.workspaceId);
  if (options.search) {
    const like = `%${options.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) => eb.or([eb('name', 'ilike', like), eb('email', 'ilike', like)]));
  }
  return (await query.orderBy('name').limit(500).execute()).map(toView);
}

export async function getContact(ctx: ServiceContext, options: { actor: Actor; contactId: string }): Promise<ContactView> {
  const row = await ctx.db
    .selectFrom('contacts')
    .selectAll()
    .where('workspace_id', '=', options.actor.workspaceId)
    .where('id', '=', options.contactId)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found');
  return toView(row);
}
