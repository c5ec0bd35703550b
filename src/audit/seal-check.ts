// A seal checked against the log: the stream heads as they stood at the sealed position, recomputed
// by the verification pass, must give the sealed root. When they do not, the sealed leaves (from the
// seal file, or the log's copy if it still hashes to the root) name the streams that differ.
import type { EventStore } from '../events/event-store.js';
import { diffLeaves, type SealDifference, type SealLeaf, sealBody } from './merkle.js';
import { readSeals } from './seal-store.js';

/** What a verification is told about a seal: at least its position and root, kept outside the system. */
export interface SealReference {
  readonly position: number;
  readonly root: string;
  readonly sealId?: string;
  readonly leaves?: readonly SealLeaf[];
}

export interface SealCheck {
  readonly sealId?: string;
  readonly position: number;
  readonly root: string;
  readonly intact: boolean;
  /** What the log gives today for the same position. */
  readonly found: { readonly root: string; readonly streams: number; readonly events: number };
  /** The streams whose heads differ from the seal's, when the sealed leaves are at hand. */
  readonly differences: readonly SealDifference[];
  readonly detail: string;
}

export async function compareWithSeal(
  store: EventStore,
  reference: SealReference,
  found: readonly SealLeaf[],
): Promise<SealCheck> {
  const now = sealBody(reference.position, found);
  const base = {
    ...(reference.sealId ? { sealId: reference.sealId } : {}),
    position: reference.position,
    root: reference.root,
    found: { root: now.root, streams: now.streams, events: now.events },
  };
  if (now.root === reference.root) {
    const detail = `the ${now.streams} stream heads at position ${reference.position} give the sealed root`;
    return { ...base, intact: true, differences: [], detail };
  }
  const sealed = await sealedLeaves(store, reference);
  if (!sealed) {
    const detail =
      `the stream heads at position ${reference.position} no longer give the sealed root, and no copy of ` +
      "the seal's leaves that hashes to it is at hand, so the streams that differ cannot be named";
    return { ...base, intact: false, differences: [], detail };
  }
  const differences = diffLeaves(sealed, found);
  const names = differences.map((difference) => difference.stream);
  const detail = `${differences.length} stream(s) differ from the seal at position ${reference.position}: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''}`;
  return { ...base, intact: false, differences, detail };
}

/** The sealed leaves, only from a source whose leaves hash to the reference's root. */
async function sealedLeaves(
  store: EventStore,
  reference: SealReference,
): Promise<readonly SealLeaf[] | undefined> {
  const authentic = (leaves: readonly SealLeaf[] | undefined) =>
    leaves !== undefined && sealBody(reference.position, leaves).root === reference.root;
  if (authentic(reference.leaves)) return reference.leaves;
  const stored = await readSeals(store).catch(() => []);
  const match = stored.find(
    ({ seal, leaves }) =>
      seal.position === reference.position &&
      (reference.sealId === undefined || seal.sealId === reference.sealId) &&
      authentic(leaves),
  );
  return match?.leaves;
}
