// The EventStore port: the one contract both the embedded SQLite store and the KurrentDB store keep.
// Revisions count from 0 within a stream; positions are the store's global order (strictly increasing).
import { StreamNotFoundError } from './errors.js';

/** A JSON value: what event data and metadata may hold. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Where the writer believes the stream stands; a mismatch is a ConcurrencyError. */
export type ExpectedRevision =
  | 'noStream' // the stream must not exist yet
  | 'exists' // the stream must already hold at least one event
  | 'any' // no check
  | number; // the stream's last event must have exactly this revision

export interface NewEvent {
  /** A UUID; the same id appended again at the same place is an idempotent retry. */
  readonly id: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata?: JsonObject;
}

export interface StoredEvent {
  readonly id: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata: JsonObject;
  readonly stream: string;
  readonly revision: number;
  readonly position: number;
  readonly recordedAt: Date;
}

export interface AppendResult {
  /** The revision of the last event now in the stream: pass it as the next expected revision. */
  readonly nextExpectedRevision: number;
  /** The global position of the last event written (or found, for an idempotent retry). */
  readonly position: number;
}

export interface AppendOptions {
  readonly expectedRevision?: ExpectedRevision;
}

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive. Forwards defaults to 0, backwards to the end of the stream. */
  readonly fromRevision?: number;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Omit to start from the beginning. */
  readonly after?: number;
  /** Page size; required so that no read is unbounded. */
  readonly limit: number;
}

export interface SubscribeOptions {
  /** Exclusive: deliver events strictly after this position. Omit to start from the beginning. */
  readonly after?: number;
  readonly signal?: AbortSignal;
}

/** An async iterable that catches up and then follows live appends; close() ends it. */
export interface Subscription extends AsyncIterable<StoredEvent> {
  close(): Promise<void>;
}

export interface EventStore {
  /** Appends atomically; all events land or none do. */
  append(stream: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /** Pages internally; iteration throws StreamNotFoundError when the stream does not exist. */
  readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<StoredEvent>;
  /** One page of the global log in order. */
  readAll(options: ReadAllOptions): Promise<StoredEvent[]>;
  subscribeToAll(options?: SubscribeOptions): Subscription;
  /** The position of the newest event in the log, or undefined when the log is empty. */
  headPosition(): Promise<number | undefined>;
  /**
   * Optional fast path: the stream's last revision when the store knows it for certain without a read
   * (the embedded store, for streams it wrote itself while nobody else wrote), else undefined.
   */
  knownRevision?(stream: string): number | undefined;
  close(): Promise<void>;
}

/** Stream prefixes casetrail writes; the KurrentDB $all subscription is filtered to them. */
export const CASETRAIL_STREAM_PREFIXES = ['case-', 'orgunit-', 'department-', 'person-', 'audit-'] as const;

export const MAX_PAGE_SIZE = 10_000;

/** Reads a whole stream into memory, or [] when it does not exist. */
export async function readStreamToArray(
  store: EventStore,
  stream: string,
  options?: ReadStreamOptions,
): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  try {
    for await (const event of store.readStream(stream, options)) events.push(event);
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  }
  return events;
}
