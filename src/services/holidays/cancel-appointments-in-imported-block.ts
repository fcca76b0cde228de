import type { Actor, ServiceContext } from '../context.ts';
import type { AppointmentView } from '../booking/appointment-view.ts';
import { cancelAppointment } from '../booking/cancel-appointment.ts';
import { appointmentsInImportedBlock } from './appointments-in-imported-block.ts';

/**
 * Cancels every appointment overlapping an imported block in one action. Each is cancelled through
 * the ordinary staff cancellation (its own transaction and outbox rows), so each client and webhook
 * hears about it once; one already cancelled is not listed, so repeating the action cancels nothing.
 */
export async function cancelAppointmentsInImportedBlock(
  ctx: ServiceContext,
  options: { actor: Actor; blockId: string },
): Promise<AppointmentView[]> {
  const { appointments } = await appointmentsInImportedBlock(ctx, options);
  const cancelled: AppointmentView[] = [];
  for (const appointment of appointments)
    cancelled.push(await cancelAppointment(ctx, { actor: options.actor, appointmentId: appointment.id }));
  return cancelled;
}
