// Turns decided events into stored ones: the audit metadata of DESIGN.md §5 and the hash chain.

import type { JsonObject, NewEvent } from '../events/event-store.js';
import { eventHash } from '../events/hash-chain.js';
import type { CommandMeta } from './case/commands.js';

export interface Decided {
  readonly type: string;
  readonly data: object;
  readonly schemaVersion: number;
}

export interface Recorded {
  readonly events: NewEvent[];
  readonly headHash: string;
}

/** Chains the events onto a stream whose last revision is `revision` (-1 when new) and head `prevHash`. */
export function recordEvents(
  stream: string,
  revision: number,
  prevHash: string,
  decided: readonly Decided[],
  meta: CommandMeta,
  newId: () => string,
): Recorded {
  let previous = prevHash;
  const { actor } = meta;
  const events = decided.map((event, index): NewEvent => {
    const id = newId();
    const data = JSON.parse(JSON.stringify(event.data)) as JsonObject;
    const metadata: JsonObject = {
      eventId: id,
      actor:
        actor.dept === undefined
          ? { id: actor.id, role: actor.role }
          : { id: actor.id, role: actor.role, dept: actor.dept },
      occurredAt: meta.occurredAt,
      commandId: meta.commandId,
      correlationId: meta.correlationId,
      causationId: meta.causationId ?? meta.commandId,
      schemaVersion: event.schemaVersion,
      ...(meta.fingerprint ? { fingerprint: meta.fingerprint } : {}),
      prevHash: previous,
    };
    const hash = eventHash({ stream, revision: revision + 1 + index, type: event.type, data, metadata });
    previous = hash;
    return { id, type: event.type, data, metadata: { ...metadata, hash } };
  });
  return { events, headHash: previous };
}
