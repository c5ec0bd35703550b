// A projection turns events of the global log into rows of the read-model database. The runner
// applies a batch of events to every projection and moves the checkpoint in one transaction.
import type Database from 'better-sqlite3';
import type { StoredEvent } from '../events/event-store.js';

/** The actual name of each of a projection's tables: the live ones, or fresh ones being rebuilt. */
export type TableNames<T extends string = string> = Readonly<Record<T, string>>;

/** Something a projection changed, for live feeds and read-your-writes. */
export interface ProjectedChange {
  readonly position: number;
  readonly stream: string;
  readonly type: string;
  readonly caseId?: string;
}

export interface Projection<T extends string = string> {
  readonly name: string;
  /** Bumped when the projection's rows change shape or meaning; a new version rebuilds from zero. */
  readonly version: number;
  readonly tables: readonly T[];
  /** Creates the tables (and their indexes) under these names; `tag` keeps index names unique. */
  create(db: Database.Database, names: TableNames<T>, tag: string): void;
  /** Prepares statements once and returns the function that applies one event. */
  prepare(db: Database.Database, names: TableNames<T>): (event: StoredEvent) => void;
}

export class ProjectionFailedError extends Error {
  readonly code = 'projection_failed';
  constructor(
    readonly projection: string,
    readonly position: number,
    readonly eventId: string,
    readonly eventType: string,
    cause: unknown,
  ) {
    super(
      `projection ${projection} failed on ${eventType} ${eventId} at position ${position}: ${(cause as Error)?.message ?? String(cause)}`,
      { cause },
    );
    this.name = 'ProjectionFailedError';
  }
}

/** The case id of a case stream (`case-<id>`), or undefined for other streams. */
export function caseIdOf(stream: string): string | undefined {
  return stream.startsWith('case-') ? stream.slice(5) : undefined;
}
