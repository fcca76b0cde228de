import { messageOf } from '../api.ts';

/** What SaveStatus reads of a save: a react-query mutation fits as it is. */
export interface SaveOutcome {
  error: unknown;
  isSuccess: boolean;
}

/**
 * The line under a form that says how its last save went: the error as an alert, or once it
 * succeeded a short confirmation as a status, so screen readers hear either without moving focus.
 */
export function SaveStatus({ save, saved = 'Saved.' }: { save: SaveOutcome; saved?: string }) {
  if (save.error)
    return (
      <p className="error" role="alert">
        {messageOf(save.error)}
      </p>
    );
  if (save.isSuccess)
    return (
      <p className="notice success" role="status">
        {saved}
      </p>
    );
  return null;
}
