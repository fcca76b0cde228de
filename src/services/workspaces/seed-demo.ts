import { randomBytes } from 'node:crypto';
import type { Actor, ServiceContext } from '../context.ts';
import { createCalendar } from '../calendars/create-calendar.ts';
import { createUser } from '../users/create-user.ts';
import { createWorkspace } from './create-workspace.ts';

export interface DemoCredentials {
  email: string;
  password: string;
  workspaceSlug: string;
}

const DEMO_SLUG = 'demo';

/**
 * A workspace to click around in on first start: three team members in different zones and a
 * booking calendar of every type. Does nothing when the demo workspace exists already.
 */
export async function seedDemo(ctx: ServiceContext, options: { password?: string } = {}): Promise<DemoCredentials | null> {
  const exists = await ctx.db.selectFrom('workspaces').select('id').where('slug', '=', DEMO_SLUG).executeTakeFirst();
  if (exists) return null;
  const password = options.password ?? randomBytes(9).toString('base64url');
  const email = 'owner@demo.tandem.test';
  const { workspaceId, ownerId } = await createWorkspace(ctx, {
    name: 'Demo Studio',
    slug: DEMO_SLUG,
    owner: { name: 'Olivia Owner', email, password, timezone: 'Europe/London' },
  });
  const actor: Actor = { workspaceId, userId: ownerId, role: 'owner' };
  const ben = await createUser(ctx, {
    actor,
    email: 'ben@demo.tandem.test',
    name: 'Ben Baker',
    role: 'member',
    timezone: 'America/New_York',
  });
  const chloe = await createUser(ctx, {
    actor,
    email: 'chloe@demo.tandem.test',
    name: 'Chloe Chen',
    role: 'admin',
    timezone: 'Europe/London',
  });
  const calendars = [
    {
      slug: 'intro-call',
      name: 'Intro call',
      type: 'round_robin' as const,
      durationMin: 30,
      members: [
        { userId: ownerId, priority: 2 },
        { userId: chloe.id, priority: 1 },
      ],
      bufferAfterMin: 10,
      minNoticeMin: 120,
    },
    {
      slug: 'team-review',
      name: 'Team review',
      type: 'collective' as const,
      durationMin: 60,
      members: [{ userId: ownerId }, { userId: chloe.id }],
    },
    {
      slug: 'yoga',
      name: 'Morning yoga',
      type: 'class' as const,
      durationMin: 60,
      intervalMin: 60,
      seats: 12,
      members: [{ userId: chloe.id }],
    },
    {
      slug: 'salon',
      name: 'Salon',
      type: 'service' as const,
      durationMin: 30,
      intervalMin: 15,
      members: [{ userId: ownerId }, { userId: ben.id }],
      services: [
        { name: 'Haircut', durationMin: 45, priceCents: 3500, currency: 'GBP', staffIds: [ownerId, ben.id] },
        { name: 'Beard trim', durationMin: 15, priceCents: 1500, currency: 'GBP', staffIds: [ben.id] },
      ],
    },
    { slug: 'ben', name: 'Meet Ben', type: 'simple' as const, durationMin: 30, members: [{ userId: ben.id }] },
    {
      slug: 'workshop',
      name: 'Monthly workshop',
      type: 'event' as const,
      durationMin: 120,
      seats: 30,
      members: [{ userId: ownerId }],
      eventSchedule: { firstStart: '2026-01-15T18:00', timezone: 'Europe/London', durationMin: 120, repeat: 'monthly' as const, count: 24 },
    },
  ];
  for (const input of calendars) await createCalendar(ctx, { actor, input });
  return { email, password, workspaceSlug: DEMO_SLUG };
}
