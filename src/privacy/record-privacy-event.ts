// Appends one privacy event (validated, with the audit metadata and the hash chain of every stream) at
// the head the writer believes the stream has.
import type { Actor } from '../commands/actor.js';
import { DomainError } from '../commands/domain-error.js';
import { recordEvents } from '../commands/record-events.js';
import type { AppendResult, EventStore } from '../events/event-store.js';
import { GENESIS_HASH } from '../events/hash-chain.js';
import {
  type PrivacyEventData,
  type PrivacyEventType,
  privacyEventSchemas,
} from '../events/privacy-events.js';

/** A stream's last revision (-1 when it does not exist yet) and the hash of its last event. */
export interface StreamHead {
  readonly revision: number;
  readonly hash: string;
}

export const NO_STREAM: StreamHead = { revision: -1, hash: GENESIS_HASH };

export interface PrivacyEventRequest<T extends PrivacyEventType> {
  readonly stream: string;
  readonly head: StreamHead;
  readonly type: T;
  readonly data: PrivacyEventData<T>;
  readonly actor: Actor;
  readonly commandId: string;
  readonly correlationId: string;
  readonly occurredAt: string;
  readonly newId: () => string;
}

/** Throws ConcurrencyError when the stream has moved past `head`; returns the new head. */
export async function recordPrivacyEvent<T extends PrivacyEventType>(
  store: EventStore,
  request: PrivacyEventRequest<T>,
): Promise<AppendResult & { head: StreamHead }> {
  const parsed = privacyEventSchemas[request.type].safeParse(request.data);
  if (!parsed.success) {
    const fields = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(data)'}: ${issue.message}`,
    );
    throw new DomainError('validation_failed', `${request.type} is not valid: ${fields.join('; ')}`);
  }
  const { actor, commandId, correlationId, occurredAt, head } = request;
  const recorded = recordEvents(
    request.stream,
    head.revision,
    head.hash,
    [{ type: request.type, data: parsed.data, schemaVersion: 1 }],
    { actor, commandId, correlationId, occurredAt },
    request.newId,
  );
  const result = await store.append(request.stream, recorded.events, {
    expectedRevision: head.revision < 0 ? 'noStream' : head.revision,
  });
  return { ...result, head: { revision: result.nextExpectedRevision, hash: recorded.headHash } };
}
