// The case list: one row per case with what the list filters on (DESIGN.md §8), the departments it
// summoned, who may see it beyond scope (policy.ts canSee: submitter, parties with an account,
// participants, the court asked to confirm an agreement), and a full-text index over title,
// description and notes that works for Chinese (bigrams.ts).
import type Database from 'better-sqlite3';
import { decodeCaseEvent } from '../events/case-codec.js';
import type { CaseEvent } from '../events/case-events.js';
import type { StoredEvent } from '../events/event-store.js';
import { bigramDocument } from './bigrams.js';
import { caseIdOf, type Projection, type TableNames } from './projection.js';

type Table =
  | 'case_list'
  | 'case_list_departments'
  | 'case_list_access'
  | 'case_list_text'
  | 'case_list_org_units';
type Names = TableNames<Table>;

function create(db: Database.Database, t: Names, tag: string): void {
  db.exec(`
    CREATE TABLE "${t.case_list_org_units}" (id TEXT PRIMARY KEY, kind TEXT NOT NULL, parent_id TEXT);
    CREATE TABLE "${t.case_list}" (
      seq INTEGER PRIMARY KEY, case_id TEXT NOT NULL UNIQUE, status TEXT NOT NULL, kind TEXT NOT NULL,
      category TEXT NOT NULL, title TEXT NOT NULL, urgency TEXT NOT NULL, level TEXT NOT NULL,
      location_id TEXT NOT NULL, district_id TEXT, street_id TEXT, community_id TEXT, grid_id TEXT,
      handling_org_unit_id TEXT NOT NULL, assignee_id TEXT, overdue INTEGER NOT NULL DEFAULT 0,
      mass_incident_risk INTEGER NOT NULL DEFAULT 0, people_involved INTEGER,
      submitted_at TEXT NOT NULL, accepted_at TEXT, resolve_due_at TEXT, first_resolve_due_at TEXT,
      resolved_at TEXT, first_resolved_at TEXT, closed_at TEXT, reopen_count INTEGER NOT NULL DEFAULT 0,
      last_rating TEXT, revision INTEGER NOT NULL, last_position INTEGER NOT NULL, updated_at TEXT NOT NULL
    );
    CREATE TABLE "${t.case_list_departments}" (department_id TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (department_id, seq)) WITHOUT ROWID;
    CREATE TABLE "${t.case_list_access}" (
      seq INTEGER NOT NULL, slot TEXT NOT NULL, via TEXT NOT NULL, user_id TEXT, department_id TEXT,
      PRIMARY KEY (seq, slot)
    ) WITHOUT ROWID;
    CREATE INDEX "${t.case_list_access}_${tag}_user" ON "${t.case_list_access}" (user_id, via, seq);
    CREATE INDEX "${t.case_list_access}_${tag}_department" ON "${t.case_list_access}" (department_id, via, seq);
    CREATE VIRTUAL TABLE "${t.case_list_text}" USING fts5 (text, tokenize = 'unicode61', columnsize = 0);
  `);
  for (const column of [
    'status',
    'kind',
    'category',
    'district_id',
    'street_id',
    'community_id',
    'grid_id',
    'assignee_id',
  ]) {
    db.exec(`CREATE INDEX "${t.case_list}_${tag}_${column}" ON "${t.case_list}" (${column}, seq)`);
  }
  db.exec(`CREATE INDEX "${t.case_list}_${tag}_overdue" ON "${t.case_list}" (seq) WHERE overdue = 1`);
}

// Each text row's rowid is (case seq << 20) + the event's revision, so that the full-text index hands
// matches back newest case first and a search stops as soon as it has a page. Text of events past
// revision 2^20 (a million events in one case) is not indexed.
const TEXT_REVISIONS = 2 ** 20;
const textRowid = (seq: number, revision: number): bigint => (BigInt(seq) << 20n) | BigInt(revision);

interface TextIndex {
  run(seq: number, revision: number, text: string): void;
}

const LEVEL_COLUMNS: Readonly<Record<string, string>> = {
  district: 'district_id',
  street: 'street_id',
  community: 'community_id',
  grid: 'grid_id',
};

