import { describe, expect, it } from 'vitest';
import { invitationBlocks, selfAddresses, selfAnswer, type InvitedAttendee } from '../../../src/domain/invitations.ts';

const me = new Set(['me@icloud.com', 'urn:uuid:3b7e']);
const attendee = (emails: string[], partstat: string | null): InvitedAttendee => ({ emails, partstat });

describe('selfAnswer', () => {
  it('reads the open answers and a refusal from the account’s own attendee entry', () => {
    expect(selfAnswer([attendee(['me@icloud.com'], 'NEEDS-ACTION')], me)).toEqual({ kind: 'open', state: 'needs-action' });
    expect(selfAnswer([attendee(['me@icloud.com'], 'TENTATIVE')], me)).toEqual({ kind: 'open', state: 'tentative' });
    expect(selfAnswer([attendee(['me@icloud.com'], 'DECLINED')], me)).toEqual({ kind: 'declined' });
    expect(selfAnswer([attendee(['me@icloud.com'], 'ACCEPTED')], me)).toEqual({ kind: 'none' });
  });

  it('takes a missing PARTSTAT for NEEDS-ACTION (RFC 5545 §3.2.12) and matches urn: addresses', () => {
    expect(selfAnswer([attendee(['urn:uuid:3b7e'], null)], me)).toEqual({ kind: 'open', state: 'needs-action' });
  });

  it('ignores other attendees, and the organiser’s own event is no invitation', () => {
    expect(selfAnswer([attendee(['boss@example.com'], 'NEEDS-ACTION')], me)).toEqual({ kind: 'none' });
    expect(selfAnswer([attendee(['me@icloud.com'], 'NEEDS-ACTION')], me, ['me@icloud.com'])).toEqual({ kind: 'none' });
  });

  it('lets the most committed answer win when the account is listed twice', () => {
    const twice = [attendee(['me@icloud.com'], 'DECLINED'), attendee(['urn:uuid:3b7e'], 'TENTATIVE')];
    expect(selfAnswer(twice, me)).toEqual({ kind: 'open', state: 'tentative' });
    expect(selfAnswer([...twice, attendee(['me@icloud.com'], 'ACCEPTED')], me)).toEqual({ kind: 'none' });
  });
});

describe('invitationBlocks', () => {
  it('follows the policy for open invitations only; what does not block never does', () => {
    const open = { blocks: true, invitation: 'needs-action' as const };
    const tentative = { blocks: true, invitation: 'tentative' as const };
    const plain = { blocks: true, invitation: null };
    expect([open, tentative, plain].map((o) => invitationBlocks(o, 'block'))).toEqual([true, true, true]);
    expect([open, tentative, plain].map((o) => invitationBlocks(o, 'free'))).toEqual([false, false, true]);
    expect(invitationBlocks({ blocks: false, invitation: null }, 'block')).toBe(false);
  });
});

describe('selfAddresses', () => {
  it('keeps mailto: and urn: forms once each ignoring case, and drops the principal URL', () => {
    expect(
      selfAddresses(['mailto:Me@iCloud.com', 'urn:uuid:3B7E', 'https://p42-caldav.icloud.com/1/principal/', 'me@icloud.com', 'tester']),
    ).toEqual(['Me@iCloud.com', 'urn:uuid:3B7E']);
  });
});
