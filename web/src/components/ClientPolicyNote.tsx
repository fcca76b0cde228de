import { useEffect, useState } from 'react';
import { notificationsApi } from '../notifications-api.ts';
import { formatDateTime } from '../time.ts';

/** On the manage page: until when the booking can still be changed online (the calendar's client deadline). */
export function ClientPolicyNote({ token, timezone, version }: { token: string; timezone: string; version: string }) {
  const [policy, setPolicy] = useState<{ changeDeadline: string | null; canChange: boolean } | null>(null);
  useEffect(() => {
    notificationsApi.policy(token).then(setPolicy, () => setPolicy(null));
  }, [token, version]);
  if (!policy?.changeDeadline) return null;
  return policy.canChange ? (
    <p className="muted small" data-testid="change-deadline">
      You can cancel or reschedule online until {formatDateTime(policy.changeDeadline, timezone)}.
    </p>
  ) : (
    <p className="notice warn small" data-testid="change-deadline">
      It is too close to the appointment to change it online (the deadline was {formatDateTime(policy.changeDeadline, timezone)}). Please
      contact the business directly.
    </p>
  );
}
