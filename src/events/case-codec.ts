// Stored events → typed case events: upcast to the current schema version, then validate.
import {
  type CaseEvent,
  type CaseEventType,
  caseEventSchemas,
  caseEventVersions,
  isCaseEventType,
} from './case-events.js';
import type { StoredEvent } from './event-store.js';
import { upcast } from './upcasters.js';

export class EventDecodingError extends Error {
  readonly code = 'event_decoding_failed';
  constructor(event: Pick<StoredEvent, 'stream' | 'revision' | 'type' | 'position'>, reason: string) {
    super(
      `cannot read ${event.type} at ${event.stream}@${event.revision} (position ${event.position}): ${reason}`,
    );
    this.name = 'EventDecodingError';
  }
}

/** Data was validated when it was appended, and the hash chain guards it since; reads only upcast. */
export function decodeCaseEvent(stored: StoredEvent): CaseEvent {
  if (!isCaseEventType(stored.type)) throw new EventDecodingError(stored, 'unknown event type');
  const version = typeof stored.metadata.schemaVersion === 'number' ? stored.metadata.schemaVersion : 1;
  const target = caseEventVersions[stored.type];
  if (version > target)
    throw new EventDecodingError(
      stored,
      `schema version ${version} is newer than this casetrail (${target})`,
    );
  const data = version < target ? upcast(stored.type, stored.data, version, target) : stored.data;
  return { type: stored.type, data } as CaseEvent;
}

/** Validates a new event before it is appended; returns the schema version to record. */
export function validateNewCaseEvent(event: CaseEvent): number {
  const type: CaseEventType = event.type;
  const parsed = caseEventSchemas[type].safeParse(event.data);
  if (!parsed.success) {
    const fields = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(data)'}: ${issue.message}`,
    );
    throw new InvalidEventError(type, fields);
  }
  return caseEventVersions[type];
}

export class InvalidEventError extends Error {
  readonly code = 'validation_failed';
  constructor(
    readonly type: string,
    readonly fields: string[],
  ) {
    super(`${type} is not valid: ${fields.join('; ')}`);
    this.name = 'InvalidEventError';
  }
}
