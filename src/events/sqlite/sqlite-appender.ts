// Writes one append inside the current transaction: the expected-revision check, the idempotent-retry
// check and the inserts. Every check runs before the first write, so a refused append writes nothing.
import type Database from 'better-sqlite3';
import type { EncodedEvent } from '../append-validation.js';
import { ConcurrencyError, InvalidAppendError } from '../errors.js';
import type { AppendResult, ExpectedRevision } from '../event-store.js';

export interface PendingAppend {
  readonly stream: string;
  readonly expected: ExpectedRevision;
  readonly events: readonly EncodedEvent[];
}

interface StreamHead {
  readonly id: number;
  readonly revision: number;
}

const MAX_CACHED_HEADS = 50_000;

export class SqliteAppender {
  // Stream heads this connection has read or written. Only valid while no other connection has
  // committed: the store calls forgetIfChangedElsewhere() at the start of every write transaction.
  private readonly heads = new Map<string, StreamHead>();
  private dataVersion = -1;
  private readonly findStream: Database.Statement<[string], { id: number; revision: number | null }>;
  private readonly createStream: Database.Statement<[string], { id: number }>;
  private readonly findEvent: Database.Statement<[string], { stream_id: number; revision: number }>;
  private readonly idsFrom: Database.Statement<[number, number, number], { id: string; position: number }>;
  private readonly insertEvent: Database.Statement<[number, number, string, string, string, string, number]>;
  /** Prepared once: db.pragma() prepares its statement on every call, which showed under load. */
  private readonly dataVersionQuery: Database.Statement<[], number>;

  constructor(db: Database.Database) {
    this.findStream = db.prepare(
      'SELECT s.id, (SELECT max(revision) FROM events WHERE stream_id = s.id) AS revision FROM streams s WHERE name = ?',
    );
    this.createStream = db.prepare('INSERT INTO streams (name) VALUES (?) RETURNING id');
    this.findEvent = db.prepare('SELECT stream_id, revision FROM events WHERE id = ?');
    this.idsFrom = db.prepare(
      'SELECT id, position FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?',
    );
    this.dataVersionQuery = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.insertEvent = db.prepare(
      `INSERT INTO events (stream_id, revision, id, type, data, metadata, recorded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  private dataVersionNow(): number {
    return this.dataVersionQuery.get()!;
  }

  /** Call inside a write transaction, before any append. */
  forgetIfChangedElsewhere(): void {
    const version = this.dataVersionNow();
    if (version !== this.dataVersion || this.heads.size > MAX_CACHED_HEADS) this.heads.clear();
    this.dataVersion = version;
  }

  /** The head revision this connection last wrote or read, if no other connection has committed since. */
  knownRevision(stream: string): number | undefined {
    const cached = this.heads.get(stream);
    if (!cached) return undefined;
    return this.dataVersionNow() === this.dataVersion ? cached.revision : undefined;
  }

  /** After a rollback the cached heads may name revisions that were never committed. */
  forgetAll(): void {
    this.heads.clear();
  }

  append(pending: PendingAppend, recordedAt: number): AppendResult {
    const head = this.head(pending.stream);
    const { expected } = pending;
    if (!expectedHolds(expected, head)) {
      const retried = head && this.retried(pending, head);
      if (retried) return retried;
      throw new ConcurrencyError(pending.stream, expected, head ? head.revision : 'noStream');
    }
    // With 'any' or 'exists' a retry passes the revision check; its first event id gives it away.
    const retried = head && (expected === 'any' || expected === 'exists') && this.retried(pending, head);
    if (retried) return retried;
    const id = head?.id ?? this.createStream.get(pending.stream)!.id;
    let revision = head?.revision ?? -1;
    let position = 0;
    for (const event of pending.events) {
      revision += 1;
      const { data, metadata } = event;
      const info = this.insertEvent.run(id, revision, event.id, event.type, data, metadata, recordedAt);
      position = Number(info.lastInsertRowid);
    }
    this.heads.set(pending.stream, { id, revision });
    return { nextExpectedRevision: revision, position };
  }

  private head(stream: string): StreamHead | undefined {
    const cached = this.heads.get(stream);
    if (cached) return cached;
    const row = this.findStream.get(stream);
    if (!row || row.revision === null) return undefined;
    const head = { id: row.id, revision: row.revision };
    this.heads.set(stream, head);
    return head;
  }

  /** The first result, when these very events are already stored at a place the append allows. */
  private retried(pending: PendingAppend, head: StreamHead): AppendResult | undefined {
    const first = pending.events[0]!;
    const placed = this.findEvent.get(first.id);
    if (!placed) return undefined;
    const count = pending.events.length;
    const stored = placed.stream_id === head.id ? this.idsFrom.all(head.id, placed.revision, count) : [];
    const sameEvents = stored.length === count && stored.every((row, i) => row.id === pending.events[i]?.id);
    const { expected } = pending;
    const samePlace =
      typeof expected === 'number'
        ? placed.revision === expected + 1
        : expected !== 'noStream' || placed.revision === 0;
    if (sameEvents && samePlace) {
      return { nextExpectedRevision: placed.revision + count - 1, position: stored.at(-1)!.position };
    }
    if (sameEvents) throw new ConcurrencyError(pending.stream, expected, head.revision);
    throw new InvalidAppendError(
      'duplicate_event_id',
      `event ${first.id} is already stored elsewhere; an idempotent retry must repeat the same events in order`,
    );
  }
}

function expectedHolds(expected: ExpectedRevision, head: StreamHead | undefined): boolean {
  if (expected === 'any') return true;
  if (expected === 'noStream') return head === undefined;
  if (expected === 'exists') return head !== undefined;
  return head?.revision === expected;
}

/** SQLite's unique index caught an event id stored before (not a retry of the same append). */
export function isDuplicateIdError(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' &&
    error.message.includes('events.id')
  );
}
