import t from 'tap';
import {
  CHINA_2026,
  calendarFrom,
  deadlineAfter,
  isWorkingDay,
  type Limit,
  localDate,
} from '../../src/commands/case/calendar.js';

// Instants are written as Beijing wall-clock time, the way a mediator reads them.
const beijing = (wallClock: string): Date => new Date(`${wallClock}+08:00`);
// Mon–Fri in UTC+8 with no holidays: isolates weekend behaviour from any holiday list.
const plainWeeks = calendarFrom({});

const due = (start: string, limit: Limit, calendar = CHINA_2026): Date =>
  deadlineAfter(beijing(start), limit, calendar);

t.test('hours and minutes are elapsed clock time', async (t) => {
  t.test('given a case at 23:30, when 2 hours pass, then it is due 01:30 the next day', async (t) => {
    t.same(due('2026-03-10T23:30', { hours: 2 }), beijing('2026-03-11T01:30'));
  });
  t.test('given a case on Friday evening, when 24 hours pass, then it is due Saturday evening', async (t) => {
    t.same(due('2026-03-13T18:00', { hours: 24 }), beijing('2026-03-14T18:00'));
    t.same(due('2026-03-14T23:50', { minutes: 30 }), beijing('2026-03-15T00:20'));
  });
  t.test(
    'given a case on the eve of National Day, when 24 hours pass, then the holiday is not skipped',
    async (t) => {
      t.same(due('2026-09-30T12:00', { hours: 24 }), beijing('2026-10-01T12:00'));
    },
  );
});

t.test('days are working days, due at the same local time of day', async (t) => {
  t.test('given Friday 10:00, when 1 working day passes, then it is due Monday 10:00', async (t) => {
    t.same(due('2026-03-13T10:00', { days: 1 }, plainWeeks), beijing('2026-03-16T10:00'));
  });
  t.test('given Friday 10:00, when 5 working days pass, then it is due the next Friday 10:00', async (t) => {
    t.same(due('2026-03-13T10:00', { days: 5 }, plainWeeks), beijing('2026-03-20T10:00'));
  });
  t.test('given Wednesday, when 2 working days pass, then it is due Friday', async (t) => {
    t.same(due('2026-03-11T09:15', { days: 2 }, plainWeeks), beijing('2026-03-13T09:15'));
  });
  t.test('given a submission on Saturday, when 1 working day passes, then it is due Monday', async (t) => {
    t.same(due('2026-03-14T10:00', { days: 1 }, plainWeeks), beijing('2026-03-16T10:00'));
    t.same(due('2026-03-15T10:00', { days: 1 }, plainWeeks), beijing('2026-03-16T10:00'));
  });
  t.test('given a limit of 0 days, then the deadline is the start itself', async (t) => {
    t.same(due('2026-03-14T10:00', { days: 0 }), beijing('2026-03-14T10:00'));
  });
  t.test(
    'given the last Friday of January, when 1 working day passes, then it is due Monday in February',
    async (t) => {
      t.same(due('2026-01-30T16:00', { days: 1 }), beijing('2026-02-02T16:00'));
    },
  );
});

t.test('the 2026 holiday arrangement moves day-based deadlines', async (t) => {
  t.test(
    'given Tuesday before National Day, when 7 working days pass, then the week off and its make-up Saturday count right',
    async (t) => {
      // Sep 30, then Oct 8, 9, 10 (make-up Saturday), 12, 13, 14.
      t.same(due('2026-09-29T09:00', { days: 7 }), beijing('2026-10-14T09:00'));
    },
  );
  t.test(
    'given the Friday before a make-up Saturday, when 1 working day passes, then it is due that Saturday',
    async (t) => {
      t.same(due('2026-10-09T11:00', { days: 1 }), beijing('2026-10-10T11:00'));
      t.same(
        due('2026-09-18T11:00', { days: 1 }),
        beijing('2026-09-20T11:00'),
        'the make-up Sunday of Sep 20',
      );
    },
  );
  t.test(
    'given New Year’s Eve, when 1 working day passes, then it is due on the make-up Sunday of Jan 4',
    async (t) => {
      t.same(due('2025-12-31T10:00', { days: 1 }), beijing('2026-01-04T10:00'));
    },
  );
  t.test(
    'given the make-up Saturday before Spring Festival, when 1 working day passes, then it is due after the holiday',
    async (t) => {
      t.same(due('2026-02-14T10:00', { days: 1 }), beijing('2026-02-24T10:00'));
    },
  );
  t.test(
    'given the 2026 dates, then each holiday is a weekday off and each make-up day is a worked weekend',
    async (t) => {
      t.equal(CHINA_2026.holidays.size, 19);
      t.equal(CHINA_2026.workingWeekends.size, 6);
      t.equal(isWorkingDay('2026-02-16', CHINA_2026), false, 'Spring Festival Monday');
      t.equal(isWorkingDay('2026-02-28', CHINA_2026), true, 'make-up Saturday');
      t.equal(isWorkingDay('2026-02-21', CHINA_2026), false, 'Saturday inside the holiday');
      t.equal(isWorkingDay('2026-03-16', CHINA_2026), true, 'an ordinary Monday');
    },
  );
});

