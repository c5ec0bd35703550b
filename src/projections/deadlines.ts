// Deadlines: every clock now running on every case (DESIGN.md §4), indexed by due time, so that the
// deadline process finds what has run out without folding each case. The rows mirror `runningClocks`
// of src/commands/case/deadlines.ts after every event; the tests hold the two together.
import type Database from 'better-sqlite3';
import type { CaseEvent, Clock } from '../events/case-events.js';
import type { StoredEvent } from '../events/event-store.js';
import { perCaseApplier } from './per-case.js';
import type { Projection, TableNames } from './projection.js';

type Table = 'deadlines' | 'deadline_cases';
type Names = TableNames<Table>;

function create(db: Database.Database, t: Names, tag: string): void {
  db.exec(`
    CREATE TABLE "${t.deadlines}" (
      case_id TEXT NOT NULL, clock TEXT NOT NULL, department_id TEXT NOT NULL, due_at TEXT NOT NULL,
      overdue_marked INTEGER NOT NULL DEFAULT 0, escalated INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (case_id, clock, department_id)
    ) WITHOUT ROWID;
    CREATE INDEX "${t.deadlines}_${tag}_due_at" ON "${t.deadlines}" (due_at);
    CREATE TABLE "${t.deadline_cases}" (case_id TEXT PRIMARY KEY, level TEXT NOT NULL, last_position INTEGER NOT NULL);
  `);
}

/** Instants are compared as text: one canonical form (UTC, milliseconds) keeps that sound for every event. */
const iso = (instant: string): string => new Date(instant).toISOString();

function statements(db: Database.Database, t: Names) {
  const d = `"${t.deadlines}"`;
  return {
    caseRow: db.prepare<[string], { last_position: number }>(
      `SELECT last_position FROM "${t.deadline_cases}" WHERE case_id = ?`,
    ),
    addCase: db.prepare(
      `INSERT INTO "${t.deadline_cases}" (case_id, level, last_position) VALUES (@caseId, @level, @position)`,
    ),
    touch: db.prepare(`UPDATE "${t.deadline_cases}" SET last_position = ? WHERE case_id = ?`),
    setLevel: db.prepare(`UPDATE "${t.deadline_cases}" SET level = ? WHERE case_id = ?`),
    start:
      db.prepare(`INSERT OR REPLACE INTO ${d} (case_id, clock, department_id, due_at, overdue_marked, escalated)
      VALUES (@caseId, @clock, @departmentId, @dueAt, 0, 0)`),
    stop: db.prepare(`DELETE FROM ${d} WHERE case_id = @caseId AND clock = @clock AND department_id = ''`),
    stopDepartment: db.prepare(`DELETE FROM ${d} WHERE case_id = @caseId AND department_id = @departmentId`),
    stopAll: db.prepare(`DELETE FROM ${d} WHERE case_id = @caseId`),
    // Keyed by due time too, as the case's fired clocks are: a flag never lands on a later clock.
    markOverdue: db.prepare(`UPDATE ${d} SET overdue_marked = 1
      WHERE case_id = @caseId AND clock = @clock AND department_id = @departmentId AND due_at = @dueAt`),
    // An escalation answers every clock of the case that had run out by then (state.ts escalatedSince).
    markEscalated: db.prepare(`UPDATE ${d} SET escalated = 1 WHERE case_id = @caseId AND due_at <= @at`),
  };
}

type Statements = ReturnType<typeof statements>;

/** The clock changes of one event: which clocks stop, which start. */
function clocksOf(s: Statements, caseId: string, event: CaseEvent): void {
  const start = (clock: Clock, dueAt: string, departmentId = ''): void => {
    s.start.run({ caseId, clock, departmentId, dueAt: iso(dueAt) });
  };
  const stop = (clock: Clock): void => {
    s.stop.run({ caseId, clock });
  };
  const stopDepartment = (departmentId: string): void => {
    s.stopDepartment.run({ caseId, departmentId });
  };
  switch (event.type) {
    case 'CaseAccepted':
      stop('accept');
      start('resolve', event.data.resolveDueAt);
      return;
    case 'DepartmentsSummoned':
      for (const summons of event.data.summons) {
        stopDepartment(summons.departmentId);
        start('reportIn', summons.reportInDueAt, summons.departmentId);
      }
      return;
    case 'DepartmentReportedIn':
      stopDepartment(event.data.departmentId);
      start('respond', event.data.respondDueAt, event.data.departmentId);
      return;
    case 'DepartmentResponded':
    case 'SummonsDeclined':
    case 'SummonsReleased':
      stopDepartment(event.data.departmentId);
      return;
    case 'CaseResolved':
      stop('resolve');
      start('feedback', event.data.feedbackDueAt);
      return;
    case 'FeedbackGiven':
      stop('feedback');
      return;
    case 'CaseReopened':
      stop('feedback');
      start('resolve', event.data.resolveDueAt);
      return;
    case 'CaseClosed':
    case 'CaseRejected':
    case 'CaseWithdrawn':
    case 'CaseMerged':
      s.stopAll.run({ caseId });
      return;
    default:
      flagsOf(s, caseId, event);
      return;
  }
}

/** What the system has done about a clock that ran out, and the level escalation has brought the case to. */
function flagsOf(s: Statements, caseId: string, event: CaseEvent): void {
  if (event.type === 'SummonsOverdue') {
    const { clock, departmentId, dueAt } = event.data;
    s.markOverdue.run({ caseId, clock, departmentId, dueAt: iso(dueAt) });
  }
  if (event.type === 'CaseEscalated') {
    s.setLevel.run(event.data.toLevel, caseId);
    s.markEscalated.run({ caseId, at: iso(event.data.at) });
  }
}

const HANDLED: ReadonlySet<string> = new Set([
  'CaseSubmitted',
  'CaseAccepted',
  'CaseClosed',
  'CaseMerged',
  'CaseRejected',
  'CaseReopened',
  'CaseResolved',
  'CaseWithdrawn',
  'DepartmentReportedIn',
  'DepartmentResponded',
  'DepartmentsSummoned',
  'FeedbackGiven',
  'SummonsDeclined',
  'SummonsReleased',
  'CaseEscalated',
  'SummonsOverdue',
]);

function prepare(db: Database.Database, t: Names): (event: StoredEvent) => void {
  const s = statements(db, t);
  return perCaseApplier({
    handled: HANDLED,
    lastPosition: (caseId) => s.caseRow.get(caseId)?.last_position,
    touch: (caseId, position) => s.touch.run(position, caseId),
    submitted: (caseId, data, stored) => {
      s.addCase.run({ caseId, level: data.level, position: stored.position });
      s.start.run({ caseId, clock: 'accept', departmentId: '', dueAt: iso(data.acceptDueAt) });
    },
    apply: (caseId, event) => clocksOf(s, caseId, event),
  });
}

export const deadlinesProjection: Projection<Table> = {
  name: 'deadlines',
  version: 2,
  tables: ['deadlines', 'deadline_cases'],
  create,
  prepare,
};
