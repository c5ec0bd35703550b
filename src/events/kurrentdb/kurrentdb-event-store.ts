// The EventStore port over a KurrentDB node or cluster, through @kurrent/kurrentdb-client.
import {
  BACKWARDS,
  END,
  type Filter,
  FORWARDS,
  jsonEvent,
  KurrentDBClient,
  type ReadRevision,
  type ResolvedEvent,
  START,
  streamNameFilter,
} from '@kurrent/kurrentdb-client';
import {
  DEFAULT_MAX_EVENT_BYTES,
  validateAppend,
  validatePosition,
  validateReadAll,
  validateReadStream,
} from '../append-validation.js';
import { StoreClosedError } from '../errors.js';
import {
  type AppendOptions,
  type AppendResult,
  CASETRAIL_STREAM_PREFIXES,
  type EventStore,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
  type SubscribeOptions,
  type Subscription,
} from '../event-store.js';
import {
  commitOf,
  reportedPosition,
  toAppendError,
  toPosition,
  toSafeNumber,
  toStoredEvent,
  toStoreError,
  toStreamState,
} from './kurrentdb-mapping.js';
import { KurrentDbSubscription } from './kurrentdb-subscription.js';

export interface KurrentDbEventStoreOptions {
  /** e.g. kurrentdb://localhost:2113?tls=false, or kurrentdb://node1:2113,node2:2113,node3:2113 */
  readonly connectionString: string;
  readonly maxEventBytes?: number;
  /** Streams outside these prefixes (and every `$` system stream) are invisible to readAll and subscriptions. */
  readonly streamPrefixes?: readonly string[];
}

/** Stream reads fetch pages of this many events, so no single server read is unbounded. */
const STREAM_PAGE_SIZE = 500;
/** Bounds the events buffered between the gRPC stream and a slow subscriber. */
const SUBSCRIPTION_BUFFER = 128;

// The schemes the client's own parser accepts; `esdb` ones are deprecated but still work.
const CONNECTION_STRING = /^(?:kurrentdb|kurrent|kdb|esdb)(?:\+discover)?:\/\//;

export function isKurrentDbConnectionString(value: string): boolean {
  return CONNECTION_STRING.test(value.trim());
}

export function createKurrentDbEventStore(options: KurrentDbEventStoreOptions): EventStore {
  const prefixes = [...(options.streamPrefixes ?? CASETRAIL_STREAM_PREFIXES)];
  if (prefixes.length === 0 || prefixes.some((prefix) => prefix === '' || prefix.startsWith('$'))) {
    throw new Error('KurrentDB stream prefixes must be non-empty and must not name $ system streams');
  }
  let client: KurrentDBClient;
  try {
    client = KurrentDBClient.connectionString(options.connectionString);
  } catch (error) {
    throw new Error(`not a usable KurrentDB connection string: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const filter = streamNameFilter({ prefixes });
  return new KurrentDbEventStore(client, filter, options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES);
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

function storedEvents(page: readonly ResolvedEvent[]): StoredEvent[] {
  return page.map(toStoredEvent).filter((event): event is StoredEvent => event !== undefined);
}

class KurrentDbEventStore implements EventStore {
  private closed = false;
  private readonly subscriptions = new Set<KurrentDbSubscription>();
  private readonly appending = new Set<Promise<unknown>>();

  constructor(
    private readonly client: KurrentDBClient,
    private readonly filter: Filter,
    private readonly maxEventBytes: number,
  ) {}

  async append(stream: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    this.assertOpen();
    const { expected, encoded } = validateAppend(stream, events, options, this.maxEventBytes);
    // The client serialises data itself, so it gets the validated objects; ids come lowercased from
    // validation, and KurrentDB deduplicates a retry that carries the same ids.
    const proposed = encoded.map(({ id, type }, index) =>
      jsonEvent({ id, type, data: events[index]!.data, metadata: events[index]!.metadata ?? {} }),
    );
    const pending = this.client.appendToStream(stream, proposed, { streamState: toStreamState(expected) });
    this.appending.add(pending);
    try {
      const { nextExpectedRevision, position } = await pending;
      const commit =
        reportedPosition(position?.commit) ?? (await this.commitAtRevision(stream, nextExpectedRevision));
      return {
        nextExpectedRevision: toSafeNumber(nextExpectedRevision, 'revision'),
        position: toSafeNumber(commit, 'position'),
      };
    } catch (error) {
      throw toAppendError(error, stream, expected);
    } finally {
      this.appending.delete(pending);
    }
  }

  async *readStream(stream: string, options: ReadStreamOptions = {}): AsyncGenerator<StoredEvent> {
    this.assertOpen();
    validateReadStream(stream, options);
    const direction = options.direction === 'backwards' ? BACKWARDS : FORWARDS;
    let from: ReadRevision =
      options.fromRevision !== undefined
        ? BigInt(options.fromRevision)
        : direction === BACKWARDS
          ? END
          : START;
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      this.assertOpen();
      const maxCount = Math.min(STREAM_PAGE_SIZE, remaining);
      // A whole page is read before yielding, so a consumer that stops early leaves no server read open.
      const page = await this.read(
        this.client.readStream(stream, { direction, fromRevision: from, maxCount }),
        stream,
      );
      yield* storedEvents(page);
      remaining -= page.length;
      const last = page.at(-1)?.event?.revision;
      if (page.length < maxCount || last === undefined || (direction === BACKWARDS && last === 0n)) return;
      from = direction === BACKWARDS ? last - 1n : last + 1n;
    }
  }

  async readAll({ after, limit }: ReadAllOptions): Promise<StoredEvent[]> {
    this.assertOpen();
    validateReadAll(after, limit);
    // The client's fromPosition is inclusive: read one more and drop the event at `after` itself.
    const fromPosition = after === undefined ? START : toPosition(after);
    const maxCount = after === undefined ? limit : limit + 1;
    const page = await this.read(this.client.readAll({ fromPosition, maxCount, filter: this.filter }));
    const events = storedEvents(page).filter((event) => after === undefined || event.position > after);
    return events.slice(0, limit);
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    validatePosition(options.after);
    return new KurrentDbSubscription({
      open: (after) =>
        this.client.subscribeToAll(
          {
            fromPosition: after === undefined ? START : { commit: after, prepare: after },
            filter: this.filter,
          },
          { highWaterMark: SUBSCRIPTION_BUFFER },
        ),
      after: options.after,
      signal: options.signal,
      registry: this.subscriptions,
    });
  }

  async headPosition(): Promise<number | undefined> {
    this.assertOpen();
    const [newest] = await this.read(
      this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1, filter: this.filter }),
    );
    const commit = newest && commitOf(newest);
    return commit === undefined ? undefined : toSafeNumber(commit, 'position');
  }

  /** Lets appends in flight finish, ends subscriptions, then releases the client's connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.appending]);
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.client.dispose();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }

  private async read<T extends ResolvedEvent>(reading: AsyncIterable<T>, stream?: string): Promise<T[]> {
    try {
      return await collect(reading);
    } catch (error) {
      throw toStoreError(error, stream);
    }
  }

  /** Older servers leave the position out of an idempotent append's answer: look the event up. */
  private async commitAtRevision(stream: string, revision: bigint): Promise<bigint> {
    const [event] = await this.read(
      this.client.readStream(stream, { fromRevision: revision, maxCount: 1 }),
      stream,
    );
    const commit = event && commitOf(event);
    if (commit === undefined) throw new Error(`KurrentDB gave no position for ${stream}@${revision}`);
    return commit;
  }
}