function prepare(db: Database.Database, t: Names): (event: StoredEvent) => void {
  const addOrgUnit = db.prepare(
    `INSERT OR REPLACE INTO "${t.case_list_org_units}" (id, kind, parent_id) VALUES (?, ?, ?)`,
  );
  const orgUnit = db.prepare<[string], { id: string; kind: string; parent_id: string | null }>(
    `SELECT id, kind, parent_id FROM "${t.case_list_org_units}" WHERE id = ?`,
  );
  const insertCase =
    db.prepare(`INSERT INTO "${t.case_list}" (seq, case_id, status, kind, category, title, urgency, level,
    location_id, district_id, street_id, community_id, grid_id, handling_org_unit_id, mass_incident_risk, people_involved,
    submitted_at, revision, last_position, updated_at)
    VALUES (@seq, @caseId, 'submitted', @kind, @category, @title, @urgency, @level, @location, @district_id, @street_id,
    @community_id, @grid_id, @location, @mass, @people, @at, @revision, @seq, @at)`);
  const rowOf = db.prepare<[string], { seq: number; last_position: number }>(
    `SELECT seq, last_position FROM "${t.case_list}" WHERE case_id = ?`,
  );
  const touch = db.prepare(
    `UPDATE "${t.case_list}" SET revision = ?, last_position = ?, updated_at = ? WHERE seq = ?`,
  );
  const insertText = db.prepare(`INSERT INTO "${t.case_list_text}" (rowid, text) VALUES (?, ?)`);
  const addText = {
    run: (seq: number, revision: number, text: string) => void insertText.run(textRowid(seq, revision), text),
  };
  const addDepartment = db.prepare(
    `INSERT OR IGNORE INTO "${t.case_list_departments}" (department_id, seq) VALUES (?, ?)`,
  );
  const access: Access = {
    grant: db.prepare(
      `INSERT OR REPLACE INTO "${t.case_list_access}" (seq, slot, via, user_id, department_id) VALUES (?, ?, ?, ?, ?)`,
    ),
    revoke: db.prepare(`DELETE FROM "${t.case_list_access}" WHERE seq = ? AND slot = ?`),
  };
  const set = (assignments: string) =>
    db.prepare(`UPDATE "${t.case_list}" SET ${assignments} WHERE seq = @seq`);
  const updates: Partial<Record<CaseEvent['type'], Database.Statement>> = {
    CaseAccepted: set(`status = 'accepted', accepted_at = @at, resolve_due_at = @resolveDueAt,
      first_resolve_due_at = coalesce(first_resolve_due_at, @resolveDueAt)`),
    CaseRejected: set(`status = 'rejected', overdue = 0, closed_at = @at`),
    CaseAssigned: set('assignee_id = @assigneeId'),
    SummonsOverdue: set('overdue = 1'),
    CaseEscalated: set(
      'handling_org_unit_id = @toOrgUnitId, level = @toLevel, overdue = CASE WHEN @triggered THEN 1 ELSE overdue END',
    ),
    CaseResolved: set(
      `status = 'resolved', overdue = 0, resolved_at = @at, first_resolved_at = coalesce(first_resolved_at, @at)`,
    ),
    FeedbackGiven: set('last_rating = @rating'),
    CaseReopened:
      set(`status = 'accepted', resolved_at = NULL, closed_at = NULL, resolve_due_at = @resolveDueAt,
      reopen_count = reopen_count + 1`),
    CaseClosed: set(`status = 'closed', overdue = 0, closed_at = @at`),
    CaseWithdrawn: set(`status = 'withdrawn', overdue = 0, closed_at = @at`),
    CaseMerged: set(`status = 'merged', overdue = 0, closed_at = @at`),
  };

  const ancestry = (id: string): Record<string, string | null> => {
    const columns: Record<string, string | null> = {
      district_id: null,
      street_id: null,
      community_id: null,
      grid_id: null,
    };
    for (
      let unit = orgUnit.get(id), hops = 0;
      unit && hops < 8;
      unit = unit.parent_id ? orgUnit.get(unit.parent_id) : undefined, hops += 1
    ) {
      const column = LEVEL_COLUMNS[unit.kind];
      if (column) columns[column] = unit.id;
    }
    return columns;
  };

  return (stored) => {
    if (stored.type === 'OrgUnitCreated') {
      const { id, kind, parentId } = stored.data as { id: string; kind: string; parentId?: string };
      addOrgUnit.run(id, kind, parentId ?? null);
      return;
    }
    const caseId = caseIdOf(stored.stream);
    if (!caseId) return;
    const row = rowOf.get(caseId);
    // The same event applied twice changes nothing: each row remembers the last position it took.
    if (row && stored.position <= row.last_position) return;
    const event = decodeCaseEvent(stored, { personalData: 'withhold' });
    if (event.type === 'CaseSubmitted') {
      const d = event.data;
      insertCase.run({
        seq: stored.position,
        caseId,
        kind: d.kind,
        category: d.category,
        title: d.title,
        urgency: d.urgency,
        level: d.level,
        location: d.location.orgUnitId,
        ...ancestry(d.location.orgUnitId),
        mass: d.massIncidentRisk ? 1 : 0,
        people: d.peopleInvolved ?? null,
        at: d.at,
        revision: stored.revision,
      });
      addText.run(stored.position, 0, bigramDocument(`${d.title}\n${d.description}`));
      applyAccess(event, stored.position, access);
      return;
    }
    if (!row) throw new Error(`case ${caseId} has events but no CaseSubmitted before them`);
    applyUpdate(event, row.seq, stored.revision, updates, { addText, addDepartment });
    applyAccess(event, row.seq, access);
    touch.run(stored.revision, stored.position, stored.recordedAt.toISOString(), row.seq);
  };
}

