// Recorded reveals (DESIGN.md §5): every time someone sees a case's personal data unmasked, who, when
// and why go onto the `audit-reveals` stream first; auditors read it back newest first.
import type { Actor } from '../commands/actor.js';
import { KeyedLock } from '../commands/keyed-lock.js';
import { ConcurrencyError, StreamNotFoundError } from '../events/errors.js';
import type { EventStore, StoredEvent } from '../events/event-store.js';
import { type PrivacyEventData, REVEALS_STREAM } from '../events/privacy-events.js';
import { NO_STREAM, recordPrivacyEvent, type StreamHead } from './record-privacy-event.js';

export type Reveal = PrivacyEventData<'PersonalDataRevealed'> & {
  readonly revision: number;
  readonly position: number;
};

export interface RevealRequest {
  readonly caseId: string;
  readonly orgUnitId: string;
  readonly personIds: readonly string[];
  readonly reason: string;
  readonly actor: Actor;
  readonly commandId: string;
  readonly correlationId: string;
}

export interface RevealPage {
  readonly reveals: Reveal[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  readonly nextBefore?: number;
}

const MAX_ATTEMPTS = 5;

export class RevealLog {
  private head: StreamHead | undefined;
  private readonly lock = new KeyedLock();

  constructor(
    private readonly store: EventStore,
    private readonly clock: () => Date,
    private readonly newId: () => string,
  ) {}

  /** Records the reveal; the data may be shown only once this has resolved. */
  record(request: RevealRequest): Promise<Reveal> {
    return this.lock.run(REVEALS_STREAM, () => this.append(request, 1));
  }

  private async append(request: RevealRequest, attempt: number): Promise<Reveal> {
    const head = this.head ?? (await this.readHead());
    const { actor } = request;
    const at = this.clock().toISOString();
    const data = {
      caseId: request.caseId,
      orgUnitId: request.orgUnitId,
      personIds: [...request.personIds],
      reason: request.reason,
      by: actor.id,
      role: actor.role,
      at,
    };
    try {
      const result = await recordPrivacyEvent(this.store, {
        stream: REVEALS_STREAM,
        head,
        type: 'PersonalDataRevealed',
        data,
        actor,
        commandId: request.commandId,
        correlationId: request.correlationId,
        occurredAt: at,
        newId: this.newId,
      });
      this.head = result.head;
      return { ...data, revision: result.nextExpectedRevision, position: result.position };
    } catch (error) {
      this.head = undefined;
      // Another instance recorded a reveal in between: chain onto theirs.
      if (error instanceof ConcurrencyError && attempt < MAX_ATTEMPTS)
        return this.append(request, attempt + 1);
      throw error;
    }
  }

  private async readHead(): Promise<StreamHead> {
    const [last] = await this.page({ direction: 'backwards', maxCount: 1 });
    return last ? { revision: last.revision, hash: String(last.metadata.hash) } : NO_STREAM;
  }

  /**
   * Reveals newest first, from just before revision `before`, keeping those `include` admits (a scoped
   * reader sees only cases in its scope). Scans at most `scan` events per page.
   */
  async list(options: {
    readonly before?: number;
    readonly limit: number;
    readonly include: (reveal: Reveal) => boolean | Promise<boolean>;
    readonly scan?: number;
  }): Promise<RevealPage> {
    if (options.before !== undefined && options.before <= 0) return { reveals: [] };
    const scan = options.scan ?? Math.max(options.limit * 10, 500);
    const events = await this.page({
      direction: 'backwards',
      maxCount: scan,
      ...(options.before === undefined ? {} : { fromRevision: options.before - 1 }),
    });
    const reveals: Reveal[] = [];
    for (const event of events) {
      const reveal = revealOf(event);
      if (await options.include(reveal)) reveals.push(reveal);
      if (reveals.length === options.limit) {
        return event.revision > 0 ? { reveals, nextBefore: event.revision } : { reveals };
      }
    }
    const oldest = events.at(-1);
    return oldest && oldest.revision > 0 && events.length === scan
      ? { reveals, nextBefore: oldest.revision }
      : { reveals };
  }

  private async page(options: {
    direction: 'backwards';
    maxCount: number;
    fromRevision?: number;
  }): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    try {
      for await (const event of this.store.readStream(REVEALS_STREAM, options)) {
        events.push(event);
        if (events.length >= options.maxCount) break;
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return events;
  }
}

function revealOf(event: StoredEvent): Reveal {
  const data = event.data as unknown as PrivacyEventData<'PersonalDataRevealed'>;
  return { ...data, revision: event.revision, position: event.position };
}
