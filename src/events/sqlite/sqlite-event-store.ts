// The embedded event log: one SQLite file in WAL mode, durable by default, with group commit.
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  DEFAULT_MAX_EVENT_BYTES,
  validateAppend,
  validatePosition,
  validateReadAll,
  validateReadStream,
} from '../append-validation.js';
import { EventStoreError, InvalidAppendError, StoreClosedError, StreamNotFoundError } from '../errors.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
  SubscribeOptions,
  Subscription,
} from '../event-store.js';
import { migrate } from './schema.js';
import { isDuplicateIdError, type PendingAppend, SqliteAppender } from './sqlite-appender.js';
import { SqliteReader } from './sqlite-reader.js';
import { PollingSubscription } from './sqlite-subscription.js';

export interface SqliteEventStoreOptions {
  /** The database file; ':memory:' is refused because durability is the point. */
  readonly file: string;
  /** FULL (default) fsyncs every commit; NORMAL may lose the last commits on power loss. */
  readonly synchronous?: 'FULL' | 'NORMAL';
  readonly maxEventBytes?: number;
  /** How often a subscription that is caught up looks for appends made by other processes. */
  readonly pollIntervalMs?: number;
  /** Most appends committed together in one transaction. */
  readonly maxBatch?: number;
  /** The clock that stamps recordedAt. */
  readonly now?: () => number;
}

interface QueuedAppend extends PendingAppend {
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { ok: true; result: AppendResult } | { ok: false; error: unknown };

export class SqliteEventStore implements EventStore {
  readonly file: string;
  /** How many transactions and appends group commit has made, for tests and the benchmark. */
  readonly stats = { commits: 0, appends: 0 };
  private readonly db: Database.Database;
  private readonly appender: SqliteAppender;
  private readonly reader: SqliteReader;
  private readonly appended = new EventEmitter();
  private readonly subscriptions = new Set<PollingSubscription>();
  private queue: QueuedAppend[] = [];
  private flushScheduled = false;
  private closed = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: (() => void) | undefined;

  constructor(private readonly options: SqliteEventStoreOptions) {
    this.file = options.file;
    mkdirSync(dirname(options.file), { recursive: true });
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    migrate(this.db, options.file);
    this.appender = new SqliteAppender(this.db);
    this.reader = new SqliteReader(this.db);
    this.appended.setMaxListeners(0);
  }

  append(stream: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    try {
      const maxBytes = this.options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
      const { expected, encoded } = validateAppend(stream, events, options, maxBytes);
      return new Promise((resolve, reject) => {
        this.queue.push({ stream, expected, events: encoded, resolve, reject });
        this.scheduleFlush();
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async *readStream(stream: string, options?: ReadStreamOptions): AsyncGenerator<StoredEvent> {
    this.assertOpen();
    validateReadStream(stream, options);
    const streamId = this.reader.streamId(stream);
    if (streamId === undefined) throw new StreamNotFoundError(stream);
    yield* this.reader.streamPages(stream, streamId, options ?? {});
  }

  async readAll(options: ReadAllOptions): Promise<StoredEvent[]> {
    this.assertOpen();
    validateReadAll(options.after, options.limit);
    return this.reader.allAfter(options.after ?? 0, options.limit);
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    validatePosition(options.after);
    const subscription = new PollingSubscription({
      readPage: (after) => this.reader.allAfter(after, 500),
      after: options.after ?? 0,
      appended: this.appended,
      pollIntervalMs: this.options.pollIntervalMs ?? 1000,
      signal: options.signal,
      onClose: () => this.subscriptions.delete(subscription),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<number | undefined> {
    this.assertOpen();
    return this.reader.headPosition();
  }

  knownRevision(stream: string): number | undefined {
    // An append to this stream still waiting for its commit would make the answer stale.
    if (this.closed || this.queue.some((pending) => pending.stream === stream)) return undefined;
    return this.appender.knownRevision(stream);
  }

  /** Finishes queued appends, ends subscriptions, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.idle;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    if (!this.markIdle) this.idle = new Promise((resolve) => (this.markIdle = resolve));
    // setImmediate lets every append issued in this turn of the event loop join the same transaction.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue.splice(0, this.options.maxBatch ?? 1000);
    const outcomes = this.commit(batch);
    if (this.queue.length > 0) this.scheduleFlush();
    else {
      this.markIdle?.();
      this.markIdle = undefined;
    }
    batch.forEach((pending, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) pending.resolve(outcome.result);
      else pending.reject(outcome.error);
    });
    if (outcomes.some((outcome) => outcome.ok)) this.appended.emit('appended');
  }

  /**
   * One transaction, one fsync. Refusals (conflicts) are found before an append writes anything, so
   * the fast path needs no savepoints; should a write itself fail, the batch is rolled back and run
   * again with a savepoint per append, so that the failure stays with its own append.
   */
  private commit(batch: readonly QueuedAppend[]): Outcome[] {
    const recordedAt = (this.options.now ?? Date.now)();
    try {
      return this.writeBatch(batch, (pending) => refusedOr(() => this.appender.append(pending, recordedAt)));
    } catch (error) {
      this.appender.forgetAll();
      if (!(error instanceof WriteFailed)) return batch.map(() => ({ ok: false, error }));
    }
    const inSavepoint = this.db.transaction((pending: PendingAppend) =>
      this.appender.append(pending, recordedAt),
    );
    try {
      return this.writeBatch(batch, (pending) => attempt(() => inSavepoint(pending)));
    } catch (error) {
      // The commit itself failed (disk full, locked file…): nothing in the batch is durable.
      this.appender.forgetAll();
      return batch.map(() => ({ ok: false, error }));
    }
  }

  private writeBatch(batch: readonly QueuedAppend[], write: (pending: PendingAppend) => Outcome): Outcome[] {
    const outcomes = this.db
      .transaction(() => {
        this.appender.forgetIfChangedElsewhere();
        return batch.map(write);
      })
      .immediate();
    this.stats.commits += 1;
    this.stats.appends += batch.length;
    return outcomes;
  }
}

/** Thrown out of the fast path to roll the whole batch back. */
class WriteFailed extends Error {}

function refusedOr(write: () => AppendResult): Outcome {
  try {
    return { ok: true, result: write() };
  } catch (error) {
    if (error instanceof EventStoreError) return { ok: false, error };
    throw new WriteFailed('a write failed inside the batch', { cause: error });
  }
}

function attempt(write: () => AppendResult): Outcome {
  try {
    return { ok: true, result: write() };
  } catch (error) {
    if (isDuplicateIdError(error)) {
      const refused = new InvalidAppendError(
        'duplicate_event_id',
        'an event id in this append is already stored',
      );
      return { ok: false, error: refused };
    }
    return { ok: false, error };
  }
}

export function openSqliteEventStore(options: SqliteEventStoreOptions): SqliteEventStore {
  if (options.file === ':memory:' || options.file === '') {
    throw new Error('the SQLite event store needs a file path; an in-memory log would not be durable');
  }
  return new SqliteEventStore(options);
}
