// Typed errors of the EventStore port. Each carries a stable `code` that the HTTP layer maps once.
import type { ExpectedRevision } from './event-store.js';

export abstract class EventStoreError extends Error {
  abstract readonly code: string;
}

/** The stream was not where the writer expected it: somebody else wrote first. */
export class ConcurrencyError extends EventStoreError {
  readonly code = 'concurrency_conflict';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** The stream's actual last revision, or 'noStream' when it does not exist. */
    readonly actual: number | 'noStream',
  ) {
    super(`stream ${stream} was expected at ${String(expected)} but is at ${String(actual)}`);
    this.name = 'ConcurrencyError';
  }
}

export class StreamNotFoundError extends EventStoreError {
  readonly code = 'stream_not_found';
  constructor(readonly stream: string) {
    super(`stream ${stream} does not exist`);
    this.name = 'StreamNotFoundError';
  }
}

export type InvalidAppendReason =
  | 'invalid_expected_revision'
  | 'invalid_stream_name'
  | 'invalid_event'
  | 'payload_too_large'
  | 'duplicate_event_id';

/** The append itself is malformed; nothing was written. */
export class InvalidAppendError extends EventStoreError {
  constructor(
    readonly code: InvalidAppendReason,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidAppendError';
  }
}

export class InvalidReadError extends EventStoreError {
  readonly code = 'invalid_read';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidReadError';
  }
}

/** The store could not be reached or refused to work; the operation may be retried. */
export class StoreUnavailableError extends EventStoreError {
  readonly code = 'store_unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

export class StoreClosedError extends EventStoreError {
  readonly code = 'store_closed';
  constructor() {
    super('the event store is closed');
    this.name = 'StoreClosedError';
  }
}
