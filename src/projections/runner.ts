// The projection runner: a catch-up consumer of the global log. Events that arrive together are
// applied as one batch in one read-model transaction together with the checkpoint, so a crash can
// never apply an event twice or lose one. A projection that fails stops the runner and names the event.
import { EventEmitter } from 'node:events';
import type Database from 'better-sqlite3';
import type { EventStore, StoredEvent, Subscription } from '../events/event-store.js';
import { caseIdOf, type ProjectedChange, type Projection, ProjectionFailedError } from './projection.js';
import { liveNames, type ReadModels } from './read-models.js';
import { rebuild } from './rebuild.js';

export interface RunnerStatus {
  readonly checkpoint: number;
  readonly running: boolean;
  readonly failure?: { readonly message: string; readonly position: number; readonly eventId: string };
  /** Milliseconds from an event being recorded to it being projected, over the recent batches. */
  readonly lagMs: { readonly p50: number; readonly p99: number; readonly samples: number };
}

export class ReadYourWritesTimeout extends Error {
  readonly code = 'projection_timeout';
  constructor(position: number, waitedMs: number) {
    super(`the read models had not reached position ${position} after ${waitedMs} ms; try again shortly`);
    this.name = 'ReadYourWritesTimeout';
  }
}

const MAX_BATCH = 1000;
const LAG_SAMPLES = 2000;

export class ProjectionRunner {
  /** Emits 'change' (ProjectedChange[]) after each committed batch. */
  readonly changes = new EventEmitter();
  private subscription: Subscription | undefined;
  private buffer: StoredEvent[] = [];
  private flushScheduled = false;
  private failure: ProjectionFailedError | undefined;
  private appliers: Array<{ name: string; apply: (event: StoredEvent) => void }> = [];
  private readonly lags: number[] = [];
  private loop: Promise<void> | undefined;
  private applyBatch: Database.Transaction<(batch: readonly StoredEvent[]) => number>;

  constructor(
    private readonly store: EventStore,
    private readonly readModels: ReadModels,
    private readonly projections: readonly Projection[],
    private readonly now: () => number = Date.now,
  ) {
    this.changes.setMaxListeners(0);
    this.applyBatch = readModels.db.transaction((batch: readonly StoredEvent[]) =>
      this.applyInTransaction(batch),
    );
  }

  /** Installs missing or outdated projections (rebuilding them from the log), then follows the log. */
  async start(): Promise<void> {
    const outdated = this.projections.filter((p) => this.readModels.installedVersion(p) !== p.version);
    if (outdated.length > 0) await rebuild(this.store, this.readModels, outdated);
    this.appliers = this.projections.map((p) => ({
      name: p.name,
      apply: p.prepare(this.readModels.db, liveNames(p)),
    }));
    this.loop = this.follow();
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    await this.loop;
    this.flush();
  }

  status(): RunnerStatus {
    const sorted = [...this.lags].sort((a, b) => a - b);
    const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
    const failure = this.failure && {
      message: this.failure.message,
      position: this.failure.position,
      eventId: this.failure.eventId,
    };
    return {
      checkpoint: this.readModels.checkpoint(),
      running: this.subscription !== undefined && !this.failure,
      ...(failure ? { failure } : {}),
      lagMs: { p50: at(0.5), p99: at(0.99), samples: sorted.length },
    };
  }

  /** Resolves once every read model has applied the event at `position` (read your own writes). */
  waitFor(position: number, timeoutMs: number): Promise<void> {
    if (this.readModels.checkpoint() >= position) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.readModels.checkpoint() < position) return;
        cleanUp();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanUp();
        reject(this.failure ?? new ReadYourWritesTimeout(position, timeoutMs));
      }, timeoutMs);
      const cleanUp = (): void => {
        clearTimeout(timer);
        this.changes.off('change', check);
      };
      this.changes.on('change', check);
    });
  }

  private async follow(): Promise<void> {
    const after = this.readModels.checkpoint();
    this.subscription = this.store.subscribeToAll({ after });
    try {
      for await (const event of this.subscription) {
        this.buffer.push(event);
        if (this.buffer.length >= MAX_BATCH) this.flush();
        else this.scheduleFlush();
        if (this.failure) break;
      }
    } catch (error) {
      // The log itself could not be read (a row that no longer parses, a store gone away): stop and
      // say where, rather than let the rejection take the whole service down.
      this.flush();
      const position = this.readModels.checkpoint();
      this.failure ??= new ProjectionFailedError(
        'runner',
        position + 1,
        '',
        'an unreadable event after the checkpoint',
        error,
      );
      this.changes.emit('failed', this.failure);
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.buffer.length === 0 || this.failure) return;
    const batch = this.buffer;
    this.buffer = [];
    try {
      // BEGIN IMMEDIATE: the batch reads the checkpoint before it writes, and a deferred transaction
      // whose snapshot another process (a second instance, a rebuild) has moved past cannot upgrade to a
      // writer: SQLite refuses it at once with "database is locked" instead of waiting its busy timeout.
      this.applyBatch.immediate(batch);
    } catch (error) {
      this.failure =
        error instanceof ProjectionFailedError
          ? error
          : new ProjectionFailedError('runner', 0, '', '', error);
      void this.subscription?.close();
      this.changes.emit('failed', this.failure);
      return;
    }
    const now = this.now();
    for (const event of batch) this.lags.push(now - event.recordedAt.getTime());
    if (this.lags.length > LAG_SAMPLES) this.lags.splice(0, this.lags.length - LAG_SAMPLES);
    this.changes.emit('change', batch.map(toChange));
  }

  /** Inside the transaction the checkpoint is read again: another process (a rebuild) may have moved it. */
  private applyInTransaction(batch: readonly StoredEvent[]): number {
    let checkpoint = this.readModels.checkpoint();
    for (const event of batch) {
      if (event.position <= checkpoint) continue;
      for (const { name, apply } of this.appliers) {
        try {
          apply(event);
        } catch (error) {
          throw new ProjectionFailedError(name, event.position, event.id, event.type, error);
        }
      }
      checkpoint = event.position;
    }
    this.readModels.moveCheckpoint(checkpoint);
    return checkpoint;
  }
}

function toChange(event: StoredEvent): ProjectedChange {
  const caseId = caseIdOf(event.stream);
  const change = { position: event.position, stream: event.stream, type: event.type };
  return caseId ? { ...change, caseId } : change;
}
