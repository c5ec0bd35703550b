// Chain verification (DESIGN.md §5): one ordered pass over the global log with a ChainVerifier per
// stream, naming the first event of each stream that no longer matches; and, against a seal, the
// stream heads as they stood at the sealed position (which catches what a chain alone cannot: events
// cut from the end of a stream, or a whole stream rewritten with a consistently recomputed chain).
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { EventStore, StoredEvent } from '../events/event-store.js';
import { type ChainBreak, ChainVerifier } from '../events/hash-chain.js';
import type { SealLeaf } from './merkle.js';
import { readPage } from './read-log.js';
import { compareWithSeal, type SealCheck, type SealReference } from './seal-check.js';

export type BreakProblem = ChainBreak['problem'] | 'unreadable';

export interface Break {
  /** null when the event could not be read at all, so its stream is unknown. */
  readonly stream: string | null;
  readonly revision: number | null;
  readonly position: number | null;
  readonly problem: BreakProblem;
  readonly detail: string;
}

/** "case-7f3… at revision 4 (position 812): hash_mismatch — stored hash …" */
export function describeBreak(found: Break): string {
  const where =
    found.stream === null
      ? `the event at position ${found.position}`
      : `${found.stream} at revision ${found.revision}${found.position === null ? '' : ` (position ${found.position})`}`;
  return `${where}: ${found.problem} — ${found.detail}`;
}

export interface Progress {
  /** The last position verified, and the position the pass runs to. */
  readonly position: number;
  readonly target: number;
  readonly events: number;
  readonly streams: number;
  readonly breaks: number;
}

export interface VerifyReport {
  readonly intact: boolean;
  /** The pass covered the log up to this position (the head when it started). */
  readonly position: number;
  readonly events: number;
  readonly streams: number;
  /** The first break of each broken stream, in the order the pass met them. */
  readonly breaks: readonly Break[];
  readonly seal?: SealCheck;
  readonly seconds: number;
}

export type VerifyItem =
  | ({ readonly type: 'progress' } & Progress)
  | ({ readonly type: 'break' } & Break)
  | ({ readonly type: 'summary' } & VerifyReport);

export interface VerifyOptions {
  /** Events per read; the pass never holds more than one page. */
  readonly pageSize?: number;
  /** A progress item after at least this many events (default 10,000); 0 for none. */
  readonly progressEvery?: number;
  /** Also compare the stream heads at the seal's position with it. */
  readonly seal?: SealReference;
  /** Stop at this position instead of the head (for a seal taken at a position). */
  readonly until?: number;
}

interface StreamState {
  readonly verifier: ChainVerifier;
  broken: boolean;
  /** The last verified event at or before `headsAt`. */
  headRevision: number;
  headHash: string;
}

/** A ChainVerifier per stream, fed the log in order; keeps each stream's head as of `headsAt`. */
class LogVerifier {
  readonly streams = new Map<string, StreamState>();
  readonly breaks: Break[] = [];
  events = 0;

  constructor(private readonly headsAt: number) {}

  /** The stream's first break, when this event is it. */
  check(event: StoredEvent): Break | undefined {
    let state = this.streams.get(event.stream);
    if (state === undefined) {
      state = { verifier: new ChainVerifier(), broken: false, headRevision: -1, headHash: '' };
      this.streams.set(event.stream, state);
    }
    this.events += 1;
    if (state.broken) return undefined;
    const broken = state.verifier.check(event);
    if (broken) {
      state.broken = true;
      const found: Break = { stream: event.stream, position: event.position, ...broken };
      this.breaks.push(found);
      return found;
    }
    if (event.position <= this.headsAt) {
      state.headRevision = event.revision;
      state.headHash = state.verifier.head;
    }
    return undefined;
  }

  leaves(): SealLeaf[] {
    const leaves: SealLeaf[] = [];
    for (const [stream, state] of this.streams) {
      if (state.headRevision >= 0) leaves.push([stream, state.headRevision, state.headHash]);
    }
    return leaves;
  }
}

