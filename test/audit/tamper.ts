// What an attacker with the database file can do, done with better-sqlite3 directly on the file the
// store keeps (while it is open, as a second process would): change bytes, delete rows, swap them, or
// rewrite a whole stream with a consistently recomputed chain.
import Database from 'better-sqlite3';
import type { JsonObject } from '../../src/events/event-store.js';
import { eventHash } from '../../src/events/hash-chain.js';

export interface Row {
  readonly position: number;
  readonly revision: number;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

function withDb<T>(file: string, change: (db: Database.Database) => T): T {
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  try {
    return change(db);
  } finally {
    db.close();
  }
}

const ROWS = `SELECT e.position, e.revision, e.type, e.data, e.metadata FROM events e
  JOIN streams s ON s.id = e.stream_id WHERE s.name = ?`;

export function rowsOf(file: string, stream: string): Row[] {
  return withDb(file, (db) => db.prepare<[string], Row>(`${ROWS} ORDER BY e.revision`).all(stream));
}

export function rowAt(file: string, stream: string, revision: number): Row {
  const row = rowsOf(file, stream).find((r) => r.revision === revision);
  if (!row) throw new Error(`${stream} has no revision ${revision}`);
  return row;
}

export function setData(file: string, position: number, data: string): void {
  withDb(file, (db) => {
    const changed = db.prepare('UPDATE events SET data = ? WHERE position = ?').run(data, position).changes;
    if (changed !== 1) throw new Error(`no event at position ${position}`);
  });
}

/** Changes one byte of an event's stored data: the first `from` character becomes `to` (both ASCII). */
export function changeOneByte(
  file: string,
  stream: string,
  revision: number,
  from: string,
  to: string,
): void {
  const row = rowAt(file, stream, revision);
  const at = row.data.indexOf(from);
  if (at < 0 || from.length !== 1 || to.length !== 1) throw new Error(`no ${from} to change in ${row.data}`);
  setData(file, row.position, `${row.data.slice(0, at)}${to}${row.data.slice(at + 1)}`);
}

export function deleteEvent(file: string, stream: string, revision: number): void {
  const { position } = rowAt(file, stream, revision);
  withDb(file, (db) => db.prepare('DELETE FROM events WHERE position = ?').run(position));
}

export function swapData(file: string, stream: string, a: number, b: number): void {
  const first = rowAt(file, stream, a);
  const second = rowAt(file, stream, b);
  setData(file, first.position, second.data);
  setData(file, second.position, first.data);
}

/** Edits every event's data and recomputes each prevHash and hash, so that the chain verifies again. */
export function rewriteStream(file: string, stream: string, edit: (data: JsonObject) => JsonObject): void {
  const rows = rowsOf(file, stream);
  withDb(file, (db) => {
    const update = db.prepare('UPDATE events SET data = ?, metadata = ? WHERE position = ?');
    let prevHash = '0'.repeat(64);
    db.transaction(() => {
      for (const row of rows) {
        const data = edit(JSON.parse(row.data) as JsonObject);
        const metadata = { ...(JSON.parse(row.metadata) as JsonObject), prevHash };
        const hash = eventHash({ stream, revision: row.revision, type: row.type, data, metadata });
        update.run(JSON.stringify(data), JSON.stringify({ ...metadata, hash }), row.position);
        prevHash = hash;
      }
    })();
  });
}

/** Edits one event's data and recomputes its own hash, but not its successor's prevHash. */
export function rehashOne(
  file: string,
  stream: string,
  revision: number,
  edit: (data: JsonObject) => JsonObject,
): void {
  const row = rowAt(file, stream, revision);
  const data = edit(JSON.parse(row.data) as JsonObject);
  const metadata = JSON.parse(row.metadata) as JsonObject;
  const hash = eventHash({ stream, revision, type: row.type, data, metadata });
  withDb(file, (db) =>
    db
      .prepare('UPDATE events SET data = ?, metadata = ? WHERE position = ?')
      .run(JSON.stringify(data), JSON.stringify({ ...metadata, hash }), row.position),
  );
}
