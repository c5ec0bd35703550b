// The three rates of DESIGN.md §7 and the figures beside them, per period in China time, for an org
// unit's whole subtree, a department and a category. Computed at `now`, so that summons and cases whose
// clock has run out count against the rates while they are still open, before anyone records it.
// Reads the department-queues projection's `summons_queue` and the statistics projection's `case_facts`.
import type Database from 'better-sqlite3';

export type Period = 'day' | 'week' | 'month';

export interface StatisticsQuery {
  /** Inclusive; applies to each figure's start of clock (see below). */
  readonly from?: Date;
  /** Exclusive. With `from`, every period in between is listed, with or without data. */
  readonly to?: Date;
  readonly period: Period;
  /** Counts cases located anywhere in this org unit's subtree. */
  readonly orgUnitId?: string;
  /** Summons of this department, and for case figures the cases it was summoned to. */
  readonly departmentId?: string;
  readonly category?: string;
  readonly now: Date;
}

/** A rate with its parts; `rate` is null when nothing was due. */
export interface Rate {
  readonly onTime: number;
  readonly due: number;
  readonly rate: number | null;
}

export interface SatisfactionRate {
  readonly satisfied: number;
  readonly basicallySatisfied: number;
  readonly dissatisfied: number;
  readonly rated: number;
  readonly rate: number | null;
}

export interface ReopenRate {
  readonly reopened: number;
  readonly resolved: number;
  readonly rate: number | null;
}

/**
 * Periods file each figure under the start of its clock: the response rate and whistles by summons
 * time, the resolution rate and time to resolution by acceptance, satisfaction by the resolution that
 * was rated, the reopen rate by first resolution.
 */
export interface PeriodStatistics {
  /** '2026-03-02' (day), '2026-W10' (ISO week), '2026-03' (month), in China time. */
  readonly period: string;
  readonly responseRate: Rate;
  readonly resolutionRate: Rate;
  readonly satisfactionRate: SatisfactionRate;
  /** Times the whistle was blown: one whistle may summon several departments. */
  readonly whistles: number;
  readonly reopenRate: ReopenRate;
  /** From acceptance to first resolution, over cases resolved; null when none was. */
  readonly medianHoursToResolution: number | null;
}

export interface DepartmentStatistics {
  readonly departmentId: string;
  /** Summons rounds the department received. */
  readonly summons: number;
  /** From summons to report-in, over the summons it reported in to; null when it reported in to none. */
  readonly avgReportInMinutes: number | null;
  readonly p90ReportInMinutes: number | null;
}

export interface Statistics {
  readonly periods: readonly PeriodStatistics[];
  readonly departments: readonly DepartmentStatistics[];
}

const FORMATS: Readonly<Record<Period, string>> = { day: '%Y-%m-%d', week: '%G-W%V', month: '%Y-%m' };
const bucket = (column: string, period: Period): string =>
  `strftime('${FORMATS[period]}', ${column}, '+8 hours')`;
const DAY_MS = 86_400_000;
/** About 1,100 periods at the most, so that one answer stays small and quick to build. */
const MAX_RANGE_DAYS: Readonly<Record<Period, number>> = { day: 1_100, week: 7_700, month: 36_600 };

type Params = Record<string, string | null>;

/** The conditions every figure shares, on the table aliased `a` and its start-of-clock column. */
function filters(q: StatisticsQuery, column: string, table: 'summons' | 'cases'): string {
  const where = [`${column} IS NOT NULL`];
  if (q.from) where.push(`${column} >= @from`);
  if (q.to) where.push(`${column} < @to`);
  if (q.category !== undefined) where.push('a.category = @category');
  if (q.orgUnitId !== undefined)
    where.push('@orgUnitId IN (a.district_id, a.street_id, a.community_id, a.grid_id)');
  if (q.departmentId !== undefined) {
    where.push(
      table === 'summons'
        ? 'a.department_id = @departmentId'
        : 'EXISTS (SELECT 1 FROM summons_queue s WHERE s.case_id = a.case_id AND s.department_id = @departmentId)',
    );
  }
  return where.join(' AND ');
}

