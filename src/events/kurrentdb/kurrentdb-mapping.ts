// Translation between the KurrentDB client's shapes (bigints, its own error classes) and the port's.
import {
  type AllStreamResolvedEvent,
  ANY,
  AppendRecordSizeExceededError,
  type AppendStreamState,
  type CurrentStreamState,
  convertToCommandError,
  ErrorType,
  isCommandError,
  StreamDeletedError as KurrentStreamDeletedError,
  StreamNotFoundError as KurrentStreamNotFoundError,
  MaxAppendSizeExceededError,
  NO_STREAM,
  type Position,
  type ResolvedEvent,
  STREAM_EXISTS,
  TransactionMaxSizeExceededError,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import {
  ConcurrencyError,
  EventStoreError,
  InvalidAppendError,
  StoreUnavailableError,
  StreamNotFoundError,
} from '../errors.js';
import type { ExpectedRevision, JsonObject, StoredEvent } from '../event-store.js';

export type ClientResolvedEvent = ResolvedEvent | AllStreamResolvedEvent;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** What some servers send for "no position": -1 read as an unsigned 64-bit number. */
const NO_POSITION = 2n ** 64n - 1n;

/** The port speaks plain numbers; a log past 2^53 bytes cannot be represented, so refuse loudly. */
export function toSafeNumber(value: bigint, what: string): number {
  if (value < 0n || value > MAX_SAFE) {
    throw new RangeError(`KurrentDB reported ${what} ${value}, outside 0 to ${Number.MAX_SAFE_INTEGER}`);
  }
  return Number(value);
}

/**
 * gRPC appends write every event as its own committed record, so an event's commit and prepare
 * positions are equal and the commit position alone names it.
 */
export function toPosition(position: number): Position {
  const value = BigInt(position);
  return { commit: value, prepare: value };
}

export function toStreamState(expected: ExpectedRevision): AppendStreamState {
  if (expected === 'noStream') return NO_STREAM;
  if (expected === 'exists') return STREAM_EXISTS;
  if (expected === 'any') return ANY;
  return BigInt(expected);
}

function toActual(state: CurrentStreamState): number | 'noStream' {
  // Negative revisions are the server's markers for missing or deleted streams.
  if (state === NO_STREAM || state < 0n) return 'noStream';
  return toSafeNumber(state, 'stream revision');
}

/** A position the server actually reported, or undefined for its "no position" answers. */
export function reportedPosition(position: bigint | undefined): bigint | undefined {
  return position === undefined || position < 0n || position === NO_POSITION ? undefined : position;
}

/** The commit position of a read or subscribed event, wherever this client version put it. */
export function commitOf(resolved: ClientResolvedEvent): bigint | undefined {
  return reportedPosition(resolved.event?.position?.commit ?? resolved.commitPosition);
}

function asJsonObject(value: unknown): JsonObject | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    return undefined;
  }
  return value as JsonObject;
}

/**
 * Casetrail only writes JSON objects, but anyone may write to a KurrentDB server: events that are not
 * JSON objects (links, binary, malformed) are not ours to interpret and are skipped (undefined).
 */
export function toStoredEvent(resolved: ClientResolvedEvent): StoredEvent | undefined {
  const recorded = resolved.event;
  if (!recorded?.isJson) return undefined;
  const data = asJsonObject(recorded.data);
  if (!data) return undefined;
  const commit = commitOf(resolved);
  if (commit === undefined) {
    // Skipping would silently corrupt a read; servers before 22.6 omit positions on stream reads.
    throw new RangeError(
      `KurrentDB gave no position for event ${recorded.id}; casetrail needs KurrentDB 22.6+`,
    );
  }
  return {
    id: recorded.id,
    type: recorded.type,
    data,
    metadata: asJsonObject(recorded.metadata) ?? {},
    stream: recorded.streamId,
    revision: toSafeNumber(recorded.revision, 'revision'),
    position: toSafeNumber(commit, 'position'),
    recordedAt: recorded.created,
  };
}

// Failures that say nothing about the request itself: another attempt may well succeed.
const UNAVAILABLE_TYPES = new Set<string>([
  ErrorType.UNAVAILABLE,
  ErrorType.DEADLINE_EXCEEDED,
  ErrorType.TIMEOUT,
  ErrorType.NOT_LEADER,
  ErrorType.CANCELLED,
]);

/** The client throws raw gRPC errors from some paths (e.g. feature discovery before an append). */
function normalise(error: unknown): unknown {
  return error instanceof Error ? convertToCommandError(error) : error;
}

export function isUnavailable(error: unknown): boolean {
  const normalised = normalise(error);
  if (!(normalised instanceof Error)) return false;
  if (isCommandError(normalised)) return UNAVAILABLE_TYPES.has(normalised.type);
  // Gossip discovery gives up with a plain Error; its message is the only signal.
  return normalised.message.startsWith('Failed to discover');
}

/** For a subscription, an unknown server failure is worth another try too; a refusal is not. */
export function isRetryable(error: unknown): boolean {
  const normalised = normalise(error);
  const unknown =
    normalised instanceof Error && isCommandError(normalised) && normalised.type === ErrorType.UNKNOWN;
  return unknown || isUnavailable(normalised);
}

/** Maps a client failure to the port's typed errors; anything unrecognised passes through. */
export function toStoreError(error: unknown, stream?: string): unknown {
  if (error instanceof EventStoreError) return error;
  const normalised = normalise(error);
  if (
    stream !== undefined &&
    (normalised instanceof KurrentStreamNotFoundError || normalised instanceof KurrentStreamDeletedError)
  ) {
    return new StreamNotFoundError(stream);
  }
  if (isUnavailable(normalised)) {
    const reason = normalised instanceof Error ? normalised.message : String(normalised);
    return new StoreUnavailableError(`KurrentDB is unavailable: ${reason}`, { cause: error });
  }
  return normalised;
}

export function toAppendError(error: unknown, stream: string, expected: ExpectedRevision): unknown {
  const normalised = normalise(error);
  if (normalised instanceof WrongExpectedVersionError) {
    return new ConcurrencyError(stream, expected, toActual(normalised.actualState));
  }
  if (normalised instanceof MaxAppendSizeExceededError) {
    const message = `the append is larger than the server's maximum append size of ${normalised.maxAppendSize} bytes`;
    return new InvalidAppendError('payload_too_large', message);
  }
  if (
    normalised instanceof TransactionMaxSizeExceededError ||
    normalised instanceof AppendRecordSizeExceededError
  ) {
    return new InvalidAppendError(
      'payload_too_large',
      `KurrentDB refused the append as too large: ${normalised.message}`,
    );
  }
  return toStoreError(normalised);
}
