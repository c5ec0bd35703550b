// The audit chain: each event's hash is SHA-256 over the RFC 8785 canonical JSON of its stream,
// revision, type, data and metadata (without `hash`); `prevHash` is the previous event's hash.
import { createHash } from 'node:crypto';
import type { Json, JsonObject } from './event-store.js';

/** RFC 8785 (JCS): sorted keys (UTF-16 order), no white space, ECMAScript number and string forms. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonical JSON has no form for ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object') {
    // Keys sorted by UTF-16 code units (the default sort), built by concatenation: this runs for every
    // event written and verified, so it avoids the intermediate arrays of entries/filter/map/join.
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    let out = '{';
    for (const key of keys) {
      const item = record[key];
      if (item === undefined) continue;
      out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(item)}`;
    }
    return `${out}}`;
  }
  throw new TypeError(`canonical JSON has no form for a ${typeof value}`);
}

/** The hash of the first event's predecessor. */
export const GENESIS_HASH = '0'.repeat(64);

export interface Chained {
  readonly stream: string;
  readonly revision: number;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata: JsonObject;
}

export function eventHash(event: Chained): string {
  const { hash: _hash, ...metadata } = event.metadata;
  const body = {
    stream: event.stream,
    revision: event.revision,
    type: event.type,
    data: event.data,
    metadata,
  };
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

export type ChainBreak =
  | { readonly revision: number; readonly problem: 'revision_gap'; readonly detail: string }
  | { readonly revision: number; readonly problem: 'prev_hash_mismatch'; readonly detail: string }
  | { readonly revision: number; readonly problem: 'hash_mismatch'; readonly detail: string };

/** Walks one stream's events in order and names the first that no longer matches, if any. */
export class ChainVerifier {
  private expectedRevision = 0;
  private previous = GENESIS_HASH;

  get head(): string {
    return this.previous;
  }

  check(event: Chained): ChainBreak | undefined {
    const { revision } = event;
    if (revision !== this.expectedRevision) {
      return {
        revision,
        problem: 'revision_gap',
        detail: `expected revision ${this.expectedRevision}, found ${revision}`,
      };
    }
    const prevHash = event.metadata.prevHash as Json | undefined;
    if (prevHash !== this.previous) {
      return {
        revision,
        problem: 'prev_hash_mismatch',
        detail: `prevHash ${String(prevHash)} should be ${this.previous}`,
      };
    }
    const actual = eventHash(event);
    if (event.metadata.hash !== actual) {
      return {
        revision,
        problem: 'hash_mismatch',
        detail: `stored hash ${String(event.metadata.hash)}, content hashes to ${actual}`,
      };
    }
    this.expectedRevision += 1;
    this.previous = actual;
    return undefined;
  }
}
