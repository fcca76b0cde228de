import type { ImportedBusySource } from '../store/imported-busy-source.ts';
import type { ServiceContext } from '../services/context.ts';

/** What the HTTP layer needs from the rest of the application, wired in main.ts. */
export interface HttpDeps {
  ctx: ServiceContext;
  importedBusy: ImportedBusySource;
  /** Called after a booking, reschedule or cancellation committed (outbox rows to push). */
  onAppointmentChange?: () => void;
}