t.test('the working day is the local date, not the UTC date', async (t) => {
  t.test('given 17:00 UTC, then it is already the next day in UTC+8', async (t) => {
    t.equal(localDate(new Date('2026-03-12T17:00Z'), CHINA_2026), '2026-03-13');
    t.equal(localDate(new Date('2026-03-12T15:59Z'), CHINA_2026), '2026-03-12');
    t.equal(localDate(new Date('2026-03-12T17:00Z'), calendarFrom({ utcOffsetMinutes: 0 })), '2026-03-12');
  });
  t.test(
    'given Thursday 17:00 UTC (Friday 01:00 in Beijing), when 1 working day passes, then it is due Monday',
    async (t) => {
      t.same(
        deadlineAfter(new Date('2026-03-12T17:00Z'), { days: 1 }, CHINA_2026),
        new Date('2026-03-15T17:00Z'),
      );
    },
  );
});

t.test('a limit that cannot be right is refused, naming the value', async (t) => {
  const start = beijing('2026-03-13T10:00');
  t.throws(() => deadlineAfter(start, { days: 1.5 }, CHINA_2026), {
    name: 'RangeError',
    message: /limit days=1\.5 is not valid: expected a whole number/,
  });
  t.throws(() => deadlineAfter(start, { days: -1 }, CHINA_2026), /limit days=-1 is not valid/);
  t.throws(() => deadlineAfter(start, { hours: -2 }, CHINA_2026), /limit hours=-2 is not valid/);
  t.throws(() => deadlineAfter(start, { minutes: Number.NaN }, CHINA_2026), /limit minutes=NaN is not valid/);
  t.throws(() => deadlineAfter(start, { hours: Number.POSITIVE_INFINITY }, CHINA_2026), /hours=Infinity/);
  t.throws(() => deadlineAfter(start, { days: 1e9 }, CHINA_2026), /days=1000000000 is not valid/);
  const both = { days: 1, hours: 2 } as Limit;
  t.throws(() => deadlineAfter(start, both, CHINA_2026), /exactly one of minutes, hours or days/);
  t.throws(() => deadlineAfter(new Date('not a date'), { hours: 1 }, CHINA_2026), /start Invalid Date/);
});

t.test('a calendar with a date that does not exist is refused, naming the entry', async (t) => {
  t.throws(
    () => calendarFrom({ holidays: ['2026-02-30'] }),
    /holidays entry "2026-02-30" is not a real calendar date/,
  );
  t.throws(() => calendarFrom({ holidays: ['2026-2-3'] }), /holidays entry "2026-2-3"/);
  t.throws(() => calendarFrom({ workingWeekends: ['2026-13-01'] }), /workingWeekends entry "2026-13-01"/);
  t.throws(() => calendarFrom({ workingWeekends: ['2026-02-16'] }), /"2026-02-16" is a weekday/);
  t.throws(
    () => calendarFrom({ holidays: ['2026-02-14'], workingWeekends: ['2026-02-14'] }),
    /"2026-02-14" is listed both/,
  );
  t.throws(() => calendarFrom({ utcOffsetMinutes: 1000 }), /utcOffsetMinutes=1000 is not valid/);
  t.throws(() => isWorkingDay('2025-02-29', CHINA_2026), /date "2025-02-29" is not a real calendar date/);
  t.equal(isWorkingDay('2028-02-29', plainWeeks), true, 'a real leap day, a Tuesday');
});
