// Department queues: one row per summons round (吹哨 → 报到 → 反馈), with its deadlines and the case's
// category, urgency and location ancestry, so that a department's queue and the response-rate statistics
// are one indexed read. 事不完、人不撤: a row stays open until its department responds or is let go.
import type Database from 'better-sqlite3';
import type { CaseEvent } from '../events/case-events.js';
import type { StoredEvent } from '../events/event-store.js';
import { perCaseApplier } from './per-case.js';
import type { Projection, TableNames } from './projection.js';

type Table = 'summons_queue' | 'summons_queue_cases' | 'summons_queue_org_units';
type Names = TableNames<Table>;

export type QueueStatus = 'pending' | 'reportedIn' | 'responded' | 'declined' | 'released';

function create(db: Database.Database, t: Names, tag: string): void {
  db.exec(`
    CREATE TABLE "${t.summons_queue_org_units}" (id TEXT PRIMARY KEY, kind TEXT NOT NULL, parent_id TEXT);
    CREATE TABLE "${t.summons_queue_cases}" (
      case_id TEXT PRIMARY KEY, category TEXT NOT NULL, urgency TEXT NOT NULL,
      district_id TEXT, street_id TEXT, community_id TEXT, grid_id TEXT, last_position INTEGER NOT NULL
    );
    CREATE TABLE "${t.summons_queue}" (
      case_id TEXT NOT NULL, department_id TEXT NOT NULL, round INTEGER NOT NULL, department_kind TEXT NOT NULL,
      status TEXT NOT NULL, summoned_at TEXT NOT NULL, report_in_due_at TEXT NOT NULL, reported_in_at TEXT,
      respond_due_at TEXT, closed_at TEXT,
      overdue_report_in INTEGER NOT NULL DEFAULT 0, overdue_respond INTEGER NOT NULL DEFAULT 0,
      category TEXT NOT NULL, urgency TEXT NOT NULL,
      district_id TEXT, street_id TEXT, community_id TEXT, grid_id TEXT,
      PRIMARY KEY (case_id, department_id, round)
    ) WITHOUT ROWID;
    CREATE INDEX "${t.summons_queue}_${tag}_department_status" ON "${t.summons_queue}" (department_id, status);
    CREATE INDEX "${t.summons_queue}_${tag}_summoned_at" ON "${t.summons_queue}" (summoned_at);
  `);
}

const LEVEL_COLUMNS: Readonly<Record<string, string>> = {
  district: 'district_id',
  street: 'street_id',
  community: 'community_id',
  grid: 'grid_id',
};

/** Instants are compared as text: one canonical form (UTC, milliseconds) keeps that sound for every event. */
const iso = (instant: string): string => new Date(instant).toISOString();

/** Walks up from an org unit and fills the column of each level it passes. */
export function ancestryOf(
  orgUnit: Database.Statement<[string], { id: string; kind: string; parent_id: string | null }>,
  id: string,
): Record<string, string | null> {
  const columns: Record<string, string | null> = {
    district_id: null,
    street_id: null,
    community_id: null,
    grid_id: null,
  };
  // The hop limit guards against a parent cycle in a hand-edited directory.
  for (let unit = orgUnit.get(id), hops = 0; unit && hops < 8; hops += 1) {
    const column = LEVEL_COLUMNS[unit.kind];
    if (column) columns[column] = unit.id;
    unit = unit.parent_id ? orgUnit.get(unit.parent_id) : undefined;
  }
  return columns;
}

