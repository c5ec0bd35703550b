// Erasing a person (crypto-shredding, DESIGN.md §5): their key is deleted, which makes every copy of
// their personal data in the log unreadable, and `PersonErased` is recorded on `person-<id>`. The log
// itself is never rewritten, so every hash chain still verifies.
import type { Actor } from '../commands/actor.js';
import { KeyedLock } from '../commands/keyed-lock.js';
import { AccessDeniedError } from '../commands/policy.js';
import { ConcurrencyError } from '../events/errors.js';
import { type EventStore, readStreamToArray } from '../events/event-store.js';
import { personStream } from '../events/privacy-events.js';
import type { PersonKeyStore } from './key-store.js';
import { NO_STREAM, recordPrivacyEvent } from './record-privacy-event.js';

export interface ErasureRequest {
  readonly personId: string;
  readonly actor: Actor;
  readonly commandId: string;
  readonly correlationId: string;
}

export interface ErasureResult {
  readonly personId: string;
  readonly erasedAt: string;
  /** Where PersonErased stands in its stream and in the log. */
  readonly revision: number;
  readonly position: number;
  /** True when the person had been erased before and nothing was recorded now. */
  readonly alreadyErased: boolean;
}

export interface ErasureOptions {
  readonly store: EventStore;
  readonly keys: PersonKeyStore;
  readonly clock: () => Date;
  readonly newId: () => string;
  /** Called as soon as the key is gone: caches of folded cases may still hold the plaintext. */
  readonly onErased: (personId: string) => void;
}

export class PersonErasure {
  private readonly lock = new KeyedLock();

  constructor(private readonly options: ErasureOptions) {}

  /** Admin only; 404 for a person casetrail never held data of; erasing again answers the first erasure. */
  async erase(request: ErasureRequest): Promise<ErasureResult> {
    const { actor, personId } = request;
    if (actor.role !== 'admin')
      throw new AccessDeniedError(403, 'forbidden', `a ${actor.role} may not erase personal data`);
    if (!this.options.keys.status(personId))
      throw new AccessDeniedError(404, 'person_not_found', `there is no person ${personId}`);
    return this.lock.run(personId, () => this.eraseOnce(request, 1));
  }

  private async eraseOnce(request: ErasureRequest, attempt: number): Promise<ErasureResult> {
    const { store, keys, clock, newId, onErased } = this.options;
    const { personId } = request;
    const stream = personStream(personId);
    const history = await readStreamToArray(store, stream);
    // The key goes first: should recording the event fail, the erasure has still happened, and a retry
    // records it.
    const erasedAt = keys.erase(personId)?.erasedAt ?? clock().toISOString();
    onErased(personId);
    const recorded = history.find((event) => event.type === 'PersonErased');
    if (recorded) {
      const { revision, position } = recorded;
      return { personId, erasedAt: String(recorded.data.at), revision, position, alreadyErased: true };
    }
    const last = history.at(-1);
    try {
      const result = await recordPrivacyEvent(store, {
        stream,
        head: last ? { revision: last.revision, hash: String(last.metadata.hash) } : NO_STREAM,
        type: 'PersonErased',
        data: { personId, at: erasedAt, by: request.actor.id },
        actor: request.actor,
        commandId: request.commandId,
        correlationId: request.correlationId,
        occurredAt: clock().toISOString(),
        newId,
      });
      const { nextExpectedRevision: revision, position } = result;
      return { personId, erasedAt, revision, position, alreadyErased: false };
    } catch (error) {
      // Another instance recorded the same erasure at the same moment: answer with theirs.
      if (error instanceof ConcurrencyError && attempt < 3) return this.eraseOnce(request, attempt + 1);
      throw error;
    }
  }
}