function applyUpdate(
  event: CaseEvent,
  seq: number,
  revision: number,
  updates: Partial<Record<CaseEvent['type'], Database.Statement>>,
  statements: { addText: TextIndex; addDepartment: Database.Statement },
): void {
  if (event.type === 'NoteAdded' && revision < TEXT_REVISIONS)
    statements.addText.run(seq, revision, bigramDocument(event.data.text));
  if (event.type === 'DepartmentsSummoned') {
    for (const summons of event.data.summons) statements.addDepartment.run(summons.departmentId, seq);
  }
  const update = updates[event.type];
  if (!update) return;
  const data = event.data as Record<string, unknown>;
  const params: Record<string, unknown> = { seq };
  for (const name of ['at', 'resolveDueAt', 'assigneeId', 'toOrgUnitId', 'toLevel', 'rating']) {
    if (update.source.includes(`@${name}`)) params[name] = data[name] ?? null;
  }
  if (update.source.includes('@triggered')) params.triggered = data.trigger ? 1 : 0;
  update.run(params);
}

interface Access {
  /** (seq, slot, via, user_id, department_id): one slot per way in, replaced as the case's state is. */
  grant: Database.Statement<[number, string, AccessVia, string | null, string | null]>;
  revoke: Database.Statement<[number, string]>;
}

/** How someone outside the case's scope may see it: case-list-query.ts reads these. */
export type AccessVia = 'submitter' | 'party' | 'participant' | 'court';

/**
 * Mirrors what policy.ts canSee reads from the case's state: who submitted it, the parties with an
 * account, the participants now on it (keyed by user, as the state is), and the court each agreement
 * asked for confirmation. Departments summoned are in case_list_departments.
 */
function applyAccess(event: CaseEvent, seq: number, access: Access): void {
  switch (event.type) {
    case 'CaseSubmitted':
      access.grant.run(seq, 'submitter', 'submitter', event.data.submittedBy.id, null);
      for (const party of event.data.parties) {
        if (party.userId) access.grant.run(seq, `party:${party.personId}`, 'party', party.userId, null);
      }
      return;
    case 'ParticipantJoined': {
      const { userId, departmentId } = event.data;
      access.grant.run(seq, `participant:${userId}`, 'participant', userId, departmentId ?? null);
      return;
    }
    case 'ParticipantLeft':
      access.revoke.run(seq, `participant:${event.data.userId}`);
      return;
    case 'JudicialConfirmationRequested':
      access.grant.run(seq, `court:${event.data.agreementId}`, 'court', null, event.data.courtId);
      return;
    default:
      return;
  }
}

export const caseListProjection: Projection<Table> = {
  name: 'case-list',
  version: 4,
  tables: ['case_list', 'case_list_departments', 'case_list_access', 'case_list_text', 'case_list_org_units'],
  create,
  prepare,
};
