import type { ErrorCodeTable } from '../error-code-table.ts';

/** Errors of managing the team (roles, removal, invitations); joined into GET /api/errors. */
export const teamErrorCodes = {
  owner_role_fixed: { status: 409, message: 'The owner’s role cannot be changed, and the owner cannot be removed.' },
  cannot_remove_self: { status: 409, message: 'You cannot remove yourself.' },
  user_has_appointments: {
    status: 409,
    message: 'This person still has upcoming appointments. Cancel or move them first, then remove the person.',
  },
  user_hosts_calendars: { status: 409, message: 'This person is a member of booking calendars. Take them off those calendars first.' },
  invite_invalid: { status: 410, message: 'This invitation link is not valid any more: it was used or has expired. Ask for a new one.' },
} as const satisfies ErrorCodeTable;

export type TeamErrorCode = keyof typeof teamErrorCodes;