const ratio = (part: number, whole: number, digits = 4): number | null =>
  whole === 0 ? null : round(part / whole, digits);
const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

type Counts = Map<string, Readonly<Record<string, number>>>;

// Each figure: its table, the start of its clock (which files it under a period), and its counts.
const FIGURES = {
  // A summons counts once its report-in clock ran out while it still waited for the department (a
  // decline or release before the due time stops the clock), or once the department reported in.
  response: {
    from: 'summons_queue',
    start: 'summoned_at',
    counts: `sum(a.reported_in_at IS NOT NULL AND a.reported_in_at <= a.report_in_due_at) AS onTime,
      sum(a.reported_in_at IS NOT NULL OR a.report_in_due_at <= coalesce(a.closed_at, @now)) AS due,
      count(DISTINCT a.case_id || ' ' || a.summoned_at) AS whistles`,
  },
  // Likewise a case counts once its first target passed while it was open, or once it was resolved.
  resolution: {
    from: 'case_facts',
    start: 'accepted_at',
    counts: `sum(a.first_resolved_at IS NOT NULL AND a.first_resolved_at <= a.first_resolve_due_at
        AND a.reopen_count = 0) AS onTime,
      sum(a.first_resolved_at IS NOT NULL OR a.first_resolve_due_at <= coalesce(a.ended_at, @now)) AS due`,
  },
  satisfaction: {
    from: 'case_facts',
    start: 'rated_resolution_at',
    counts: `sum(a.latest_rating = 'satisfied') AS satisfied,
      sum(a.latest_rating = 'basicallySatisfied') AS basicallySatisfied,
      sum(a.latest_rating = 'dissatisfied') AS dissatisfied, count(*) AS rated`,
  },
  reopen: {
    from: 'case_facts',
    start: 'first_resolved_at',
    counts: 'sum(a.reopen_count > 0) AS reopened, count(*) AS resolved',
  },
} as const;

type Figure = keyof typeof FIGURES;

function counts(db: Database.Database, q: StatisticsQuery, params: Params, figure: Figure): Counts {
  const { from, start, counts } = FIGURES[figure];
  const kind = from === 'summons_queue' ? 'summons' : 'cases';
  const rows = db
    .prepare<Params, { period: string } & Record<string, number>>(
      `SELECT ${bucket(`a.${start}`, q.period)} AS period, ${counts}
      FROM ${from} a WHERE ${filters(q, `a.${start}`, kind)} GROUP BY period`,
    )
    .all(params);
  return new Map(rows.map(({ period, ...row }) => [period, row]));
}

