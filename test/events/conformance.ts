// The one conformance suite every EventStore adapter must pass. Each test writes to streams of its
// own (random names) so that it also runs against a shared KurrentDB server.
import { randomUUID } from 'node:crypto';
import type { Test } from 'tap';
import { ConcurrencyError, InvalidAppendError, StreamNotFoundError } from '../../src/events/errors.js';
import type {
  EventStore,
  ExpectedRevision,
  JsonObject,
  NewEvent,
  StoredEvent,
} from '../../src/events/event-store.js';
import { readStreamToArray } from '../../src/events/event-store.js';
import { uuidv7 } from '../../src/events/ids.js';

export type StoreFactory = () => Promise<EventStore>;

export function event(type = 'NoteAdded', data: NewEvent['data'] = {}): NewEvent {
  return { id: uuidv7(), type, data, metadata: { actor: { id: 'u-1', role: 'mediator' } } };
}

export const freshStream = (): string => `case-${randomUUID()}`;

async function take(
  iterable: AsyncIterable<StoredEvent>,
  count: number,
  mine: Set<string>,
): Promise<StoredEvent[]> {
  const seen: StoredEvent[] = [];
  for await (const stored of iterable) {
    if (mine.has(stored.stream)) seen.push(stored);
    if (seen.length >= count) break;
  }
  return seen;
}

