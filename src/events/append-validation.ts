// Checks an append before any adapter touches storage, so that bad input is refused the same way
// everywhere and nothing is written.

import { InvalidAppendError, InvalidReadError } from './errors.js';
import type { AppendOptions, ExpectedRevision, NewEvent, ReadStreamOptions } from './event-store.js';
import { MAX_PAGE_SIZE } from './event-store.js';

export const MAX_STREAM_NAME_LENGTH = 200;
export const MAX_EVENT_TYPE_LENGTH = 100;
export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;
export const MAX_EVENTS_PER_APPEND = 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Printable, no whitespace or control characters; '$' is reserved for the store's own streams.
const STREAM_NAME = /^[^\s$\p{Cc}][^\s\p{Cc}]*$/u;

export interface EncodedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

export function validateStreamName(stream: unknown): asserts stream is string {
  if (typeof stream !== 'string' || stream.length === 0) {
    throw new InvalidAppendError('invalid_stream_name', 'a stream name must be a non-empty string');
  }
  if (stream.length > MAX_STREAM_NAME_LENGTH) {
    throw new InvalidAppendError(
      'invalid_stream_name',
      `stream name is ${stream.length} characters; the most is ${MAX_STREAM_NAME_LENGTH}`,
    );
  }
  if (!STREAM_NAME.test(stream)) {
    throw new InvalidAppendError(
      'invalid_stream_name',
      `stream name ${JSON.stringify(stream)} has white space or control characters, or starts with $`,
    );
  }
}

export function validateExpectedRevision(expected: unknown): asserts expected is ExpectedRevision {
  if (expected === 'noStream' || expected === 'exists' || expected === 'any') return;
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return;
  throw new InvalidAppendError(
    'invalid_expected_revision',
    `expected revision must be 'noStream', 'exists', 'any' or a whole number ≥ 0, not ${String(expected)}`,
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function encodeEvent(event: NewEvent, index: number, maxEventBytes: number): EncodedEvent {
  const where = `event ${index}`;
  if (!isPlainObject(event)) throw new InvalidAppendError('invalid_event', `${where} is not an object`);
  if (typeof event.id !== 'string' || !UUID.test(event.id)) {
    throw new InvalidAppendError('invalid_event', `${where} needs an id that is a UUID`);
  }
  if (
    typeof event.type !== 'string' ||
    event.type.length === 0 ||
    event.type.length > MAX_EVENT_TYPE_LENGTH
  ) {
    throw new InvalidAppendError(
      'invalid_event',
      `${where} (${event.id}) needs a type of 1 to ${MAX_EVENT_TYPE_LENGTH} characters`,
    );
  }
  if (!isPlainObject(event.data)) {
    throw new InvalidAppendError(
      'invalid_event',
      `${where} (${event.type}) needs data that is a JSON object`,
    );
  }
  if (event.metadata !== undefined && !isPlainObject(event.metadata)) {
    throw new InvalidAppendError(
      'invalid_event',
      `${where} (${event.type}) has metadata that is not an object`,
    );
  }
  const data = JSON.stringify(event.data);
  const metadata = JSON.stringify(event.metadata ?? {});
  const bytes = Buffer.byteLength(data) + Buffer.byteLength(metadata);
  if (bytes > maxEventBytes) {
    throw new InvalidAppendError(
      'payload_too_large',
      `${where} (${event.type}) is ${bytes} bytes; the most is ${maxEventBytes}`,
    );
  }
  return { id: event.id.toLowerCase(), type: event.type, data, metadata };
}

/** Validates everything about an append and returns the events encoded as JSON text. */
export function validateAppend(
  stream: string,
  events: readonly NewEvent[],
  options: AppendOptions | undefined,
  maxEventBytes: number,
): { expected: ExpectedRevision; encoded: EncodedEvent[] } {
  validateStreamName(stream);
  const expected = options?.expectedRevision ?? 'any';
  validateExpectedRevision(expected);
  if (!Array.isArray(events) || events.length === 0) {
    throw new InvalidAppendError('invalid_event', 'an append needs at least one event');
  }
  if (events.length > MAX_EVENTS_PER_APPEND) {
    throw new InvalidAppendError(
      'invalid_event',
      `an append holds at most ${MAX_EVENTS_PER_APPEND} events, not ${events.length}`,
    );
  }
  const encoded = events.map((event, index) => encodeEvent(event, index, maxEventBytes));
  const ids = new Set(encoded.map((event) => event.id));
  if (ids.size !== encoded.length) {
    throw new InvalidAppendError('duplicate_event_id', 'the same event id appears twice in one append');
  }
  return { expected, encoded };
}

export function validateReadStream(stream: string, options: ReadStreamOptions | undefined): void {
  validateStreamName(stream);
  const { fromRevision, maxCount, direction } = options ?? {};
  if (direction !== undefined && direction !== 'forwards' && direction !== 'backwards') {
    throw new InvalidReadError(`direction must be forwards or backwards, not ${String(direction)}`);
  }
  if (fromRevision !== undefined && !(Number.isSafeInteger(fromRevision) && fromRevision >= 0)) {
    throw new InvalidReadError(`fromRevision must be a whole number ≥ 0, not ${String(fromRevision)}`);
  }
  if (maxCount !== undefined && !(Number.isSafeInteger(maxCount) && maxCount >= 1)) {
    throw new InvalidReadError(`maxCount must be a whole number ≥ 1, not ${String(maxCount)}`);
  }
}

export function validatePosition(after: unknown): void {
  if (after !== undefined && !(typeof after === 'number' && Number.isSafeInteger(after) && after >= 0)) {
    throw new InvalidReadError(`a position must be a whole number ≥ 0, not ${String(after)}`);
  }
}

export function validateReadAll(after: unknown, limit: unknown): void {
  validatePosition(after);
  if (!(typeof limit === 'number' && Number.isSafeInteger(limit) && limit >= 1 && limit <= MAX_PAGE_SIZE)) {
    throw new InvalidReadError(
      `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}, not ${String(limit)}`,
    );
  }
}
