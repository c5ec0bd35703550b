// The read-model database: its own SQLite file (so that either event store can feed it), holding every
// projection's tables and the one checkpoint they share.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Projection, TableNames } from './projection.js';

const CHECKPOINT = 'read-models';

export class ReadModels {
  readonly db: Database.Database;
  private readonly getCheckpoint: Database.Statement<[string], { position: number }>;
  private readonly setCheckpoint: Database.Statement<[string, number, number]>;

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // Read models can always be rebuilt from the log; NORMAL keeps rows and checkpoint consistent.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    // Rebuilds and list queries touch many index pages: a 64 MiB page cache keeps them in memory.
    this.db.pragma('cache_size = -65536');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS projection_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL);
    `);
    this.getCheckpoint = this.db.prepare('SELECT position FROM checkpoints WHERE name = ?');
    this.setCheckpoint = this.db.prepare(
      'INSERT INTO checkpoints (name, position, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at',
    );
  }

  /** The position of the last event every read model has applied (0 when none). */
  checkpoint(): number {
    return this.getCheckpoint.get(CHECKPOINT)?.position ?? 0;
  }

  moveCheckpoint(position: number): void {
    this.setCheckpoint.run(CHECKPOINT, position, Date.now());
  }

  installedVersion(projection: Projection): number | undefined {
    const row = this.db
      .prepare('SELECT version FROM projection_versions WHERE name = ?')
      .get(projection.name) as { version: number } | undefined;
    return row?.version;
  }

  installedNames(): string[] {
    return (this.db.prepare('SELECT name FROM projection_versions').all() as { name: string }[]).map(
      (row) => row.name,
    );
  }

  recordVersion(projection: Projection): void {
    this.db
      .prepare(
        'INSERT INTO projection_versions (name, version) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET version = excluded.version',
      )
      .run(projection.name, projection.version);
  }

  close(): void {
    this.db.close();
  }
}

export const liveNames = <T extends string>(projection: Projection<T>): TableNames<T> =>
  Object.fromEntries(projection.tables.map((table) => [table, table])) as unknown as TableNames<T>;

export const rebuildNames = <T extends string>(projection: Projection<T>): TableNames<T> =>
  Object.fromEntries(
    projection.tables.map((table) => [table, `${table}__rebuild`]),
  ) as unknown as TableNames<T>;

export function dropTables(db: Database.Database, names: TableNames): void {
  for (const name of Object.values(names)) db.exec(`DROP TABLE IF EXISTS "${name}"`);
}
