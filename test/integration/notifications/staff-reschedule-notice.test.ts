/**
 * Staff hear of a client's move (SPEC §8, decision 0026): a client who reschedules through their manage
 * link gives each assigned staff member exactly one e-mail with the old and the new time in that
 * member's zone. Staff who move the appointment themselves get none (the client still does); the
 * calendar's "the client cancelled or moved their booking" switch turns it off; a class seat moved to
 * another session tells that session's host; and no other workspace's staff hear of it.
 *
 * The member a client's move takes the appointment from (a Round Robin host busy at the new time, the
 * host of the class session the client left) gets one "no longer on your schedule" e-mail with the
 * old time in their zone, under the same switch, for the client's own moves only; a member who keeps
 * the appointment gets only the "moved" one.
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
  const movedAwayMails = () => smtp.received.filter((m) => m.subject.startsWith('No longer on your schedule'));

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

  describe('the member who loses the appointment', () => {
    let roundRobinId: string;
    /** Each member's own one-to-one calendar: a booking there makes them busy for the Round Robin. */
    const ownCalendar = new Map<string, string>();

    const assigneesOf = async (appointmentId: string) =>
      (
        await tandem.app.database.db
          .selectFrom('appointment_assignees')
          .select('user_id')
          .where('appointment_id', '=', appointmentId)
          .execute()
      ).map((r) => r.user_id);

    beforeAll(async () => {
      roundRobinId = await addCalendar(tandem.server, owner, {
        type: 'round_robin',
        name: 'Intro call',
        members: staff.map((s) => ({ userId: s.id })),
      });
      await settings(roundRobinId, { reminderOffsetsMin: [] });
      for (const member of staff) {
        const id = await addCalendar(tandem.server, owner, {
          type: 'simple',
          name: `Own ${member.zone}`,
          members: [{ userId: member.id }],
        });
        await settings(id, { reminderOffsetsMin: [] });
        ownCalendar.set(member.id, id);
      }
    });

    /**
     * A client books the Round Robin calendar at 14:00 on `dayOffset`; its host is then made busy at
     * 15:00 and the appointment is moved there (by the client or by staff), so it must go to the other
     * member. Returns who lost it, who has it now, and how many e-mails came before the move.
     */
    async function moveAwayFromHost(dayOffset: number, client: { name: string; email: string }, mover: 'client' | 'staff') {
      const before = at(day, dayOffset * 24 + 14);
      const after = at(day, dayOffset * 24 + 15);
      const { manageToken } = await bookAs(tandem.server, roundRobinId, before, client, 'Europe/London');
      await deliverUntil(smtp.received.length + 2); // the client's confirmation, the host's "new booking"
      const appointmentId = await appointmentOf(manageToken);
      const [hostId] = await assigneesOf(appointmentId);
      const host = staff.find((s) => s.id === hostId)!;
      const other = staff.find((s) => s.id !== hostId)!;
      await bookAs(
        tandem.server,
        ownCalendar.get(host.id)!,
        after,
        { name: 'Fay Gold', email: `fay.${dayOffset}@client.test` },
        'Europe/London',
      );
      const told = smtp.received.length + 2;
      await deliverUntil(told);

      if (mover === 'client') await clientReschedule(manageToken, after);
      else
        ok(
          await tandem.server.inject({
            method: 'POST',
            url: `/api/appointments/${appointmentId}/reschedule`,
            headers: owner.headers,
            payload: { start: after.toISOString() },
          }),
        );
      // The premise: the host was busy, so the appointment went to the other member.
      expect(await assigneesOf(appointmentId)).toEqual([other.id]);
      return { host, other, told, before, after, appointmentId };
    }

    it('Round Robin, host busy at the new time: the old host is told it left their schedule, the new host that it moved', async () => {
      const { host, other, told, before, after, appointmentId } = await moveAwayFromHost(
        4,
        { name: 'Gil Hart', email: 'gil@client.test' },
        'client',
      );
      await deliverUntil(told + 3);
      const mails = smtp.received.slice(told);
      expect(mails.map((m) => [m.to, m.subject.split(':')[0]]).sort()).toEqual(
        [
          [['gil@client.test'], 'Booking moved'],
          [[other.email], 'Moved by the client'],
          [[host.email], 'No longer on your schedule'],
        ].sort(),
      );

      const away = mailsTo(host.email).filter((m) => m.text.includes('Gil Hart'));
      expect(away).toHaveLength(2); // "new booking" at booking time, then this one; no "moved"
      const [gone] = away.filter((m) => m.subject.startsWith('No longer on your schedule'));
      expect(gone!.subject).toBe(`No longer on your schedule: Gil Hart on ${shown(before, host.zone)}`);
      expect(gone!.text).toContain('Gil Hart moved their booking to another time; it is no longer on your schedule.');
      expect(gone!.text).toContain(`When: ${shown(before, host.zone)}`);
      expect(gone!.text).not.toContain(shown(after, host.zone));
      expect(gone!.attachments).toEqual([]);

      const moved = mailsTo(other.email).filter((m) => m.text.includes('Gil Hart'));
      expect(moved.map((m) => m.subject)).toEqual([`Moved by the client: Gil Hart to ${shown(after, other.zone)}`]);

      // Recorded like every notice: one row each, sent once.
      const rows = await tandem.app.database.db
        .selectFrom('messages')
        .select(['kind', 'user_id', 'status'])
        .where('appointment_id', '=', appointmentId)
        .where('user_id', 'is not', null)
        .where('kind', 'in', ['staff_client_rescheduled', 'staff_client_moved_away'])
        .execute();
      expect(rows.map((r) => [r.kind, r.user_id, r.status]).sort()).toEqual(
        [
          ['staff_client_moved_away', host.id, 'sent'],
          ['staff_client_rescheduled', other.id, 'sent'],
        ].sort(),
      );
      await tandem.app.work.dispatchOutbox();
      expect(smtp.received).toHaveLength(told + 3);
    });

    it('Round Robin with the switch off: the client is told, neither member is', async () => {
      await settings(roundRobinId, { staffClientCancelled: false });
      try {
        const { told } = await moveAwayFromHost(7, { name: 'Hal Ito', email: 'hal@client.test' }, 'client');
        await deliverUntil(told + 1);
        expect(smtp.received.slice(told).map((m) => [m.to, m.subject.split(':')[0]])).toEqual([[['hal@client.test'], 'Booking moved']]);
        expect([...staffMovedMails(), ...movedAwayMails()].filter((m) => m.text.includes('Hal Ito'))).toEqual([]);
      } finally {
        await settings(roundRobinId, { staffClientCancelled: true });
      }
    });

    it('Round Robin moved by staff: the client is told, neither member is', async () => {
      const { told } = await moveAwayFromHost(8, { name: 'Ivy Jo', email: 'ivy@client.test' }, 'staff');
      await deliverUntil(told + 1);
      expect(smtp.received.slice(told).map((m) => [m.to, m.subject.split(':')[0]])).toEqual([[['ivy@client.test'], 'Booking moved']]);
      expect([...staffMovedMails(), ...movedAwayMails()].filter((m) => m.text.includes('Ivy Jo'))).toEqual([]);
    });

    it("a class seat moved to a session another member hosts: the old session's host is told it left their schedule", async () => {
      // A class has one host; handing the class to another member keeps booked sessions with the old one.
      const [london, newYork] = staff as [(typeof staff)[0], (typeof staff)[0]];
      const input = { slug: 'pilates', name: 'Pilates', type: 'class', seats: 4, durationMin: 60 };
      const classId = await addCalendar(tandem.server, owner, { ...input, members: [{ userId: london.id }] });
      await settings(classId, { reminderOffsetsMin: [] });
      const before = at(day, 9 * 24 + 14);
      const after = at(day, 10 * 24 + 15);
      const { manageToken } = await bookAs(tandem.server, classId, before, { name: 'Jo Kim', email: 'jo@client.test' }, 'Europe/London');
      const told = smtp.received.length + 2;
      await deliverUntil(told);
      ok(
        await tandem.server.inject({
          method: 'PUT',
          url: `/api/calendars/${classId}`,
          headers: owner.headers,
          payload: { ...input, members: [{ userId: newYork.id }] },
        }),
      );
      await clientReschedule(manageToken, after);
      await deliverUntil(told + 3);

      expect(
        smtp.received
          .slice(told)
          .map((m) => [m.to, m.subject.split(':')[0]])
          .sort(),
      ).toEqual(
        [
          [['jo@client.test'], 'Booking moved'],
          [[newYork.email], 'Moved by the client'],
          [[london.email], 'No longer on your schedule'],
        ].sort(),
      );
      const gone = mailsTo(london.email).find((m) => m.subject.startsWith('No longer on your schedule') && m.text.includes('Jo Kim'));
      expect(gone!.subject).toBe(`No longer on your schedule: Jo Kim on ${shown(before, london.zone)}`);
      expect(gone!.text).toContain(`When: ${shown(before, london.zone)}`);
    });
  });
});
