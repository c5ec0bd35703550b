// What the deadline process must do now: the clocks that have run out and are still waiting for the
// system. Its commands are idempotent, so a clock read twice (or by two instances) fires once anyway.
import type Database from 'better-sqlite3';
import type { Clock } from '../events/case-events.js';

/** The system command each need maps to (DESIGN.md §4). */
export type ClockAction = 'markOverdue' | 'escalate' | 'closeWithoutFeedback';

export interface DueClock {
  readonly caseId: string;
  readonly clock: Clock;
  readonly departmentId?: string;
  readonly dueAt: string;
  readonly needs: readonly ClockAction[];
}

interface Row {
  case_id: string;
  clock: Clock;
  department_id: string;
  due_at: string;
  overdue_marked: number;
  escalated: number;
  level: string;
}

const SUMMONS_CLOCKS: readonly Clock[] = ['reportIn', 'respond'];

// A summons clock is first marked overdue, then escalated; case clocks are only escalated. Escalation
// stops at the district (the decider decides nothing there), so a district case's clock asks no more
// of it, or the process would ask again forever. A feedback clock waits until the case closes.
const DUE_SQL = `
  SELECT d.case_id, d.clock, d.department_id, d.due_at, d.overdue_marked, d.escalated, c.level
  FROM deadlines d JOIN deadline_cases c ON c.case_id = d.case_id
  WHERE d.due_at <= @now AND (
    d.clock = 'feedback'
    OR (d.clock IN ('reportIn', 'respond') AND d.overdue_marked = 0)
    OR (d.escalated = 0 AND c.level <> 'district')
  )
  ORDER BY d.due_at, d.case_id, d.clock, d.department_id
  LIMIT @limit`;

/** Clocks due at or before `now` that still need an action, the longest overdue first. */
export function dueClocks(db: Database.Database, now: Date, limit: number): DueClock[] {
  const rows = db
    .prepare<{ now: string; limit: number }, Row>(DUE_SQL)
    .all({ now: now.toISOString(), limit });
  return rows.map((row) => {
    const base = { caseId: row.case_id, clock: row.clock, dueAt: row.due_at, needs: needsOf(row) };
    return row.department_id ? { ...base, departmentId: row.department_id } : base;
  });
}

function needsOf(row: Row): ClockAction[] {
  if (row.clock === 'feedback') return ['closeWithoutFeedback'];
  const needs: ClockAction[] = [];
  if (SUMMONS_CLOCKS.includes(row.clock) && row.overdue_marked === 0) needs.push('markOverdue');
  if (row.escalated === 0 && row.level !== 'district') needs.push('escalate');
  return needs;
}
