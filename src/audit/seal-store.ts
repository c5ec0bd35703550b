// Seals kept in the log itself, in the stream `audit-seals` (hash-chained like every stream): one
// `SealTaken` with what the seal states, followed in the same append by its leaves in chunks
// (`SealLeavesRecorded`), so that a later verification can name the streams that differ. The copy in
// the log is a convenience, never the proof: its leaves are used only when they hash to a root kept
// outside the system.
import type { Actor } from '../commands/actor.js';
import { recordEvents } from '../commands/record-events.js';
import { ConcurrencyError } from '../events/errors.js';
import { type EventStore, readStreamToArray, type StoredEvent } from '../events/event-store.js';
import { GENESIS_HASH } from '../events/hash-chain.js';
import { uuidv7 } from '../events/ids.js';
import { type SealLeaf, sealBody } from './merkle.js';
import {
  SEAL_EVENT_VERSION,
  type Seal,
  sealEventSchemas,
  sealLeafSchema,
  sealSchema,
} from './seal-events.js';

export type { Seal };

export const SEAL_STREAM = 'audit-seals';
/** Leaves per SealLeavesRecorded: with stream names of up to 200 characters, well under 1 MiB. */
const LEAVES_PER_CHUNK = 2000;

export interface StoredSeal {
  readonly seal: Seal;
  /** The global position of its SealTaken event. */
  readonly storedAt: number;
  /** Present when every chunk is in the log and they hash to the seal's root. */
  readonly leaves?: readonly SealLeaf[];
}

export interface SealRequest {
  readonly actor: Actor;
  readonly occurredAt: string;
  readonly correlationId?: string;
}

/** Appends the seal and its leaves to `audit-seals`; retries when another seal lands first. */
export async function storeSeal(
  store: EventStore,
  seal: Seal,
  leaves: readonly SealLeaf[],
  request: SealRequest,
): Promise<void> {
  const chunks: SealLeaf[][] = [];
  for (let i = 0; i < leaves.length; i += LEAVES_PER_CHUNK)
    chunks.push(leaves.slice(i, i + LEAVES_PER_CHUNK));
  const schemaVersion = SEAL_EVENT_VERSION;
  const decided = [
    {
      type: 'SealTaken',
      data: sealEventSchemas.SealTaken.parse({ ...seal, chunks: chunks.length }),
      schemaVersion,
    },
    ...chunks.map((chunk, index) => ({
      type: 'SealLeavesRecorded',
      data: sealEventSchemas.SealLeavesRecorded.parse({ sealId: seal.sealId, chunk: index, leaves: chunk }),
      schemaVersion,
    })),
  ];
  const commandId = uuidv7();
  const meta = {
    commandId,
    correlationId: request.correlationId ?? commandId,
    occurredAt: request.occurredAt,
    actor: request.actor,
  };
  for (let attempt = 0; ; attempt += 1) {
    const [last] = await readStreamToArray(store, SEAL_STREAM, { direction: 'backwards', maxCount: 1 });
    const revision = last?.revision ?? -1;
    const prevHash = last ? String(last.metadata.hash) : GENESIS_HASH;
    const recorded = recordEvents(SEAL_STREAM, revision, prevHash, decided, meta, uuidv7);
    try {
      const expectedRevision = last ? last.revision : 'noStream';
      await store.append(SEAL_STREAM, recorded.events, { expectedRevision });
      return;
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= 4) throw error;
    }
  }
}

/** Every seal in the log, oldest first, with its leaves when they are complete and authentic. */
export async function readSeals(store: EventStore): Promise<StoredSeal[]> {
  const events = await readStreamToArray(store, SEAL_STREAM);
  const seals: StoredSeal[] = [];
  const chunks = new Map<string, Map<number, SealLeaf[]>>();
  for (const event of events) {
    if (event.type === 'SealLeavesRecorded') collectChunk(chunks, event);
  }
  for (const event of events) {
    if (event.type !== 'SealTaken') continue;
    const parsed = sealEventSchemas.SealTaken.safeParse(event.data);
    if (!parsed.success) continue;
    const { chunks: count, ...seal } = parsed.data;
    const leaves = assemble(chunks.get(seal.sealId), count);
    const authentic = leaves && sealBody(seal.position, leaves).root === seal.root;
    seals.push({ seal, storedAt: event.position, ...(authentic ? { leaves } : {}) });
  }
  return seals;
}

function collectChunk(chunks: Map<string, Map<number, SealLeaf[]>>, event: StoredEvent): void {
  const parsed = sealEventSchemas.SealLeavesRecorded.safeParse(event.data);
  if (!parsed.success) return;
  const { sealId, chunk, leaves } = parsed.data;
  const forSeal = chunks.get(sealId) ?? new Map<number, SealLeaf[]>();
  forSeal.set(chunk, leaves);
  chunks.set(sealId, forSeal);
}

function assemble(chunks: Map<number, SealLeaf[]> | undefined, count: number): SealLeaf[] | undefined {
  if (count === 0) return [];
  if (!chunks) return undefined;
  const leaves: SealLeaf[] = [];
  for (let index = 0; index < count; index += 1) {
    const chunk = chunks.get(index);
    if (!chunk) return undefined;
    leaves.push(...chunk);
  }
  return leaves;
}

export const isLeaf = (value: unknown): value is SealLeaf => sealLeafSchema.safeParse(value).success;

/** A seal from stored or uploaded JSON (anything else it carries left out), or undefined. */
export function sealOf(value: unknown): Seal | undefined {
  const parsed = sealSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
