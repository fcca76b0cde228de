import { AppError } from './app-error.ts';
import type { Actor } from './context.ts';

/** Owners and admins manage the workspace; members manage only themselves. */
export function requireAdmin(actor: Actor): void {
  if (actor.role !== 'owner' && actor.role !== 'admin') throw new AppError('forbidden');
}

export function requireSelfOrAdmin(actor: Actor, userId: string): void {
  if (actor.userId !== userId) requireAdmin(actor);
}
