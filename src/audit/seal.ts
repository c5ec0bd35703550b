// Taking a seal (DESIGN.md §5): verify every chain up to the head, take each stream's head there, and
// state their Merkle root with the position and counts; print it for safekeeping outside the system
// and keep a copy with its leaves in `audit-seals`. A log that does not verify is never sealed.
import type { EventStore } from '../events/event-store.js';
import { uuidv7 } from '../events/ids.js';
import { byStream, SEAL_VERSION, type SealLeaf, sealBody, sealRoot } from './merkle.js';
import type { SealReference } from './seal-check.js';
import { isLeaf, type Seal, type SealRequest, sealOf, storeSeal } from './seal-store.js';
import { type Break, describeBreak, type PassOptions, type Progress, passOverLog } from './verify.js';

export class LogNotIntactError extends Error {
  readonly code = 'log_not_intact';
  constructor(readonly breaks: readonly Break[]) {
    const first = breaks[0];
    const which = first ? `; the first: ${describeBreak(first)}` : '';
    super(`the log does not verify, so it is not sealed: ${breaks.length} stream(s) broken${which}`);
    this.name = 'LogNotIntactError';
  }
}

export interface TakenSeal {
  readonly seal: Seal;
  readonly leaves: readonly SealLeaf[];
}

/** Seals the log at its head (or `at`), stores the seal and returns it. */
export async function takeSeal(
  store: EventStore,
  request: SealRequest & { readonly at?: number; readonly onProgress?: (progress: Progress) => void },
  options: Pick<PassOptions, 'pageSize' | 'progressEvery'> = {},
): Promise<TakenSeal> {
  const position = request.at ?? (await store.headPosition()) ?? 0;
  for await (const item of passOverLog(store, { ...options, until: position, headsAt: position })) {
    if (item.type === 'progress') request.onProgress?.(item);
    if (item.type !== 'end') continue;
    if (item.breaks.length > 0) throw new LogNotIntactError(item.breaks);
    const body = sealBody(position, item.leaves);
    const seal: Seal = {
      sealId: uuidv7(),
      version: SEAL_VERSION,
      ...body,
      takenAt: request.occurredAt,
      takenBy: { id: request.actor.id, role: request.actor.role },
    };
    const leaves = [...item.leaves].sort(byStream);
    await storeSeal(store, seal, leaves, request);
    return { seal, leaves };
  }
  throw new Error('the pass over the log ended without a result');
}

export class InvalidSealError extends Error {
  readonly code = 'invalid_seal';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSealError';
  }
}

/**
 * A seal as kept outside the system (the JSON `audit seal` printed, with or without its leaves): it
 * must be a seal whose root covers its own position, counts and Merkle root.
 */
export function sealReferenceOf(value: unknown): SealReference {
  const seal = sealOf(value);
  if (!seal) {
    throw new InvalidSealError(
      'not a casetrail seal: it needs sealId, version, position, streams, events, merkleRoot, root and takenAt',
    );
  }
  if (sealRoot(seal) !== seal.root) {
    throw new InvalidSealError(
      `seal ${seal.sealId} is not consistent: its root does not cover its position, counts and Merkle root`,
    );
  }
  const leaves = (value as { leaves?: unknown }).leaves;
  const reference = { sealId: seal.sealId, position: seal.position, root: seal.root };
  if (leaves === undefined) return reference;
  if (!Array.isArray(leaves) || !leaves.every(isLeaf))
    throw new InvalidSealError(`seal ${seal.sealId} has leaves that are not [stream, revision, hash]`);
  return { ...reference, leaves };
}
