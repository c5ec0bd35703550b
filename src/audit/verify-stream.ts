// One stream's chain, verified from its first event: the per-case answer of GET /cases/{id}/verify
// and `casetrail audit verify --case`.
import { StreamNotFoundError } from '../events/errors.js';
import type { EventStore } from '../events/event-store.js';
import { ChainVerifier } from '../events/hash-chain.js';
import type { Break } from './verify.js';

export interface StreamReport {
  readonly stream: string;
  readonly intact: boolean;
  /** Every event the stream holds, before and after a break. */
  readonly events: number;
  /** The last event that verified: its revision and hash (revision -1 when none did). */
  readonly head: { readonly revision: number; readonly hash: string };
  readonly break?: Break;
}

/** Verifies one stream from its first event; reports its first break. */
export async function verifyStream(store: EventStore, stream: string): Promise<StreamReport> {
  const verifier = new ChainVerifier();
  let events = 0;
  let revision = -1;
  let found: Break | undefined;
  const report = (): StreamReport => ({
    stream,
    intact: found === undefined,
    events,
    head: { revision, hash: verifier.head },
    ...(found ? { break: found } : {}),
  });
  try {
    for await (const event of store.readStream(stream)) {
      events += 1;
      if (found) continue;
      const broken = verifier.check(event);
      if (broken) found = { stream, position: event.position, ...broken };
      else revision = event.revision;
    }
  } catch (error) {
    if (error instanceof StreamNotFoundError) return report();
    if (!(error instanceof SyntaxError)) throw error;
    // What follows an unreadable event cannot be counted either: the answer says so by its break.
    const detail = `an event at or after revision ${revision + 1} is not valid JSON any more: ${error.message}`;
    found ??= { stream, revision: revision + 1, position: null, problem: 'unreadable', detail };
  }
  return report();
}