export interface PassOptions {
  readonly pageSize?: number;
  readonly progressEvery?: number;
  readonly until?: number;
  /** Collect every stream's head as it stood at this position (for a seal). */
  readonly headsAt?: number;
}

export type PassItem =
  | ({ readonly type: 'progress' } & Progress)
  | ({ readonly type: 'break' } & Break)
  | {
      readonly type: 'end';
      readonly position: number;
      readonly events: number;
      readonly streams: number;
      readonly breaks: readonly Break[];
      /** The heads at `headsAt` of the streams that had verified events by then. */
      readonly leaves: readonly SealLeaf[];
    };

/** The one ordered pass over the log, from its start to `until` (the head when it starts). */
export async function* passOverLog(store: EventStore, options: PassOptions = {}): AsyncGenerator<PassItem> {
  const progressEvery = options.progressEvery ?? 10_000;
  // Progress comes between pages, so a page is never longer than the progress step.
  const pageSize = Math.min(
    options.pageSize ?? 1000,
    progressEvery > 0 ? progressEvery : Number.MAX_SAFE_INTEGER,
  );
  const target = options.until ?? (await store.headPosition()) ?? 0;
  const log = new LogVerifier(options.headsAt ?? -1);
  let position = 0;
  let reported = 0;
  const progress = (): PassItem => {
    reported = log.events;
    const { events, streams, breaks } = log;
    return { type: 'progress', position, target, events, streams: streams.size, breaks: breaks.length };
  };
  while (position < target) {
    const read = await readPage(store, position, Math.min(pageSize, target - position));
    if (read.unreadable) {
      log.breaks.push(read.unreadable);
      yield { type: 'break', ...read.unreadable };
    }
    if (read.events.length === 0 && !read.unreadable) break;
    for (const event of read.events) {
      if (event.position > target) break;
      const found = log.check(event);
      if (found) yield { type: 'break', ...found };
    }
    position = Math.min(read.next, target);
    // Hashing is CPU work: a turn of the event loop between pages keeps a service that verifies
    // answering its other requests.
    await nextTurn();
    if (progressEvery > 0 && log.events - reported >= progressEvery) yield progress();
  }
  if (progressEvery > 0 && reported !== log.events) yield progress();
  const { events, streams, breaks } = log;
  yield { type: 'end', position: target, events, streams: streams.size, breaks, leaves: log.leaves() };
}

/** Verifies every stream in one pass; yields progress and breaks as they come, then the summary. */
export async function* verifyLog(store: EventStore, options: VerifyOptions = {}): AsyncGenerator<VerifyItem> {
  const startedAt = process.hrtime.bigint();
  const passOptions = { ...options, ...(options.seal ? { headsAt: options.seal.position } : {}) };
  for await (const item of passOverLog(store, passOptions)) {
    if (item.type !== 'end') {
      yield item;
      continue;
    }
    const { leaves, type: _end, ...pass } = item;
    const seal = options.seal ? await compareWithSeal(store, options.seal, leaves) : undefined;
    yield {
      type: 'summary',
      ...pass,
      intact: pass.breaks.length === 0 && (seal?.intact ?? true),
      ...(seal ? { seal } : {}),
      seconds: Number(process.hrtime.bigint() - startedAt) / 1e9,
    };
  }
}

/** Runs the pass to its end and returns the summary; progress goes to the callback. */
export async function verifyAll(
  store: EventStore,
  options: VerifyOptions & { readonly onProgress?: (progress: Progress) => void } = {},
): Promise<VerifyReport> {
  for await (const item of verifyLog(store, options)) {
    if (item.type === 'progress') options.onProgress?.(item);
    if (item.type === 'summary') {
      const { type: _type, ...report } = item;
      return report;
    }
  }
  throw new Error('the verification ended without a summary');
}