export function eventStoreConformance(t: Test, makeStore: StoreFactory): void {
  let store: EventStore;
  t.before(async () => {
    store = await makeStore();
  });
  t.teardown(async () => store?.close());

  t.test('a stream reads back in order, forwards and backwards, from any revision', async (t) => {
    const stream = freshStream();
    const first = await store.append(stream, [event('A'), event('B'), event('C')], {
      expectedRevision: 'noStream',
    });
    const second = await store.append(stream, [event('D'), event('E')], { expectedRevision: 2 });
    t.equal(first.nextExpectedRevision, 2);
    t.equal(second.nextExpectedRevision, 4);
    t.ok(second.position > first.position, 'the later append has a later global position');
    const all = await readStreamToArray(store, stream);
    t.same(
      all.map((e) => [e.revision, e.type, e.stream]),
      ['A', 'B', 'C', 'D', 'E'].map((type, revision) => [revision, type, stream]),
    );
    t.equal(all.at(-1)?.position, second.position, 'the answer names the position of the last event');
    const backwards = await readStreamToArray(store, stream, { direction: 'backwards' });
    t.same(
      backwards.map((e) => e.type),
      ['E', 'D', 'C', 'B', 'A'],
    );
    const middle = await readStreamToArray(store, stream, { fromRevision: 1, maxCount: 2 });
    t.same(
      middle.map((e) => e.type),
      ['B', 'C'],
    );
    const tail = await readStreamToArray(store, stream, {
      direction: 'backwards',
      fromRevision: 3,
      maxCount: 2,
    });
    t.same(
      tail.map((e) => e.type),
      ['D', 'C'],
    );
    t.ok(all.every((e) => e.recordedAt instanceof Date && !Number.isNaN(e.recordedAt.getTime())));
    t.same(all[0]?.metadata, { actor: { id: 'u-1', role: 'mediator' } }, 'metadata round-trips');
  });

  t.test('reading a stream that does not exist says so', async (t) => {
    await t.rejects(readStreamToArrayStrict(store, freshStream()), StreamNotFoundError);
  });

  t.test('the four expected-revision cases', async (t) => {
    const stream = freshStream();
    await t.rejects(store.append(stream, [event()], { expectedRevision: 'exists' }), {
      code: 'concurrency_conflict',
      expected: 'exists',
      actual: 'noStream',
    });
    await t.rejects(store.append(stream, [event()], { expectedRevision: 3 }), {
      code: 'concurrency_conflict',
      actual: 'noStream',
    });
    t.same(await readStreamToArray(store, stream), [], 'a refused append writes nothing');
    t.equal(
      (await store.append(stream, [event()], { expectedRevision: 'noStream' })).nextExpectedRevision,
      0,
    );
    await t.rejects(store.append(stream, [event()], { expectedRevision: 'noStream' }), {
      code: 'concurrency_conflict',
      expected: 'noStream',
      actual: 0,
    });
    t.equal((await store.append(stream, [event()], { expectedRevision: 'exists' })).nextExpectedRevision, 1);
    t.equal((await store.append(stream, [event()], { expectedRevision: 'any' })).nextExpectedRevision, 2);
    t.equal((await store.append(stream, [event()])).nextExpectedRevision, 3, "'any' is the default");
    t.equal((await store.append(stream, [event()], { expectedRevision: 3 })).nextExpectedRevision, 4);
    const stale = await store
      .append(stream, [event()], { expectedRevision: 2 })
      .catch((error: unknown) => error);
    t.ok(stale instanceof ConcurrencyError, 'a stale exact revision is a concurrency conflict');
    t.match(stale, { stream, expected: 2, actual: 4 });
    t.equal((await readStreamToArray(store, stream)).length, 5, 'the stale append wrote nothing');
    const fresh = freshStream();
    t.equal((await store.append(fresh, [event()], { expectedRevision: 'any' })).nextExpectedRevision, 0);
  });

  t.test('many concurrent appends to one stream: exactly one wins per revision', async (t) => {
    const stream = freshStream();
    await store.append(stream, [event('Opened')], { expectedRevision: 'noStream' });
    const racers = Array.from({ length: 40 }, () => event('Raced'));
    const results = await Promise.allSettled(
      racers.map((racer) => store.append(stream, [racer], { expectedRevision: 0 })),
    );
    const winners = results.filter((result) => result.status === 'fulfilled');
    t.equal(winners.length, 1, 'one writer at revision 0 wins');
    t.ok(
      results.every((r) => r.status === 'fulfilled' || r.reason instanceof ConcurrencyError),
      'every loser gets a concurrency conflict',
    );
    // Writers that retry on conflict: every success must land at its own revision, none lost.
    let successes = 0;
    const writer = async (): Promise<void> => {
      for (let done = 0; done < 5; ) {
        const head = (await readStreamToArray(store, stream, { direction: 'backwards', maxCount: 1 }))[0]!;
        try {
          await store.append(stream, [event('Looped')], { expectedRevision: head.revision });
          done += 1;
          successes += 1;
        } catch (error) {
          if (!(error instanceof ConcurrencyError)) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, writer));
    const all = await readStreamToArray(store, stream);
    t.equal(successes, 40);
    t.same(
      all.map((e) => e.revision),
      Array.from({ length: 42 }, (_, i) => i),
      'revisions are contiguous with no gap and no duplicate',
    );
    t.equal(new Set(all.map((e) => e.id)).size, 42, 'every stored event is a different one');
  });

  t.test(
    'an append retried with the same event ids returns the first result and writes nothing',
    async (t) => {
      const stream = freshStream();
      const batch = [event('A'), event('B')];
      const first = await store.append(stream, batch, { expectedRevision: 'noStream' });
      t.same(
        await store.append(stream, batch, { expectedRevision: 'noStream' }),
        first,
        'retry with noStream',
      );
      const next = [event('C')];
      const second = await store.append(stream, next, { expectedRevision: 1 });
      t.same(
        await store.append(stream, next, { expectedRevision: 1 }),
        second,
        'retry with an exact revision',
      );
      t.same(await store.append(stream, next, { expectedRevision: 'any' }), second, 'retry with any');
      const all = await readStreamToArray(store, stream);
      t.same(
        all.map((e) => e.type),
        ['A', 'B', 'C'],
        'nothing was written twice',
      );
    },
  );

  t.test('global order across streams follows the order of acknowledged appends', async (t) => {
    const streams = [freshStream(), freshStream(), freshStream()];
    const before = (await store.headPosition()) ?? 0;
    const written: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      const stream = streams[i % 3]!;
      const appended = event('Step', { i });
      await store.append(stream, [appended]);
      written.push(appended.id);
    }
    const mine = new Set(streams);
    const read = (await store.readAll({ after: before, limit: 1000 })).filter((e) => mine.has(e.stream));
    t.same(
      read.map((e) => e.id),
      written,
      'readAll returns events in append order',
    );
    t.ok(
      read.every((e, i) => i === 0 || e.position > read[i - 1]!.position),
      'positions strictly increase',
    );
    const paged: StoredEvent[] = [];
    for (let after = before; ; ) {
      const page = await store.readAll({ after, limit: 5 });
      if (page.length === 0) break;
      paged.push(...page.filter((e) => mine.has(e.stream)));
      after = page.at(-1)!.position;
    }
    t.same(
      paged.map((e) => e.id),
      written,
      'paging by the last position misses and repeats nothing',
    );
    t.ok(
      ((await store.headPosition()) ?? 0) >= read.at(-1)!.position,
      'the head is at or past our last event',
    );
  });

  t.test('a subscription catches up, then follows live appends without gap or duplicate', async (t) => {
    const stream = freshStream();
    const before = (await store.headPosition()) ?? 0;
    const early = Array.from({ length: 1200 }, (_, i) => event('Early', { i }));
    for (let i = 0; i < early.length; i += 300) await store.append(stream, early.slice(i, i + 300));
    const subscription = store.subscribeToAll({ after: before });
    const received = take(subscription, 1300, new Set([stream]));
    const late = Array.from({ length: 100 }, (_, i) => event('Late', { i }));
    for (const appended of late) await store.append(stream, [appended]);
    const seen = await received;
    await subscription.close();
    t.equal(seen.length, 1300);
    t.same(
      seen.map((e) => e.id),
      [...early, ...late].map((e) => e.id),
      'every event exactly once, in order',
    );
  });

  t.test('a subscription from a position starts strictly after it, and close ends it', async (t) => {
    const stream = freshStream();
    await store.append(stream, [event('One'), event('Two'), event('Three')]);
    const [first] = await readStreamToArray(store, stream, { maxCount: 1 });
    const subscription = store.subscribeToAll({ after: first!.position });
    const seen = await take(subscription, 2, new Set([stream]));
    t.same(
      seen.map((e) => e.type),
      ['Two', 'Three'],
    );
    await subscription.close();
    const controller = new AbortController();
    const aborted = store.subscribeToAll({ after: first!.position, signal: controller.signal });
    const drained = (async () => {
      let count = 0;
      for await (const _ of aborted) count += 1;
      return count;
    })();
    setTimeout(() => controller.abort(), 50);
    t.ok((await drained) >= 2, 'an aborted subscription ends its iteration');
  });

  t.test('large and Chinese payloads round-trip exactly', async (t) => {
    const stream = freshStream();
    const chinese = {
      title: '供暖纠纷：九户居民一周无暖气',
      description: '社区吹哨、部门报到；事不完、人不撤。😀 𠮷 \u0000 "quotes" \\ back\\slash',
      parties: [{ name: '张三', phone: '13812345678' }],
    };
    const large = { blob: '调'.repeat(300_000), numbers: Array.from({ length: 1000 }, (_, i) => i * 1.5) };
    await store.append(stream, [event('Chinese', chinese), event('Large', large)]);
    const [a, b] = await readStreamToArray(store, stream);
    t.same(a?.data, chinese);
    t.same(b?.data, large);
  });

  t.test('bad appends are refused with a typed error and write nothing', async (t) => {
    const stream = freshStream();
    const refusals: Array<[string, () => Promise<unknown>, string]> = [
      [
        'negative revision',
        () => store.append(stream, [event()], { expectedRevision: -1 }),
        'invalid_expected_revision',
      ],
      [
        'fractional revision',
        () => store.append(stream, [event()], { expectedRevision: 1.5 }),
        'invalid_expected_revision',
      ],
      [
        'unknown revision',
        () => store.append(stream, [event()], { expectedRevision: 'latest' as unknown as ExpectedRevision }),
        'invalid_expected_revision',
      ],
      ['empty stream name', () => store.append('', [event()]), 'invalid_stream_name'],
      [
        'over-long stream name',
        () => store.append(`case-${'x'.repeat(300)}`, [event()]),
        'invalid_stream_name',
      ],
      ['no events', () => store.append(stream, []), 'invalid_event'],
      ['no type', () => store.append(stream, [{ ...event(), type: '' }]), 'invalid_event'],
      ['no id', () => store.append(stream, [{ ...event(), id: 'not-a-uuid' }]), 'invalid_event'],
      [
        'data not an object',
        () => store.append(stream, [{ ...event(), data: [1, 2] as unknown as JsonObject }]),
        'invalid_event',
      ],
      [
        'payload over 1 MiB',
        () => store.append(stream, [event('Big', { blob: 'x'.repeat(1024 * 1024) })]),
        'payload_too_large',
      ],
      [
        'payload over 1 MiB in Chinese',
        () => store.append(stream, [event('Big', { blob: '调'.repeat(400_000) })]),
        'payload_too_large',
      ],
    ];
    for (const [what, attempt, code] of refusals) {
      const error = await attempt().catch((e: unknown) => e);
      t.ok(error instanceof InvalidAppendError, `${what}: a typed error`);
      t.equal((error as InvalidAppendError).code, code, `${what}: ${code}`);
    }
    t.same(await readStreamToArray(store, stream), [], 'nothing reached the stream');
    const ok = event('Fine');
    await store.append(stream, [ok, { ...event('Broken'), type: '' }]).catch(() => undefined);
    t.same(await readStreamToArray(store, stream), [], 'one bad event refuses the whole append');
  });
}

async function readStreamToArrayStrict(store: EventStore, stream: string): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const stored of store.readStream(stream)) events.push(stored);
  return events;
}
