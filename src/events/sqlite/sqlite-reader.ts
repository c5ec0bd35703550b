// Reads from the embedded log with prepared statements in raw (array) mode, the fastest way
// better-sqlite3 hands rows over, decoding JSON once per event.
import type Database from 'better-sqlite3';
import type { JsonObject, ReadStreamOptions, StoredEvent } from '../event-store.js';

const STREAM_PAGE = 500;

// position, revision, id, type, data, metadata, recorded_at[, stream name]
type Row = [number, number, string, string, string, string, number, string?];

export class SqliteReader {
  private readonly streamIdOf: Database.Statement<[string], { id: number }>;
  private readonly ids = new Map<string, number>();
  private readonly forwards: Database.Statement<[number, number, number], Row>;
  private readonly backwards: Database.Statement<[number, number, number], Row>;
  private readonly after: Database.Statement<[number, number], Row>;
  private readonly head: Database.Statement<[], { position: number | null }>;

  constructor(db: Database.Database) {
    const columns = 'position, revision, id, type, data, metadata, recorded_at';
    this.streamIdOf = db.prepare('SELECT id FROM streams WHERE name = ?');
    this.forwards = db
      .prepare(
        `SELECT ${columns} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`,
      )
      .raw() as unknown as Database.Statement<[number, number, number], Row>;
    this.backwards = db
      .prepare(
        `SELECT ${columns} FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
      )
      .raw() as unknown as Database.Statement<[number, number, number], Row>;
    this.after = db
      .prepare(
        `SELECT e.position, e.revision, e.id, e.type, e.data, e.metadata, e.recorded_at, s.name
         FROM events e JOIN streams s ON s.id = e.stream_id
         WHERE e.position > ? ORDER BY e.position LIMIT ?`,
      )
      .raw() as unknown as Database.Statement<[number, number], Row>;
    this.head = db.prepare('SELECT max(position) AS position FROM events');
  }

  /** Stream ids never change once given, so each is looked up once. */
  streamId(stream: string): number | undefined {
    const known = this.ids.get(stream);
    if (known !== undefined) return known;
    const id = this.streamIdOf.get(stream)?.id;
    if (id !== undefined) {
      if (this.ids.size >= 100_000) this.ids.clear();
      this.ids.set(stream, id);
    }
    return id;
  }

  *streamPages(stream: string, streamId: number, options: ReadStreamOptions): Generator<StoredEvent> {
    const backwards = options.direction === 'backwards';
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    let from = options.fromRevision ?? (backwards ? Number.MAX_SAFE_INTEGER : 0);
    while (remaining > 0) {
      const limit = Math.min(remaining, STREAM_PAGE);
      const rows = (backwards ? this.backwards : this.forwards).all(streamId, from, limit);
      for (const row of rows) yield decode(row, stream);
      if (rows.length < limit) return;
      remaining -= rows.length;
      from = rows.at(-1)![1] + (backwards ? -1 : 1);
    }
  }

  allAfter(after: number, limit: number): StoredEvent[] {
    return this.after.all(after, limit).map((row) => decode(row, row[7]!));
  }

  headPosition(): number | undefined {
    return this.head.get()?.position ?? undefined;
  }
}

function decode(row: Row, stream: string): StoredEvent {
  return {
    position: row[0],
    revision: row[1],
    id: row[2],
    type: row[3],
    data: JSON.parse(row[4]) as JsonObject,
    metadata: JSON.parse(row[5]) as JsonObject,
    recordedAt: new Date(row[6]),
    stream,
  };
}
