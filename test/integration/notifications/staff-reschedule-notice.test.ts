/**
 * Staff hear of a client's move (SPEC §8, decision 0026): a client who reschedules through their manage
 * link gives each assigned staff member exactly one e-mail with the old and the new time in that
 * member's zone. Staff who move the appointment themselves get none (the client still does); the
 * calendar's "the client cancelled or moved their booking" switch turns it off; a class seat moved to
 * another session tells that session's host; and no other workspace's staff hear of it.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCalendar, addMember, signUp, type Session } from '../../support/api.ts';
import { startSmtpSink, type SmtpSink } from '../../support/smtp-sink.ts';
import { at, mondayAhead } from '../../support/sync-journey.ts';
import { bookAs, deliverMailUntil, ok, startNotifyApp, type NotifyApp } from './harness.ts';

// Inside everyone's default working hours (09:00–17:00 in London and in New York) in summer and winter alike.
const day = mondayAhead(3);

/** How an e-mail shows an instant in `zone`, computed here independently of the renderer. */
function shown(instant: Date, zone: string): string {
  return `${DateTime.fromJSDate(instant, { zone }).setLocale('en-GB').toFormat('cccc d LLLL yyyy, HH:mm')} (${zone})`;
}

describe('staff are told when a client reschedules', () => {
  let smtp: SmtpSink;
  let tandem: NotifyApp;
  let owner: Session;
  let other: Session;
  const staff: Array<{ id: string; email: string; zone: string }> = [];
  let otherEmail: string;
  let collectiveId: string;

  const emailOf = async (userId: string) =>
    (await tandem.app.database.db.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirstOrThrow()).email;
  const mailsTo = (address: string) => smtp.received.filter((m) => m.to.includes(address));
  const staffMovedMails = () => smtp.received.filter((m) => m.subject.startsWith('Moved by the client'));

  const deliverUntil = (count: number) => deliverMailUntil(tandem, smtp, count);
  /** A client books the collective calendar; returns once they and both hosts have been told. */
  async function bookAndTell(start: Date, client: { name: string; email: string }) {
    const { manageToken } = await bookAs(tandem.server, collectiveId, start, client, 'Europe/London');
    const told = smtp.received.length + 3;
    await deliverUntil(told);
    return { manageToken, told };
  }

  async function settings(calendarId: string, payload: Record<string, unknown>, session = owner): Promise<void> {
    ok(
      await tandem.server.inject({
        method: 'PUT',
        url: `/api/calendars/${calendarId}/notification-settings`,
        headers: session.headers,
        payload,
      }),
    );
  }

  const clientReschedule = async (manageToken: string, start: Date) =>
    ok(
      await tandem.server.inject({
        method: 'POST',
        url: `/api/public/bookings/${manageToken}/reschedule`,
        payload: { start: start.toISOString() },
      }),
    );
  const appointmentOf = async (manageToken: string) =>
    (
      await tandem.app.database.db
        .selectFrom('attendees')
        .select('appointment_id')
        .where('id', '=', manageToken.split('.')[0]!)
        .executeTakeFirstOrThrow()
    ).appointment_id;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    tandem = await startNotifyApp({ env: { SMTP_URL: smtp.url, MAIL_FROM: 'Studio <bookings@studio.test>' } });
    owner = await signUp(tandem.server, { timezone: 'Europe/London' });
    const memberId = await addMember(tandem.server, owner, { timezone: 'America/New_York' });
    staff.push(
      { id: owner.userId, email: await emailOf(owner.userId), zone: 'Europe/London' },
      { id: memberId, email: await emailOf(memberId), zone: 'America/New_York' },
    );
    // Both hosts attend every appointment of a collective calendar: two assignees to tell.
    collectiveId = await addCalendar(tandem.server, owner, {
      type: 'collective',
      name: 'Consultation',
      members: staff.map((s) => ({ userId: s.id })),
    });
    // No reminders: each step's e-mails are then exactly the ones counted.
    await settings(collectiveId, { reminderOffsetsMin: [] });

    // Another workspace, with its own staff and a client who reschedules there too.
    other = await signUp(tandem.server, { timezone: 'Asia/Tokyo' });
    otherEmail = await emailOf(other.userId);
  });
  afterAll(async () => {
    await tandem?.close();
    await smtp?.stop();
  });

  it('a client reschedule from the manage link: one e-mail per assignee, old and new time in their zone', async () => {
    const client = { name: 'Ann Lee', email: 'ann.lee@client.test' };
    const { manageToken } = await bookAs(tandem.server, collectiveId, at(day, 14), client, 'Asia/Kolkata');
    await deliverUntil(3); // the client's confirmation and each host's "new booking"

    const before = at(day, 14);
    const after = at(day, 24 + 15);
    await clientReschedule(manageToken, after);
    await deliverUntil(6);

    for (const member of staff) {
      const moved = mailsTo(member.email).filter((m) => m.subject.startsWith('Moved by the client'));
      expect(moved, member.zone).toHaveLength(1);
      const [mail] = moved;
      expect(mail!.subject).toBe(`Moved by the client: Ann Lee to ${shown(after, member.zone)}`);
      expect(mail!.text).toContain(`Ann Lee moved their booking from ${shown(before, member.zone)} to ${shown(after, member.zone)}.`);
      expect(mail!.text).toContain(`When: ${shown(after, member.zone)}`);
      // Staff have the event in their own calendar already: no .ics, and no client manage link.
      expect(mail!.attachments).toEqual([]);
      expect(mail!.text).not.toContain('/manage/');
    }
    // The client gets their own "moved" e-mail, in their zone.
    const clientMoved = mailsTo(client.email).filter((m) => m.subject.startsWith('Booking moved'));
    expect(clientMoved).toHaveLength(1);
    expect(clientMoved[0]!.text).toContain(shown(after, 'Asia/Kolkata'));

    // The rows are the delivery status staff see, one per assignee, sent once.
    const rows = await tandem.app.database.db
      .selectFrom('messages')
      .select(['user_id', 'status', 'workspace_id'])
      .where('kind', '=', 'staff_client_rescheduled')
      .where('appointment_id', '=', await appointmentOf(manageToken))
      .execute();
    expect(rows.map((r) => [r.user_id, r.status, r.workspace_id]).sort()).toEqual(
      staff.map((s) => [s.id, 'sent', owner.workspaceId]).sort(),
    );
    await tandem.app.work.dispatchOutbox();
    expect(smtp.received).toHaveLength(6);
    expect(new Set(smtp.received.map((m) => m.messageId)).size).toBe(6);
  });

  it('staff moving the appointment themselves: the client is told, staff get nothing', async () => {
    const { manageToken, told } = await bookAndTell(at(day, 2 * 24 + 14), { name: 'Bo Chan', email: 'bo@client.test' });
    ok(
      await tandem.server.inject({
        method: 'POST',
        url: `/api/appointments/${await appointmentOf(manageToken)}/reschedule`,
        headers: owner.headers,
        payload: { start: at(day, 2 * 24 + 15).toISOString() },
      }),
    );
    await deliverUntil(told + 1);
    const moved = smtp.received.slice(told);
    expect(moved.map((m) => [m.to, m.subject.split(':')[0]])).toEqual([[['bo@client.test'], 'Booking moved']]);
    expect(moved[0]!.text).toContain('moved by the business');
    expect(staffMovedMails().filter((m) => m.text.includes('Bo Chan'))).toEqual([]);
  });

  it('with "the client cancelled or moved their booking" switched off, a client reschedule tells only the client', async () => {
    const { manageToken, told } = await bookAndTell(at(day, 3 * 24 + 14), { name: 'Cy Diaz', email: 'cy@client.test' });
    await settings(collectiveId, { staffClientCancelled: false });
    try {
      await clientReschedule(manageToken, at(day, 3 * 24 + 15));
      await deliverUntil(told + 1);
      expect(smtp.received.slice(told).map((m) => [m.to, m.subject.split(':')[0]])).toEqual([[['cy@client.test'], 'Booking moved']]);
      expect(staffMovedMails().filter((m) => m.text.includes('Cy Diaz'))).toEqual([]);
    } finally {
      await settings(collectiveId, { staffClientCancelled: true });
    }
  });

  it("a client moving their class seat to another session tells that session's host; another workspace hears nothing", async () => {
    const classId = await addCalendar(tandem.server, other, {
      type: 'class',
      name: 'Yoga',
      seats: 4,
      durationMin: 60,
      members: [{ userId: other.userId }],
    });
    await settings(classId, { reminderOffsetsMin: [] }, other);
    // 01:00 UTC is 10:00 in Tokyo, inside the host's working hours.
    const before = at(day, 1);
    const after = at(day, 24 + 2);
    const { manageToken } = await bookAs(tandem.server, classId, before, { name: 'Dee Ek', email: 'dee@client.test' }, 'Asia/Tokyo');
    const start = smtp.received.length;
    await deliverUntil(start + 2);
    await clientReschedule(manageToken, after);
    await deliverUntil(start + 4);

    const moved = mailsTo(otherEmail).filter((m) => m.subject.startsWith('Moved by the client'));
    expect(moved).toHaveLength(1);
    expect(moved[0]!.text).toContain(`Dee Ek moved their booking from ${shown(before, 'Asia/Tokyo')} to ${shown(after, 'Asia/Tokyo')}.`);
    // The first workspace's staff heard of their own client only.
    for (const member of staff) expect(mailsTo(member.email).some((m) => m.text.includes('Dee Ek'))).toBe(false);
    expect(mailsTo(otherEmail).some((m) => /Ann Lee|Bo Chan|Cy Diaz/.test(m.text))).toBe(false);
  });
});
