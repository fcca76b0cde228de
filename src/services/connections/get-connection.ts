import type { Actor, ServiceContext } from '../context.ts';
import { loadAccessibleConnection } from './connection-access.ts';
import { loadConnectionView, type ConnectionView } from './connection-view.ts';

export interface GetConnectionOptions {
  actor: Actor;
  connectionId: string;
}

export async function getConnection(ctx: ServiceContext, options: GetConnectionOptions): Promise<ConnectionView> {
  await loadAccessibleConnection(ctx.db, options.actor, options.connectionId, 'read');
  return loadConnectionView(ctx.db, options.actor.workspaceId, options.connectionId);
}
