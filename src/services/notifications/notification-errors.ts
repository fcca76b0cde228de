import type { ErrorCodeTable } from '../error-code-table.ts';

/** Error codes of notifications, client policies and webhooks (issue 11); stable API like the rest. */
export const notificationErrorCodes = {
  change_deadline_passed: {
    status: 422,
    message: 'It is too close to the appointment to change it online. Please contact the business directly.',
  },
  webhook_url_refused: { status: 422, message: 'That webhook address is not allowed: it must be an http(s) URL on a public address.' },
  mail_file_not_found: { status: 404, message: 'No such e-mail file.' },
} as const satisfies ErrorCodeTable;