function statements(db: Database.Database, t: Names) {
  const q = `"${t.summons_queue}"`;
  // Events name a department, not a round: they act on its latest round, as the case's state does.
  const latest = `case_id = @caseId AND department_id = @departmentId
    AND round = (SELECT max(round) FROM ${q} WHERE case_id = @caseId AND department_id = @departmentId)`;
  const close = (status: QueueStatus) =>
    db.prepare(`UPDATE ${q} SET status = '${status}', closed_at = @at WHERE ${latest}`);
  return {
    addOrgUnit: db.prepare(
      `INSERT OR REPLACE INTO "${t.summons_queue_org_units}" (id, kind, parent_id) VALUES (?, ?, ?)`,
    ),
    orgUnit: db.prepare<[string], { id: string; kind: string; parent_id: string | null }>(
      `SELECT id, kind, parent_id FROM "${t.summons_queue_org_units}" WHERE id = ?`,
    ),
    caseRow: db.prepare<[string], { last_position: number }>(
      `SELECT last_position FROM "${t.summons_queue_cases}" WHERE case_id = ?`,
    ),
    addCase: db.prepare(`INSERT INTO "${t.summons_queue_cases}" (case_id, category, urgency, district_id,
      street_id, community_id, grid_id, last_position) VALUES (@caseId, @category, @urgency, @district_id,
      @street_id, @community_id, @grid_id, @position)`),
    touch: db.prepare(`UPDATE "${t.summons_queue_cases}" SET last_position = ? WHERE case_id = ?`),
    // A department summoned again after missing its report-in clock leaves its earlier round behind.
    supersede: db.prepare(`UPDATE ${q} SET status = 'released', closed_at = @at
      WHERE case_id = @caseId AND department_id = @departmentId AND status IN ('pending', 'reportedIn')`),
    summon: db.prepare(`INSERT INTO ${q} (case_id, department_id, round, department_kind, status, summoned_at,
      report_in_due_at, category, urgency, district_id, street_id, community_id, grid_id)
      SELECT case_id, @departmentId, @round, @departmentKind, 'pending', @at, @reportInDueAt, category, urgency,
      district_id, street_id, community_id, grid_id FROM "${t.summons_queue_cases}" WHERE case_id = @caseId`),
    reportIn: db.prepare(`UPDATE ${q} SET status = 'reportedIn', reported_in_at = @at,
      respond_due_at = @respondDueAt WHERE ${latest}`),
    respond: close('responded'),
    decline: close('declined'),
    release: close('released'),
    overdue: db.prepare(`UPDATE ${q} SET overdue_report_in = overdue_report_in OR @reportIn,
      overdue_respond = overdue_respond OR @respond
      WHERE case_id = @caseId AND department_id = @departmentId AND round = @round`),
    releaseAll: db.prepare(`UPDATE ${q} SET status = 'released', closed_at = @at
      WHERE case_id = @caseId AND status IN ('pending', 'reportedIn')`),
  };
}

type Statements = ReturnType<typeof statements>;

function applyCaseEvent(s: Statements, caseId: string, event: CaseEvent): void {
  switch (event.type) {
    case 'DepartmentsSummoned': {
      const at = iso(event.data.at);
      for (const { departmentId, departmentKind, round, reportInDueAt } of event.data.summons) {
        s.supersede.run({ caseId, departmentId, at });
        s.summon.run({ caseId, departmentId, departmentKind, round, at, reportInDueAt: iso(reportInDueAt) });
      }
      return;
    }
    case 'DepartmentReportedIn': {
      const { departmentId, at, respondDueAt } = event.data;
      s.reportIn.run({ caseId, departmentId, at: iso(at), respondDueAt: iso(respondDueAt) });
      return;
    }
    case 'DepartmentResponded':
    case 'SummonsDeclined':
    case 'SummonsReleased': {
      const statement = {
        DepartmentResponded: s.respond,
        SummonsDeclined: s.decline,
        SummonsReleased: s.release,
      };
      statement[event.type].run({ caseId, departmentId: event.data.departmentId, at: iso(event.data.at) });
      return;
    }
    case 'SummonsOverdue': {
      const { departmentId, round, clock } = event.data;
      s.overdue.run({
        caseId,
        departmentId,
        round,
        reportIn: +(clock === 'reportIn'),
        respond: +(clock === 'respond'),
      });
      return;
    }
    // Nobody stays summoned to a case that ended without being resolved (state.ts releaseOpenSummons).
    case 'CaseWithdrawn':
    case 'CaseMerged':
      s.releaseAll.run({ caseId, at: iso(event.data.at) });
      return;
    default:
      return;
  }
}

const HANDLED: ReadonlySet<string> = new Set([
  'OrgUnitCreated',
  'CaseSubmitted',
  'CaseMerged',
  'CaseWithdrawn',
  'DepartmentReportedIn',
  'DepartmentResponded',
  'DepartmentsSummoned',
  'SummonsDeclined',
  'SummonsOverdue',
  'SummonsReleased',
]);

function prepare(db: Database.Database, t: Names): (event: StoredEvent) => void {
  const s = statements(db, t);
  return perCaseApplier({
    handled: HANDLED,
    lastPosition: (caseId) => s.caseRow.get(caseId)?.last_position,
    touch: (caseId, position) => s.touch.run(position, caseId),
    orgUnitCreated: (id, kind, parentId) => s.addOrgUnit.run(id, kind, parentId),
    submitted: (caseId, data, stored) => {
      const { category, urgency, location } = data;
      const ancestry = ancestryOf(s.orgUnit, location.orgUnitId);
      s.addCase.run({ caseId, category, urgency, ...ancestry, position: stored.position });
    },
    apply: (caseId, event) => applyCaseEvent(s, caseId, event),
  });
}

export const departmentQueuesProjection: Projection<Table> = {
  name: 'department-queues',
  version: 1,
  tables: ['summons_queue', 'summons_queue_cases', 'summons_queue_org_units'],
  create,
  prepare,
};
