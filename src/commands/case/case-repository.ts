// Loads a case by folding its stream, keeping folded state per case so that a long case still takes
// a command quickly. The cache is never trusted over the log: every load reads the stream from the
// cached revision on, and a tail that does not chain onto the cached head discards the cache. Folded
// state holds the parties' opened personal data, so an erasure forgets every case (forgetAll).
import { decodeCaseEvent } from '../../events/case-codec.js';
import type { EventStore, StoredEvent } from '../../events/event-store.js';
import { GENESIS_HASH } from '../../events/hash-chain.js';
import { type CaseState, evolve, initialState } from './state.js';

export interface AppliedCommand {
  readonly revision: number;
  readonly position: number;
  readonly fingerprint?: string;
}

export const caseStream = (caseId: string): string => `case-${caseId}`;

export interface LoadedCase {
  readonly state: CaseState;
  /** The last revision, or -1 when the stream does not exist. */
  readonly revision: number;
  readonly position: number;
  readonly headHash: string;
  /** Commands already applied to this case, with the revision and position of their last event. */
  readonly commands: ReadonlyMap<string, AppliedCommand>;
  /**
   * The repository's generation when the stream was read: state read before a forgetAll may hold
   * personal data erased since, and is never cached again.
   */
  readonly generation: number;
}

const EMPTY: LoadedCase = {
  state: initialState(),
  revision: -1,
  position: 0,
  headHash: GENESIS_HASH,
  commands: new Map(),
  generation: 0,
};

export class CaseRepository {
  private readonly cache = new Map<string, LoadedCase>();
  private generation = 0;

  constructor(
    private readonly store: EventStore,
    private readonly maxCached = 10_000,
  ) {}

  async load(caseId: string): Promise<LoadedCase> {
    const cached = this.cache.get(caseId);
    const empty = { ...EMPTY, generation: this.generation };
    const loaded = cached ? await this.catchUp(caseId, cached, empty) : await this.fold(caseId, empty);
    this.remember(caseId, loaded);
    return loaded;
  }

  remember(caseId: string, loaded: LoadedCase): void {
    this.cache.delete(caseId);
    if (loaded.revision < 0 || loaded.generation !== this.generation) return;
    if (this.cache.size >= this.maxCached) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(caseId, loaded);
  }

  forget(caseId: string): void {
    this.cache.delete(caseId);
  }

  /** Forgets every case, including those being read right now (a person's key was erased). */
  forgetAll(): void {
    this.generation += 1;
    this.cache.clear();
  }

  private async catchUp(caseId: string, cached: LoadedCase, empty: LoadedCase): Promise<LoadedCase> {
    // The store may know the stream's head for certain (it wrote it and nobody else wrote since).
    if (this.store.knownRevision?.(caseStream(caseId)) === cached.revision) return cached;
    try {
      return await this.fold(caseId, cached);
    } catch (error) {
      if (!(error instanceof StaleCache)) throw error;
      return this.fold(caseId, empty);
    }
  }

  private async fold(caseId: string, from: LoadedCase): Promise<LoadedCase> {
    let { state, revision, position, headHash } = from;
    const { generation } = from;
    // The cached map grows in place: it only ever gains commands that are in the log, and copying it
    // for every command would cost more the longer the case.
    const commands =
      from.revision < 0 ? new Map<string, AppliedCommand>() : (from.commands as Map<string, AppliedCommand>);
    const tail = this.store.readStream(caseStream(caseId), { fromRevision: revision + 1 });
    try {
      for await (const stored of tail) {
        // The first event after the cached head must chain onto it; otherwise the cache is stale.
        if (
          stored.revision === from.revision + 1 &&
          from.revision >= 0 &&
          stored.metadata.prevHash !== headHash
        ) {
          throw new StaleCache();
        }
        state = evolve(state, decodeCaseEvent(stored));
        ({ revision, position } = stored);
        headHash = String(stored.metadata.hash);
        noteCommand(commands, stored);
      }
    } catch (error) {
      if ((error as { code?: string }).code !== 'stream_not_found') throw error;
      if (from.revision >= 0) throw new StaleCache();
    }
    return { state, revision, position, headHash, commands, generation };
  }
}

class StaleCache extends Error {}

function noteCommand(commands: Map<string, AppliedCommand>, stored: StoredEvent): void {
  const { commandId, fingerprint } = stored.metadata;
  if (typeof commandId !== 'string') return;
  // The fingerprint of the request behind an idempotency key, so that a reused key can be refused.
  const applied = { revision: stored.revision, position: stored.position };
  commands.set(commandId, typeof fingerprint === 'string' ? { ...applied, fingerprint } : applied);
}
