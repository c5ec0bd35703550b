// Queries on the case list: every filter of DESIGN.md §8, newest first, with an opaque cursor.
import type Database from 'better-sqlite3';
import { bigramQuery } from './bigrams.js';

export interface CaseListFilter {
  readonly status?: string;
  readonly kind?: string;
  readonly category?: string;
  /** The case lies in this org unit's subtree. */
  readonly orgUnit?: string;
  /** The caller's scope: another subtree the case must also lie in. */
  readonly scope?: string;
  readonly department?: string;
  readonly assignee?: string;
  readonly overdue?: boolean;
  /** Full-text search over title, description and notes (Chinese works: character-pair index). */
  readonly q?: string;
  /** Who asks, when they see cases by their ties to them rather than by scope (policy.ts canSee). */
  readonly viewer?: Viewer;
}

/**
 * A person (a resident) sees the cases they submitted or are a party to. A liaison sees the cases its
 * department was summoned to, those it or its department takes part in, and, for a court, those
 * whose agreement asked it for judicial confirmation.
 */
export type Viewer =
  | { readonly kind: 'person'; readonly userId: string }
  | { readonly kind: 'liaison'; readonly userId: string; readonly departmentId?: string };

export interface CaseListItem {
  readonly caseId: string;
  readonly status: string;
  readonly kind: string;
  readonly category: string;
  readonly title: string;
  readonly urgency: string;
  readonly level: string;
  readonly orgUnitId: string;
  readonly handlingOrgUnitId: string;
  readonly assigneeId: string | null;
  readonly overdue: boolean;
  readonly massIncidentRisk: boolean;
  readonly submittedAt: string;
  readonly updatedAt: string;
  readonly revision: number;
}

export interface CaseListPage {
  readonly items: CaseListItem[];
  readonly nextCursor: string | null;
}

export class InvalidCursorError extends Error {
  readonly code = 'invalid_cursor';
  constructor() {
    super('the cursor is not one this service gave out');
    this.name = 'InvalidCursorError';
  }
}

const LEVEL_COLUMNS: Readonly<Record<string, string>> = {
  district: 'district_id',
  street: 'street_id',
  community: 'community_id',
  grid: 'grid_id',
};

export const encodeCursor = (seq: number): string => Buffer.from(`s${seq}`).toString('base64url');

function decodeCursor(cursor: string): number {
  const match = /^s(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new InvalidCursorError();
  return Number(match[1]);
}

/** The column and value that put a case inside an org unit's subtree; an unknown unit matches nothing. */
function subtree(db: Database.Database, orgUnitId: string): [string, string] {
  const unit = db.prepare('SELECT kind FROM case_list_org_units WHERE id = ?').get(orgUnitId) as
    | { kind: string }
    | undefined;
  const column = unit && LEVEL_COLUMNS[unit.kind];
  return column ? [`c.${column} = ?`, orgUnitId] : ['0', ''];
}

function conditions(db: Database.Database, filter: CaseListFilter): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const equal = (column: string, value: string | undefined): void => {
    if (value === undefined) return;
    where.push(`c.${column} = ?`);
    params.push(value);
  };
  equal('status', filter.status);
  equal('kind', filter.kind);
  equal('category', filter.category);
  equal('assignee_id', filter.assignee);
  for (const unit of [filter.orgUnit, filter.scope]) {
    if (unit === undefined || unit === '*') continue;
    const [clause, value] = subtree(db, unit);
    where.push(clause);
    if (clause !== '0') params.push(value);
  }
  if (filter.overdue !== undefined) where.push(filter.overdue ? 'c.overdue = 1' : 'c.overdue = 0');
  if (filter.department !== undefined) {
    where.push('c.seq IN (SELECT seq FROM case_list_departments WHERE department_id = ?)');
    params.push(filter.department);
  }
  if (filter.viewer !== undefined) {
    const [clause, values] = viewerClause(filter.viewer);
    where.push(clause);
    params.push(...values);
  }
  return { where, params };
}

function viewerClause(viewer: Viewer): [string, unknown[]] {
  if (viewer.kind === 'person') {
    return [
      `c.seq IN (SELECT seq FROM case_list_access WHERE user_id = ? AND via IN ('submitter', 'party'))`,
      [viewer.userId],
    ];
  }
  const byUser = `c.seq IN (SELECT seq FROM case_list_access WHERE user_id = ? AND via = 'participant')`;
  if (viewer.departmentId === undefined) return [byUser, [viewer.userId]];
  return [
    `(${byUser}
      OR c.seq IN (SELECT seq FROM case_list_departments WHERE department_id = ?)
      OR c.seq IN (SELECT seq FROM case_list_access WHERE department_id = ? AND via IN ('participant', 'court')))`,
    [viewer.userId, viewer.departmentId, viewer.departmentId],
  ];
}

