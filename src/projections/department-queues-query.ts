// A department's queue (what its liaison works through): the summons still open, split into those
// waiting for it to report in, those waiting for its response, and those whose running clock is out.
import type Database from 'better-sqlite3';

/** Which part of the queue: `overdue` wins over the other two, so each summons is in exactly one. */
export type QueueBucket = 'pending' | 'reportedIn' | 'overdue';

export interface QueueItem {
  readonly caseId: string;
  readonly departmentId: string;
  readonly round: number;
  readonly status: 'pending' | 'reportedIn';
  /** The clock now running on the summons and when it runs out. */
  readonly clock: 'reportIn' | 'respond';
  readonly dueAt: string;
  /** Past `dueAt` at the time asked about, whether or not the system has recorded it yet. */
  readonly overdue: boolean;
  /** The system has recorded the running clock as run out. */
  readonly overdueMarked: boolean;
  readonly summonedAt: string;
  readonly reportInDueAt: string;
  readonly reportedInAt?: string;
  readonly respondDueAt?: string;
  readonly category: string;
  readonly urgency: string;
}

export type DepartmentQueue = Readonly<Record<QueueBucket, readonly QueueItem[]>>;

export interface QueueOptions {
  readonly status?: QueueBucket;
  /** The time the queue is looked at: clocks past it count as overdue. */
  readonly now: Date;
}

interface Row {
  case_id: string;
  department_id: string;
  round: number;
  status: 'pending' | 'reportedIn';
  due_at: string;
  marked: number;
  overdue: number;
  summoned_at: string;
  report_in_due_at: string;
  reported_in_at: string | null;
  respond_due_at: string | null;
  category: string;
  urgency: string;
}

// The running clock is report-in while pending and respond once reported in (deadlines.ts runningClocks).
const QUEUE_SQL = `
  SELECT *, (marked = 1 OR due_at <= @now) AS overdue FROM (
    SELECT case_id, department_id, round, status, summoned_at, report_in_due_at, reported_in_at, respond_due_at,
      category, urgency,
      CASE status WHEN 'pending' THEN report_in_due_at ELSE respond_due_at END AS due_at,
      CASE status WHEN 'pending' THEN overdue_report_in ELSE overdue_respond END AS marked
    FROM summons_queue
    WHERE department_id = @departmentId AND status IN ('pending', 'reportedIn')
  )
  ORDER BY due_at, case_id`;

export function departmentQueue(
  db: Database.Database,
  departmentId: string,
  options: QueueOptions,
): DepartmentQueue {
  const rows = db
    .prepare<{ departmentId: string; now: string }, Row>(QUEUE_SQL)
    .all({ departmentId, now: options.now.toISOString() });
  const queue: Record<QueueBucket, QueueItem[]> = { pending: [], reportedIn: [], overdue: [] };
  for (const row of rows) {
    const item = toItem(row);
    const bucket: QueueBucket = item.overdue ? 'overdue' : item.status;
    if (options.status === undefined || options.status === bucket) queue[bucket].push(item);
  }
  return queue;
}

function toItem(row: Row): QueueItem {
  return {
    caseId: row.case_id,
    departmentId: row.department_id,
    round: row.round,
    status: row.status,
    clock: row.status === 'pending' ? 'reportIn' : 'respond',
    dueAt: row.due_at,
    overdue: row.overdue === 1,
    overdueMarked: row.marked === 1,
    summonedAt: row.summoned_at,
    reportInDueAt: row.report_in_due_at,
    ...(row.reported_in_at ? { reportedInAt: row.reported_in_at } : {}),
    ...(row.respond_due_at ? { respondDueAt: row.respond_due_at } : {}),
    category: row.category,
    urgency: row.urgency,
  };
}
