import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { readStreamToArray } from '../../src/events/event-store.js';
import { SCHEMA_VERSION } from '../../src/events/sqlite/schema.js';
import { openSqliteEventStore } from '../../src/events/sqlite/sqlite-event-store.js';
import { event, eventStoreConformance } from './conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'casetrail-sqlite-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('SQLite event store conformance', async (t) => {
  eventStoreConformance(t, async () =>
    openSqliteEventStore({ file: join(dir, 'events.sqlite'), pollIntervalMs: 50 }),
  );
});

t.test('the SQLite file: durable settings, versioned schema, reopened intact', async (t) => {
  const file = join(dir, 'reopen.sqlite');
  const store = openSqliteEventStore({ file });
  const first = await store.append('case-reopen', [event('A')], { expectedRevision: 'noStream' });
  await store.close();
  const raw = new Database(file);
  t.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
  t.equal(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  raw.close();
  const again = openSqliteEventStore({ file });
  t.same(await again.append('case-reopen', [event('B')], { expectedRevision: 0 }), {
    nextExpectedRevision: 1,
    position: first.position + 1,
  });
  await again.close();
  await t.rejects(again.append('case-reopen', [event()]), { code: 'store_closed' });
  const newer = new Database(file);
  newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  newer.close();
  t.throws(() => openSqliteEventStore({ file }), /newer than this casetrail understands/);
  t.throws(() => openSqliteEventStore({ file: ':memory:' }), /needs a file path/);
});

t.test('an event id stored in another stream is refused, not silently duplicated', async (t) => {
  const store = openSqliteEventStore({ file: join(dir, 'duplicates.sqlite') });
  t.teardown(() => store.close());
  const shared = event('A');
  await store.append('case-one', [shared]);
  await t.rejects(store.append('case-two', [shared]), { code: 'duplicate_event_id' });
  await t.rejects(store.append('case-one', [event('B'), shared]), { code: 'duplicate_event_id' });
  await t.rejects(store.append('case-one', [shared, event('C')]), { code: 'duplicate_event_id' });
  t.same(
    (await readStreamToArray(store, 'case-one')).map((e) => e.type),
    ['A'],
  );
  t.same(await readStreamToArray(store, 'case-two'), []);
});

t.test(
  'group commit: appends issued together share a transaction, and a conflict fails only its own',
  async (t) => {
    const store = openSqliteEventStore({ file: join(dir, 'group.sqlite') });
    t.teardown(() => store.close());
    await store.append('case-g', [event()], { expectedRevision: 'noStream' });
    const commitsBefore = store.stats.commits;
    const results = await Promise.allSettled([
      store.append('case-g', [event()], { expectedRevision: 0 }),
      store.append('case-g', [event()], { expectedRevision: 0 }),
      store.append('case-h', [event()], { expectedRevision: 'noStream' }),
      store.append('case-g', [event()], { expectedRevision: 1 }),
    ]);
    t.same(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
    );
    const positions = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.position] : []));
    t.same(
      positions,
      [positions[0]!, positions[0]! + 1, positions[0]! + 2],
      'the batch took consecutive positions',
    );
    t.equal(store.stats.commits - commitsBefore, 1, 'four appends, one transaction');
  },
);

t.test('two connections on one file see each other’s appends and conflicts', async (t) => {
  const file = join(dir, 'shared.sqlite');
  const left = openSqliteEventStore({ file, pollIntervalMs: 20 });
  const right = openSqliteEventStore({ file, pollIntervalMs: 20 });
  t.teardown(async () => {
    await left.close();
    await right.close();
  });
  await left.append('case-shared', [event('A')], { expectedRevision: 'noStream' });
  await right.append('case-shared', [event('B')], { expectedRevision: 0 });
  t.equal(right.knownRevision('case-shared'), 1, 'the writer knows the head it wrote');
  t.equal(left.knownRevision('case-shared'), undefined, 'the other connection knows it may be stale');
  await t.rejects(left.append('case-shared', [event('C')], { expectedRevision: 0 }), {
    code: 'concurrency_conflict',
    actual: 1,
  });
  t.equal((await left.append('case-shared', [event('C')], { expectedRevision: 1 })).nextExpectedRevision, 2);
  const subscription = right.subscribeToAll();
  const seen: string[] = [];
  for await (const stored of subscription) {
    seen.push(stored.type);
    if (seen.length === 3) await left.append('case-shared', [event('D')]);
    if (seen.length === 4) break;
  }
  t.same(seen, ['A', 'B', 'C', 'D'], 'a subscription sees another connection’s appends by polling');
});