function medianHours(db: Database.Database, q: StatisticsQuery, params: Params): Map<string, number> {
  const rows = db
    .prepare<Params, { period: string; accepted_at: string; first_resolved_at: string }>(
      `SELECT ${bucket('a.accepted_at', q.period)} AS period, a.accepted_at, a.first_resolved_at
      FROM case_facts a WHERE a.first_resolved_at IS NOT NULL AND ${filters(q, 'a.accepted_at', 'cases')}`,
    )
    .all(params);
  const hours = new Map<string, number[]>();
  for (const row of rows) {
    const list = hours.get(row.period) ?? [];
    list.push((Date.parse(row.first_resolved_at) - Date.parse(row.accepted_at)) / 3_600_000);
    hours.set(row.period, list);
  }
  return new Map([...hours].map(([period, list]) => [period, round(median(list), 2)]));
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function departments(db: Database.Database, q: StatisticsQuery, params: Params): DepartmentStatistics[] {
  const rows = db
    .prepare<Params, { department_id: string; summoned_at: string; reported_in_at: string | null }>(
      `SELECT a.department_id, a.summoned_at, a.reported_in_at FROM summons_queue a
      WHERE ${filters(q, 'a.summoned_at', 'summons')} ORDER BY a.department_id`,
    )
    .all(params);
  const byDepartment = new Map<string, { summons: number; minutes: number[] }>();
  for (const row of rows) {
    const entry = byDepartment.get(row.department_id) ?? { summons: 0, minutes: [] };
    entry.summons += 1;
    if (row.reported_in_at)
      entry.minutes.push((Date.parse(row.reported_in_at) - Date.parse(row.summoned_at)) / 60_000);
    byDepartment.set(row.department_id, entry);
  }
  return [...byDepartment].map(([departmentId, { summons, minutes }]) => {
    const sorted = minutes.sort((x, y) => x - y);
    const sum = sorted.reduce((total, value) => total + value, 0);
    // Nearest rank: the smallest time at least 90% of report-ins were no slower than.
    const p90 = sorted[Math.ceil(0.9 * sorted.length) - 1];
    return {
      departmentId,
      summons,
      avgReportInMinutes: sorted.length === 0 ? null : round(sum / sorted.length, 2),
      p90ReportInMinutes: p90 === undefined ? null : round(p90, 2),
    };
  });
}

/** Every period the range touches, named by SQLite as the figures are, so the two never disagree. */
function periodsBetween(db: Database.Database, q: StatisticsQuery): string[] {
  if (!q.from || !q.to) return [];
  const from = q.from.getTime();
  const to = q.to.getTime();
  const maxDays = MAX_RANGE_DAYS[q.period];
  if ((to - from) / DAY_MS > maxDays) {
    throw new RangeError(
      `a statistics range by ${q.period} spans at most ${maxDays.toLocaleString('en-US')} days`,
    );
  }
  const instants: string[] = [];
  for (let at = from; at < to; at += DAY_MS) instants.push(new Date(at).toISOString());
  if (to > from) instants.push(new Date(to - 1).toISOString());
  const sql = `SELECT DISTINCT ${bucket('value', q.period)} FROM json_each(?)`;
  return db.prepare<[string], string>(sql).pluck().all(JSON.stringify(instants));
}

function periodOf(
  period: string,
  figures: Record<Figure, Counts>,
  medians: Map<string, number>,
): PeriodStatistics {
  const n = (figure: Figure, name: string): number => figures[figure].get(period)?.[name] ?? 0;
  const rate = (figure: Figure): Rate => {
    const [onTime, due] = [n(figure, 'onTime'), n(figure, 'due')];
    return { onTime, due, rate: ratio(onTime, due) };
  };
  const satisfied = n('satisfaction', 'satisfied') + n('satisfaction', 'basicallySatisfied');
  return {
    period,
    responseRate: rate('response'),
    resolutionRate: rate('resolution'),
    satisfactionRate: {
      satisfied: n('satisfaction', 'satisfied'),
      basicallySatisfied: n('satisfaction', 'basicallySatisfied'),
      dissatisfied: n('satisfaction', 'dissatisfied'),
      rated: n('satisfaction', 'rated'),
      rate: ratio(satisfied, n('satisfaction', 'rated')),
    },
    whistles: n('response', 'whistles'),
    reopenRate: {
      reopened: n('reopen', 'reopened'),
      resolved: n('reopen', 'resolved'),
      rate: ratio(n('reopen', 'reopened'), n('reopen', 'resolved')),
    },
    medianHoursToResolution: medians.get(period) ?? null,
  };
}

export function statistics(db: Database.Database, q: StatisticsQuery): Statistics {
  const params: Params = {
    now: q.now.toISOString(),
    from: q.from?.toISOString() ?? null,
    to: q.to?.toISOString() ?? null,
    orgUnitId: q.orgUnitId ?? null,
    departmentId: q.departmentId ?? null,
    category: q.category ?? null,
  };
  const figures = Object.fromEntries(
    (Object.keys(FIGURES) as Figure[]).map((figure) => [figure, counts(db, q, params, figure)]),
  ) as Record<Figure, Counts>;
  const medians = medianHours(db, q, params);
  const keys = new Set(periodsBetween(db, q));
  for (const figure of Object.values(figures)) for (const key of figure.keys()) keys.add(key);
  const periods = [...keys].sort().map((period) => periodOf(period, figures, medians));
  return { periods, departments: departments(db, q, params) };
}
