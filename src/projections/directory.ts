// The directory as a read model: every org unit and department with its current name, for the
// directory lists and for checking an org unit against a caller's scope without reading streams.
import type Database from 'better-sqlite3';
import type { DirectoryEvent } from '../events/directory-events.js';
import type { StoredEvent } from '../events/event-store.js';
import type { Projection, TableNames } from './projection.js';

type Table = 'directory_org_units' | 'directory_departments';
type Names = TableNames<Table>;

function create(db: Database.Database, t: Names, tag: string): void {
  db.exec(`
    CREATE TABLE "${t.directory_org_units}" (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, parent_id TEXT, grid_type TEXT,
      last_position INTEGER NOT NULL
    );
    CREATE INDEX "${t.directory_org_units}_${tag}_parent" ON "${t.directory_org_units}" (parent_id);
    CREATE TABLE "${t.directory_departments}" (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, org_unit_id TEXT,
      last_position INTEGER NOT NULL
    );
  `);
}

function prepare(db: Database.Database, t: Names): (event: StoredEvent) => void {
  // Each row remembers the last position it took, so the same event applied twice changes nothing
  // (a replayed creation never undoes a later rename).
  const newer = 'WHERE id = @id AND last_position < @position';
  const statements = {
    OrgUnitCreated: db.prepare(
      `INSERT INTO "${t.directory_org_units}" (id, name, kind, parent_id, grid_type, last_position)
      VALUES (@id, @name, @kind, @parentId, @gridType, @position) ON CONFLICT (id) DO NOTHING`,
    ),
    OrgUnitRenamed: db.prepare(
      `UPDATE "${t.directory_org_units}" SET name = @name, last_position = @position ${newer}`,
    ),
    DepartmentCreated: db.prepare(
      `INSERT INTO "${t.directory_departments}" (id, name, kind, org_unit_id, last_position)
      VALUES (@id, @name, @kind, @orgUnitId, @position) ON CONFLICT (id) DO NOTHING`,
    ),
    DepartmentRenamed: db.prepare(
      `UPDATE "${t.directory_departments}" SET name = @name, last_position = @position ${newer}`,
    ),
  } satisfies Record<DirectoryEvent['type'], Database.Statement>;
  const byType: ReadonlyMap<string, Database.Statement> = new Map(Object.entries(statements));
  return (stored) => {
    const statement = byType.get(stored.type);
    if (!statement || !(stored.stream.startsWith('orgunit-') || stored.stream.startsWith('department-')))
      return;
    const data = stored.data as Record<string, unknown>;
    const params: Record<string, unknown> = { id: data.id, name: data.name, position: stored.position };
    for (const name of ['kind', 'parentId', 'gridType', 'orgUnitId']) {
      if (statement.source.includes(`@${name}`)) params[name] = data[name] ?? null;
    }
    statement.run(params);
  };
}

export const directoryProjection: Projection<Table> = {
  name: 'directory',
  version: 1,
  tables: ['directory_org_units', 'directory_departments'],
  create,
  prepare,
};

export interface OrgUnitRow {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly parentId?: string;
  readonly gridType?: string;
}

export interface DepartmentRow {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly orgUnitId?: string;
}

const LEVEL_ORDER =
  "CASE kind WHEN 'district' THEN 0 WHEN 'street' THEN 1 WHEN 'community' THEN 2 ELSE 3 END";

/** Every org unit, from the districts down to the grids. */
export function listOrgUnits(db: Database.Database): OrgUnitRow[] {
  const rows = db
    .prepare<
      [],
      { id: string; name: string; kind: string; parent_id: string | null; grid_type: string | null }
    >(`SELECT id, name, kind, parent_id, grid_type FROM directory_org_units ORDER BY ${LEVEL_ORDER}, id`)
    .all();
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    kind: row.kind,
    ...(row.parent_id ? { parentId: row.parent_id } : {}),
    ...(row.grid_type ? { gridType: row.grid_type } : {}),
  }));
}

export function listDepartments(db: Database.Database): DepartmentRow[] {
  const rows = db
    .prepare<[], { id: string; name: string; kind: string; org_unit_id: string | null }>(
      'SELECT id, name, kind, org_unit_id FROM directory_departments ORDER BY id',
    )
    .all();
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    kind: row.kind,
    ...(row.org_unit_id ? { orgUnitId: row.org_unit_id } : {}),
  }));
}

export function departmentExists(db: Database.Database, id: string): boolean {
  return db.prepare('SELECT 1 FROM directory_departments WHERE id = ?').get(id) !== undefined;
}

/** True when the org unit exists and lies in the subtree rooted at scope ('*' is everything). */
export function orgUnitWithin(db: Database.Database, orgUnitId: string, scope: string): boolean {
  const chain = db
    .prepare<[string], string>(
      `WITH RECURSIVE up (id, parent_id, depth) AS (
        SELECT id, parent_id, 0 FROM directory_org_units WHERE id = ?
        UNION ALL SELECT u.id, u.parent_id, up.depth + 1 FROM directory_org_units u
          JOIN up ON u.id = up.parent_id WHERE up.depth < 8
      ) SELECT id FROM up`,
    )
    .pluck()
    .all(orgUnitId);
  return chain.length > 0 && (scope === '*' || chain.includes(scope));
}
