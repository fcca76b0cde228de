/**
 * Invitations (issue 12.2, decision 0016). An event the connected account was invited to blocks
 * according to the account's own answer: accepted (or no answer asked of it) blocks like any event,
 * declined never blocks, and the two open answers — not yet answered (NEEDS-ACTION) and "maybe"
 * (TENTATIVE) — follow the user's policy. The default is to block: a booking on top of a meeting the
 * user then accepts is a double booking nobody can undo quietly, while a slot hidden by an invitation
 * they will decline costs one slot until they answer.
 */

/** 'block': open invitations block availability (default); 'free': they are shown but do not block. */
export type InvitationPolicy = 'block' | 'free';
export const INVITATION_POLICIES: readonly InvitationPolicy[] = ['block', 'free'];
export const DEFAULT_INVITATION_POLICY: InvitationPolicy = 'block';

/** The account's open answer to an invitation (its PARTSTAT, lower-case); null when it is not one. */
export type InvitationState = 'needs-action' | 'tentative';

/** One ATTENDEE as read from an event: every address it goes by (lower-case, no mailto:) and its PARTSTAT. */
export interface InvitedAttendee {
  readonly emails: readonly string[];
  readonly partstat: string | null;
}

/** The account's answer to an event, as far as availability cares. */
export type SelfAnswer = { kind: 'declined' } | { kind: 'open'; state: InvitationState } | { kind: 'none' };

/**
 * What the account answered, found through its own addresses (`self`: lower-case, without mailto:).
 * An organiser is not invited to their own event, and any other PARTSTAT (ACCEPTED, DELEGATED) is
 * a yes. RFC 5545 §3.2.12: a missing PARTSTAT means NEEDS-ACTION. When the account appears more than
 * once (two of its addresses invited), the most committed answer wins: accepted over tentative over
 * not answered over declined, so a stray duplicate never frees time the user said yes to.
 */
export function selfAnswer(
  attendees: readonly InvitedAttendee[],
  self: ReadonlySet<string>,
  organizer: readonly string[] = [],
): SelfAnswer {
  if (organizer.some((email) => self.has(email))) return { kind: 'none' };
  let best: SelfAnswer | null = null;
  for (const attendee of attendees) {
    if (!attendee.emails.some((email) => self.has(email))) continue;
    const answer = answerOf(attendee.partstat);
    if (best === null || rank(answer) > rank(best)) best = answer;
  }
  return best ?? { kind: 'none' };
}

function answerOf(partstat: string | null): SelfAnswer {
  switch (partstat ?? 'NEEDS-ACTION') {
    case 'DECLINED':
      return { kind: 'declined' };
    case 'NEEDS-ACTION':
      return { kind: 'open', state: 'needs-action' };
    case 'TENTATIVE':
      return { kind: 'open', state: 'tentative' };
    default:
      return { kind: 'none' };
  }
}

function rank(answer: SelfAnswer): number {
  if (answer.kind === 'none') return 3;
  if (answer.kind === 'declined') return 0;
  return answer.state === 'tentative' ? 2 : 1;
}

/** Whether an occurrence blocks: `blocks` is what the event itself says (busy, not cancelled, not declined). */
export function invitationBlocks(occurrence: { blocks: boolean; invitation: InvitationState | null }, policy: InvitationPolicy): boolean {
  if (!occurrence.blocks) return false;
  return occurrence.invitation === null || policy === 'block';
}

/**
 * The account's own addresses for matching ATTENDEE / ORGANIZER values: the principal's
 * calendar-user-address-set (RFC 6638 — mailto: and urn:uuid: forms alike; iCloud lists both), the
 * user's e-mail and the account's username when they are addresses. mailto: removed, each once
 * ignoring case (expansion compares in lower case).
 */
export function selfAddresses(candidates: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of candidates) {
    const value = raw.trim().replace(/^mailto:/i, '');
    const key = value.toLowerCase();
    if ((!value.includes('@') && !key.startsWith('urn:')) || seen.has(key)) continue;
    seen.add(key);
    out.push(value);
  }
  return out;
}