/** Of these cases, the ones located in the org unit's subtree ('*' is everything). */
export function casesWithin(db: Database.Database, caseIds: readonly string[], scope: string): Set<string> {
  if (caseIds.length === 0) return new Set();
  const unique = [...new Set(caseIds)];
  if (scope === '*') return new Set(unique);
  const found = db
    .prepare<[string, string], string>(
      `SELECT case_id FROM case_list WHERE case_id IN (SELECT value FROM json_each(?))
        AND ? IN (district_id, street_id, community_id, grid_id)`,
    )
    .pluck()
    .all(JSON.stringify(unique), scope);
  return new Set(found);
}

export function listCases(
  db: Database.Database,
  filter: CaseListFilter,
  page: { cursor?: string; limit: number },
): CaseListPage {
  const before = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  const rows =
    filter.q === undefined
      ? byFilters(db, filter, before, page.limit + 1)
      : bySearch(db, filter, before, page.limit + 1);
  const more = rows.length > page.limit;
  const items = rows.slice(0, page.limit).map(toItem);
  const last = rows[page.limit - 1];
  return { items, nextCursor: more && last ? encodeCursor(last.seq as number) : null };
}

type Row = Record<string, unknown>;

function byFilters(
  db: Database.Database,
  filter: CaseListFilter,
  before: number | undefined,
  limit: number,
): Row[] {
  const { where, params } = conditions(db, filter);
  if (before !== undefined) {
    where.push('c.seq < ?');
    params.push(before);
  }
  const sql = `SELECT c.* FROM case_list c ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY c.seq DESC LIMIT ?`;
  return db.prepare(sql).all(...params, limit) as Row[];
}

const SEARCH_PAGE = 256;

/**
 * Full-text matches come back newest case first (see the rowid layout in case-list.ts), so a search
 * walks them page by page, keeps the cases that pass the other filters, and stops when it has enough.
 */
function bySearch(
  db: Database.Database,
  filter: CaseListFilter,
  before: number | undefined,
  limit: number,
): Row[] {
  const match = bigramQuery(filter.q ?? '');
  if (!match) return [];
  const { where, params } = conditions(db, { ...filter, q: undefined });
  const matches = db
    .prepare(
      'SELECT rowid FROM case_list_text WHERE case_list_text MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?',
    )
    .safeIntegers(true) as Database.Statement<[string, bigint, number], { rowid: bigint }>;
  const found: Row[] = [];
  const seen = new Set<number>();
  let upper = before === undefined ? 2n ** 63n - 1n : BigInt(before) << 20n;
  while (found.length < limit) {
    const batch = matches.all(match, upper, SEARCH_PAGE);
    if (batch.length === 0) break;
    upper = batch.at(-1)!.rowid;
    const seqs = [...new Set(batch.map((row) => Number(row.rowid >> 20n)))].filter((seq) => !seen.has(seq));
    for (const seq of seqs) seen.add(seq);
    if (seqs.length === 0) continue;
    const sql = `SELECT c.* FROM case_list c WHERE c.seq IN (${seqs.map(() => '?').join(',')})${where.length ? ` AND ${where.join(' AND ')}` : ''} ORDER BY c.seq DESC`;
    found.push(...(db.prepare(sql).all(...seqs, ...params) as Row[]));
  }
  return found.slice(0, limit);
}

export function getCaseRow(db: Database.Database, caseId: string): CaseListItem | undefined {
  const row = db.prepare('SELECT * FROM case_list WHERE case_id = ?').get(caseId) as
    | Record<string, unknown>
    | undefined;
  return row && toItem(row);
}

function toItem(row: Row): CaseListItem {
  return {
    caseId: row.case_id as string,
    status: row.status as string,
    kind: row.kind as string,
    category: row.category as string,
    title: row.title as string,
    urgency: row.urgency as string,
    level: row.level as string,
    orgUnitId: row.location_id as string,
    handlingOrgUnitId: row.handling_org_unit_id as string,
    assigneeId: (row.assignee_id as string | null) ?? null,
    overdue: row.overdue === 1,
    massIncidentRisk: row.mass_incident_risk === 1,
    submittedAt: row.submitted_at as string,
    updatedAt: row.updated_at as string,
    revision: row.revision as number,
  };
}
