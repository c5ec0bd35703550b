// A case's history for people (DESIGN.md §5): every event with who, when and why, its place in the
// log and in the chain. Data is read as the domain reads it (upcast); parties' personal fields are
// masked for every reader, as in every answer.
import { caseStream } from '../commands/case/case-repository.js';
import { decodeCaseEvent } from '../events/case-codec.js';
import type { Party } from '../events/case-events.js';
import { StreamNotFoundError } from '../events/errors.js';
import type { EventStore, JsonObject, StoredEvent } from '../events/event-store.js';
import { maskAddress, maskParty } from '../http/masking.js';

export interface HistoryEntry {
  readonly revision: number;
  readonly position: number;
  readonly type: string;
  readonly recordedAt: string;
  readonly data: JsonObject;
  readonly metadata: JsonObject;
  readonly prevHash: string | null;
  readonly hash: string | null;
}

export interface HistoryPage {
  readonly caseId: string;
  readonly stream: string;
  readonly events: readonly HistoryEntry[];
  /** The revision to ask for next, when there is more. */
  readonly nextRevision?: number;
}

/**
 * The event's data as the domain reads it. An event the codec refuses (a type or version this
 * casetrail does not know, or one altered in the database) is shown as stored: the history must still
 * show what is there.
 */
export function readableData(stored: StoredEvent): JsonObject {
  if (!stored.stream.startsWith('case-')) return stored.data;
  try {
    return decodeCaseEvent(stored).data as unknown as JsonObject;
  } catch {
    return stored.data;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Masks parties and the location's address wherever an event carries them, whatever its type. */
export function maskPersonalData(data: JsonObject): JsonObject {
  const masked: Record<string, unknown> = { ...data };
  if (Array.isArray(data.parties))
    masked.parties = data.parties.map((party) =>
      isObject(party) && typeof party.name === 'string' ? maskParty(party as unknown as Party) : party,
    );
  if (isObject(data.location) && typeof data.location.address === 'string')
    masked.location = { ...data.location, address: maskAddress(data.location.address) };
  return masked as JsonObject;
}

export function historyEntry(stored: StoredEvent): HistoryEntry {
  const { prevHash, hash } = stored.metadata;
  return {
    revision: stored.revision,
    position: stored.position,
    type: stored.type,
    recordedAt: stored.recordedAt.toISOString(),
    data: maskPersonalData(readableData(stored)),
    metadata: stored.metadata,
    prevHash: typeof prevHash === 'string' ? prevHash : null,
    hash: typeof hash === 'string' ? hash : null,
  };
}

export async function caseHistory(
  store: EventStore,
  caseId: string,
  page: { readonly fromRevision?: number; readonly limit: number },
): Promise<HistoryPage> {
  const stream = caseStream(caseId);
  const events: HistoryEntry[] = [];
  let nextRevision: number | undefined;
  try {
    const options = { fromRevision: page.fromRevision ?? 0, maxCount: page.limit + 1 };
    for await (const stored of store.readStream(stream, options)) {
      if (events.length === page.limit) {
        nextRevision = stored.revision;
        break;
      }
      events.push(historyEntry(stored));
    }
  } catch (error) {
    if (error instanceof SyntaxError) {
      const from = (events.at(-1)?.revision ?? (page.fromRevision ?? 0) - 1) + 1;
      // The page is full before the unreadable event: it is the next page that cannot be read.
      if (events.length < page.limit) throw new UnreadableHistoryError(caseId, from);
      nextRevision = from;
    } else if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return { caseId, stream, events, ...(nextRevision === undefined ? {} : { nextRevision }) };
}

/** A stored event no longer parses: the history cannot be shown whole, and verification names it. */
export class UnreadableHistoryError extends Error {
  readonly code = 'history_unreadable';
  constructor(caseId: string, fromRevision: number) {
    super(
      `an event of case ${caseId} at or after revision ${fromRevision} can no longer be read; ` +
        'its verification names it',
    );
    this.name = 'UnreadableHistoryError';
  }
}
