import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileJsonStringify } from '../../../src/http/compiled-serializer.ts';
import { bookedSchema } from '../../../src/http/routes/public-routes.ts';

const booked = fc.record({
  booking: fc.record({
    calendarId: fc.uuid(),
    serviceId: fc.option(fc.uuid(), { nil: null }),
    start: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    end: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    status: fc.constantFrom('confirmed' as const, 'cancelled' as const),
    title: fc.string({ unit: 'grapheme' }),
    location: fc.option(fc.string({ unit: 'binary' }), { nil: null }),
    seats: fc.integer({ min: 1, max: 9999 }),
  }),
  manageToken: fc.string({ minLength: 1 }),
});

describe('compileJsonStringify (the public booking 201)', () => {
  const stringify = compileJsonStringify(bookedSchema);

  it('writes what zod then JSON.stringify wrote', () => {
    fc.assert(
      fc.property(booked, (body) => {
        const written = stringify(body);
        expect(JSON.parse(written)).toEqual(JSON.parse(JSON.stringify(bookedSchema.encode(body))));
      }),
      { numRuns: 300 },
    );
  });

  it('drops properties the schema does not name, at every level, as zod did', () => {
    const body = {
      booking: {
        calendarId: 'c',
        serviceId: null,
        start: 's',
        end: 'e',
        status: 'confirmed',
        title: 't',
        location: null,
        seats: 1,
        assigneeIds: ['staff ids are not for clients'],
      },
      manageToken: 'm',
      attendees: [],
    };
    expect(JSON.parse(stringify(body))).toEqual({
      booking: { calendarId: 'c', serviceId: null, start: 's', end: 'e', status: 'confirmed', title: 't', location: null, seats: 1 },
      manageToken: 'm',
    });
  });

  it('throws when a required property is missing (a 500, as zod refused it)', () => {
    expect(() => stringify({ booking: { calendarId: 'c' }, manageToken: 'm' })).toThrow();
    expect(() => stringify({ booking: {} })).toThrow();
  });
});
