// Statistics: one row of facts per case, the raw material of the resolution and satisfaction rates of
// DESIGN.md §7. Rates are not stored: whether a target has passed depends on when one asks, so
// statistics-query.ts computes them at query time from these facts and the department queues.
import type Database from 'better-sqlite3';
import type { CaseEvent } from '../events/case-events.js';
import type { StoredEvent } from '../events/event-store.js';
import { ancestryOf } from './department-queues.js';
import { perCaseApplier } from './per-case.js';
import type { Projection, TableNames } from './projection.js';

type Table = 'case_facts' | 'case_facts_org_units';
type Names = TableNames<Table>;

function create(db: Database.Database, t: Names, tag: string): void {
  db.exec(`
    CREATE TABLE "${t.case_facts_org_units}" (id TEXT PRIMARY KEY, kind TEXT NOT NULL, parent_id TEXT);
    CREATE TABLE "${t.case_facts}" (
      case_id TEXT PRIMARY KEY, category TEXT NOT NULL, urgency TEXT NOT NULL,
      district_id TEXT, street_id TEXT, community_id TEXT, grid_id TEXT,
      submitted_at TEXT NOT NULL, accepted_at TEXT, first_resolve_due_at TEXT,
      first_resolved_at TEXT, resolved_at TEXT, reopen_count INTEGER NOT NULL DEFAULT 0,
      latest_rating TEXT, rated_resolution_at TEXT, ended_at TEXT, last_position INTEGER NOT NULL
    );
    CREATE INDEX "${t.case_facts}_${tag}_accepted_at" ON "${t.case_facts}" (accepted_at);
    CREATE INDEX "${t.case_facts}_${tag}_first_resolved_at" ON "${t.case_facts}" (first_resolved_at);
    CREATE INDEX "${t.case_facts}_${tag}_rated_resolution_at" ON "${t.case_facts}" (rated_resolution_at);
  `);
}

/** Instants are compared as text: one canonical form (UTC, milliseconds) keeps that sound for every event. */
const iso = (instant: string): string => new Date(instant).toISOString();

function statements(db: Database.Database, t: Names) {
  const set = (assignments: string) =>
    db.prepare(`UPDATE "${t.case_facts}" SET ${assignments} WHERE case_id = @caseId`);
  return {
    addOrgUnit: db.prepare(
      `INSERT OR REPLACE INTO "${t.case_facts_org_units}" (id, kind, parent_id) VALUES (?, ?, ?)`,
    ),
    orgUnit: db.prepare<[string], { id: string; kind: string; parent_id: string | null }>(
      `SELECT id, kind, parent_id FROM "${t.case_facts_org_units}" WHERE id = ?`,
    ),
    caseRow: db.prepare<[string], { last_position: number }>(
      `SELECT last_position FROM "${t.case_facts}" WHERE case_id = ?`,
    ),
    addCase: db.prepare(`INSERT INTO "${t.case_facts}" (case_id, category, urgency, district_id, street_id,
      community_id, grid_id, submitted_at, last_position) VALUES (@caseId, @category, @urgency, @district_id,
      @street_id, @community_id, @grid_id, @at, @position)`),
    touch: db.prepare(`UPDATE "${t.case_facts}" SET last_position = ? WHERE case_id = ?`),
    accepted: set('accepted_at = @at, first_resolve_due_at = @dueAt'),
    // The resolution rate measures the first target against the first resolution: a reopened case
    // gets a fresh clock (CaseReopened.resolveDueAt), but it already failed the rate when it came back.
    resolved: set('resolved_at = @at, first_resolved_at = coalesce(first_resolved_at, @at)'),
    // A rating is about the resolution just before it; the satisfaction rate files it under that one.
    rated: set('latest_rating = @rating, rated_resolution_at = resolved_at'),
    reopened: set('reopen_count = reopen_count + 1, resolved_at = NULL'),
    ended: set('ended_at = @at'),
  };
}

type Statements = ReturnType<typeof statements>;

function applyCaseEvent(s: Statements, caseId: string, event: CaseEvent): void {
  switch (event.type) {
    case 'CaseAccepted':
      s.accepted.run({ caseId, at: iso(event.data.at), dueAt: iso(event.data.resolveDueAt) });
      return;
    case 'CaseResolved':
      s.resolved.run({ caseId, at: iso(event.data.at) });
      return;
    case 'FeedbackGiven':
      s.rated.run({ caseId, rating: event.data.rating });
      return;
    case 'CaseReopened':
      s.reopened.run({ caseId });
      return;
    // A case that ends unresolved stops its resolution target: it is no failure after it ended.
    case 'CaseRejected':
    case 'CaseWithdrawn':
    case 'CaseMerged':
      s.ended.run({ caseId, at: iso(event.data.at) });
      return;
    default:
      return;
  }
}

const HANDLED: ReadonlySet<string> = new Set([
  'OrgUnitCreated',
  'CaseSubmitted',
  'CaseAccepted',
  'CaseMerged',
  'CaseRejected',
  'CaseReopened',
  'CaseResolved',
  'CaseWithdrawn',
  'FeedbackGiven',
]);

function prepare(db: Database.Database, t: Names): (event: StoredEvent) => void {
  const s = statements(db, t);
  return perCaseApplier({
    handled: HANDLED,
    lastPosition: (caseId) => s.caseRow.get(caseId)?.last_position,
    touch: (caseId, position) => s.touch.run(position, caseId),
    orgUnitCreated: (id, kind, parentId) => s.addOrgUnit.run(id, kind, parentId),
    submitted: (caseId, data, stored) => {
      const { category, urgency, location, at } = data;
      const ancestry = ancestryOf(s.orgUnit, location.orgUnitId);
      s.addCase.run({ caseId, category, urgency, ...ancestry, at: iso(at), position: stored.position });
    },
    apply: (caseId, event) => applyCaseEvent(s, caseId, event),
  });
}

export const statisticsProjection: Projection<Table> = {
  name: 'statistics',
  version: 1,
  tables: ['case_facts', 'case_facts_org_units'],
  create,
  prepare,
};
