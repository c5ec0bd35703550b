// Working-day arithmetic for deadlines: which local dates are worked, and when a time limit runs out.

export interface WorkCalendar {
  readonly utcOffsetMinutes: number;
  /** Weekday public holidays, 'YYYY-MM-DD' local. A weekend date here is harmless: it is off anyway. */
  readonly holidays: ReadonlySet<string>;
  /** Saturdays and Sundays worked as make-up days (调休), 'YYYY-MM-DD' local. */
  readonly workingWeekends: ReadonlySet<string>;
}

export type Limit = { readonly minutes: number } | { readonly hours: number } | { readonly days: number };

type LimitUnit = 'minutes' | 'hours' | 'days';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const CHINA_UTC_OFFSET_MINUTES = 480;
// Real zones run from UTC-12:00 to UTC+14:00.
const MIN_OFFSET_MINUTES = -720;
const MAX_OFFSET_MINUTES = 840;
// About 40 years of working days: far beyond any real limit, and it keeps a mistyped config from
// stalling the deadline process in the day-by-day count below.
const MAX_WORKING_DAYS = 10_000;
const LIMIT_UNITS: readonly LimitUnit[] = ['minutes', 'hours', 'days'];
const DATE_FORMAT = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Milliseconds at UTC midnight of a 'YYYY-MM-DD', or undefined when it is not a real calendar date. */
function parseDate(date: string): number | undefined {
  const match = DATE_FORMAT.exec(date);
  if (!match) return undefined;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  // Date.UTC rolls 2026-02-30 over to March 2; only a round trip shows the date does not exist.
  return new Date(ms).toISOString().slice(0, 10) === date ? ms : undefined;
}

function isWeekend(date: string): boolean {
  const ms = parseDate(date);
  if (ms === undefined) throw new RangeError(`date "${date}" is not a real calendar date in YYYY-MM-DD form`);
  const day = new Date(ms).getUTCDay();
  return day === 0 || day === 6;
}

export function isWorkingDay(date: string, calendar: WorkCalendar): boolean {
  return isWeekend(date) ? calendar.workingWeekends.has(date) : !calendar.holidays.has(date);
}

function assertInstant(instant: Date, name: string): void {
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) {
    throw new RangeError(`${name} ${String(instant)} is not a valid instant`);
  }
}

export function localDate(instant: Date, calendar: WorkCalendar): string {
  assertInstant(instant, 'instant');
  return new Date(instant.getTime() + calendar.utcOffsetMinutes * MINUTE_MS).toISOString().slice(0, 10);
}

function readLimit(limit: Limit): { unit: LimitUnit; amount: number } {
  // The union type lets `{ days: 1, hours: 2 }` through, so which clock is meant is checked at run time.
  const units = LIMIT_UNITS.filter((unit) => unit in limit);
  const unit = units[0];
  if (units.length !== 1 || unit === undefined) {
    throw new RangeError(
      `limit ${JSON.stringify(limit)} is not valid: give exactly one of minutes, hours or days`,
    );
  }
  const amount = (limit as Record<LimitUnit, unknown>)[unit];
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
    throw new RangeError(`limit ${unit}=${String(amount)} is not valid: expected a finite number ≥ 0`);
  }
  if (unit === 'days' && (!Number.isInteger(amount) || amount > MAX_WORKING_DAYS)) {
    throw new RangeError(
      `limit days=${amount} is not valid: expected a whole number of working days from 0 to ${MAX_WORKING_DAYS}`,
    );
  }
  return { unit, amount };
}

/** Calendar days from the start's local date to its Nth working day after it. */
function calendarDaysToWorkingDay(start: Date, workingDays: number, calendar: WorkCalendar): number {
  let ahead = 0;
  let counted = 0;
  while (counted < workingDays) {
    ahead += 1;
    if (isWorkingDay(localDate(new Date(start.getTime() + ahead * DAY_MS), calendar), calendar)) counted += 1;
  }
  return ahead;
}

