import { AppError } from '../app-error.ts';
import { requireSelfOrAdmin } from '../authorize.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { loadUserView } from '../users/user-view.ts';
import { isUuid } from './connection-access.ts';
import { loadConnectionViews, type ConnectionView } from './connection-view.ts';

export interface ListConnectionsOptions {
  actor: Actor;
  /** Whose connections; the actor's own by default. Owners and admins may name a team member. */
  userId?: string;
}

/** A user's connected accounts with their calendars, status and last error — never the secret. */
export async function listConnections(ctx: ServiceContext, options: ListConnectionsOptions): Promise<ConnectionView[]> {
  const userId = options.userId ?? options.actor.userId;
  if (userId !== options.actor.userId) {
    // 404 for a user of another workspace before 403 for the role, so ids are not probed across tenants.
    if (!isUuid(userId)) throw new AppError('not_found');
    await loadUserView(ctx.db, options.actor.workspaceId, userId);
    requireSelfOrAdmin(options.actor, userId);
  }
  return loadConnectionViews(ctx.db, options.actor.workspaceId, { userId });
}
