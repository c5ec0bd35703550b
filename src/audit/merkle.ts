// The arithmetic of a seal, pure. Leaves are the stream heads at a global position,
// [stream, last revision, head hash], sorted by stream name (UTF-16 code units, as RFC 8785 sorts
// keys). The tree is RFC 6962's Merkle Tree Hash over SHA-256:
//   MTH({})      = SHA-256()
//   MTH({d})     = SHA-256(0x00 ‖ d)                      d = UTF-8 of the leaf's canonical JSON
//   MTH(D[0:n])  = SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n]))   k = the largest power of two < n
// and the seal's root binds the tree to the position and the counts, so that neither can be moved:
//   root = SHA-256(canonical JSON of {version, position, streams, events, merkleRoot}).
import { createHash } from 'node:crypto';
import { canonicalJson } from '../events/hash-chain.js';

/** A stream head: [stream, last revision at or before the sealed position, that event's hash]. */
export type SealLeaf = readonly [stream: string, revision: number, hash: string];

export const SEAL_VERSION = 1;

const sha256 = (...parts: Buffer[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};
const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

export const byStream = (a: SealLeaf, b: SealLeaf): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

export function leafHash(leaf: SealLeaf): Buffer {
  return sha256(LEAF, Buffer.from(canonicalJson(leaf), 'utf8'));
}

/** RFC 6962 §2.1 over leaves already sorted by stream. */
export function merkleTreeHash(sorted: readonly SealLeaf[]): string {
  if (sorted.length === 0) return sha256().toString('hex');
  return subtree(sorted.map(leafHash), 0, sorted.length).toString('hex');
}

function subtree(hashes: readonly Buffer[], from: number, to: number): Buffer {
  const n = to - from;
  if (n === 1) return hashes[from]!;
  let k = 1;
  while (k * 2 < n) k *= 2;
  return sha256(NODE, subtree(hashes, from, from + k), subtree(hashes, from + k, to));
}

export interface SealBody {
  readonly position: number;
  /** How many streams had events at or before the position. */
  readonly streams: number;
  /** How many events there were up to the position: the sum of (revision + 1) over the leaves. */
  readonly events: number;
  readonly merkleRoot: string;
}

export function sealRoot(body: SealBody): string {
  const { position, streams, events, merkleRoot } = body;
  const canonical = canonicalJson({ version: SEAL_VERSION, position, streams, events, merkleRoot });
  return createHash('sha256').update(canonical).digest('hex');
}

/** Sorts the leaves and computes everything a seal states about them. */
export function sealBody(position: number, leaves: readonly SealLeaf[]): SealBody & { root: string } {
  const sorted = [...leaves].sort(byStream);
  const events = sorted.reduce((sum, [, revision]) => sum + revision + 1, 0);
  const body = { position, streams: sorted.length, events, merkleRoot: merkleTreeHash(sorted) };
  return { ...body, root: sealRoot(body) };
}

export type DifferenceProblem =
  | 'head_changed'
  | 'events_missing'
  | 'events_added'
  | 'stream_missing'
  | 'stream_added';

export interface SealDifference {
  readonly stream: string;
  readonly problem: DifferenceProblem;
  readonly sealed?: { readonly revision: number; readonly hash: string };
  readonly found?: { readonly revision: number; readonly hash: string };
  readonly detail: string;
}

const head = (leaf: SealLeaf) => ({ revision: leaf[1], hash: leaf[2] });

function differenceOf(sealed: SealLeaf | undefined, found: SealLeaf | undefined): SealDifference | undefined {
  if (sealed && !found)
    return {
      stream: sealed[0],
      problem: 'stream_missing',
      sealed: head(sealed),
      detail: `sealed with ${sealed[1] + 1} events; none of them is in the log any more`,
    };
  if (found && !sealed)
    return {
      stream: found[0],
      problem: 'stream_added',
      found: head(found),
      detail: `${found[1] + 1} events at or before the sealed position that the seal does not know`,
    };
  if (!sealed || !found || (sealed[1] === found[1] && sealed[2] === found[2])) return undefined;
  const both = { stream: sealed[0], sealed: head(sealed), found: head(found) };
  if (found[1] < sealed[1])
    return {
      ...both,
      problem: 'events_missing',
      detail: `sealed at revision ${sealed[1]}, the log now ends at revision ${found[1]}`,
    };
  if (found[1] > sealed[1])
    return {
      ...both,
      problem: 'events_added',
      detail: `sealed at revision ${sealed[1]}, the log now has revision ${found[1]} before the sealed position`,
    };
  return {
    ...both,
    problem: 'head_changed',
    detail: `revision ${sealed[1]} was sealed with hash ${sealed[2]}; it now hashes to ${found[2]}`,
  };
}

/** The streams whose heads differ between two sets of leaves, in stream order. */
export function diffLeaves(sealed: readonly SealLeaf[], found: readonly SealLeaf[]): SealDifference[] {
  const a = [...sealed].sort(byStream);
  const b = [...found].sort(byStream);
  const differences: SealDifference[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    const order = x && y ? byStream(x, y) : x ? -1 : 1;
    const difference = differenceOf(order <= 0 ? x : undefined, order >= 0 ? y : undefined);
    if (difference) differences.push(difference);
    if (order <= 0) i += 1;
    if (order >= 0) j += 1;
  }
  return differences;
}
