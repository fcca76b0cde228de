import type { FastifyInstance } from 'fastify';

/**
 * Every successful POST of the plugin it is added to books, moves or cancels an appointment, which
 * wrote outbox rows: tell the caller so the push to iCloud starts now, not at the next tick.
 */
export function notifyAppointmentChanges(app: FastifyInstance, onAppointmentChange: (() => void) | undefined): void {
  if (!onAppointmentChange) return;
  app.addHook('onResponse', async (request, reply) => {
    if (request.method === 'POST' && reply.statusCode < 300) onAppointmentChange();
  });
}