/**
 * When a limit that starts at `start` runs out.
 * Minutes and hours are elapsed clock time: an emergency does not wait for Monday.
 * Days are working days: the deadline is the Nth working day after the start's local date, at the
 * start's local time of day. The start's own date never counts, worked or not, so a case submitted
 * on Saturday 10:00 with 1 working day is due Monday 10:00, the same as one submitted Friday 10:00.
 */
export function deadlineAfter(start: Date, limit: Limit, calendar: WorkCalendar): Date {
  assertInstant(start, 'start');
  const { unit, amount } = readLimit(limit);
  const ms =
    unit === 'days'
      ? // A fixed offset has no DST, so whole days of 24 h keep the local time of day.
        start.getTime() + calendarDaysToWorkingDay(start, amount, calendar) * DAY_MS
      : start.getTime() + amount * (unit === 'hours' ? 60 : 1) * MINUTE_MS;
  const deadline = new Date(ms);
  if (Number.isNaN(deadline.getTime())) {
    throw new RangeError(
      `limit ${unit}=${amount} after ${start.toISOString()} is beyond the last representable date`,
    );
  }
  return deadline;
}

function datesOf(field: string, dates: readonly string[]): ReadonlySet<string> {
  for (const date of dates) {
    if (parseDate(date) === undefined) {
      throw new RangeError(`${field} entry "${date}" is not a real calendar date in YYYY-MM-DD form`);
    }
  }
  return new Set(dates);
}

/** A validated calendar; the offset defaults to China's UTC+8, the zone casetrail serves. */
export function calendarFrom(config: {
  utcOffsetMinutes?: number;
  holidays?: readonly string[];
  workingWeekends?: readonly string[];
}): WorkCalendar {
  const utcOffsetMinutes = config.utcOffsetMinutes ?? CHINA_UTC_OFFSET_MINUTES;
  if (
    !Number.isInteger(utcOffsetMinutes) ||
    utcOffsetMinutes < MIN_OFFSET_MINUTES ||
    utcOffsetMinutes > MAX_OFFSET_MINUTES
  ) {
    throw new RangeError(
      `utcOffsetMinutes=${utcOffsetMinutes} is not valid: expected whole minutes from ${MIN_OFFSET_MINUTES} to ${MAX_OFFSET_MINUTES}`,
    );
  }
  const holidays = datesOf('holidays', config.holidays ?? []);
  const workingWeekends = datesOf('workingWeekends', config.workingWeekends ?? []);
  for (const date of workingWeekends) {
    // A weekday here is almost surely a typo, and a date in both lists leaves its status a guess.
    if (!isWeekend(date)) {
      throw new RangeError(
        `workingWeekends entry "${date}" is a weekday; only a Saturday or Sunday can be a make-up day`,
      );
    }
    if (holidays.has(date)) {
      throw new RangeError(`"${date}" is listed both as a holiday and as a make-up working day`);
    }
  }
  return { utcOffsetMinutes, holidays, workingWeekends };
}

/**
 * 2026 in mainland China, from 国务院办公厅关于2026年部分节假日安排的通知 (4 Nov 2025, as published by
 * Xinhua). Verified against that text; no other year is included, so dates outside 2026 count as an
 * ordinary Monday–Friday week until that year's notice is added.
 * Only weekday holidays are listed, so `holidays` reads as the working days lost.
 */
export const CHINA_2026: WorkCalendar = calendarFrom({
  utcOffsetMinutes: CHINA_UTC_OFFSET_MINUTES,
  holidays: [
    // 元旦 Jan 1–3
    ...['2026-01-01', '2026-01-02'],
    // 春节 Feb 15–23
    ...['2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20', '2026-02-23'],
    // 清明节 Apr 4–6
    '2026-04-06',
    // 劳动节 May 1–5
    ...['2026-05-01', '2026-05-04', '2026-05-05'],
    // 端午节 Jun 19–21
    '2026-06-19',
    // 中秋节 Sep 25–27
    '2026-09-25',
    // 国庆节 Oct 1–7
    ...['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07'],
  ],
  workingWeekends: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
});
