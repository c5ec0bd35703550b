// The event log: raw better-sqlite3 inserts of the same event shape against the SQLite adapter's
// appends (1 and 100 concurrent writers), and reading the whole log back in order, JSON decoded.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { NewEvent } from '../src/events/event-store.js';
import { uuidv7 } from '../src/events/ids.js';
import { openSqliteEventStore } from '../src/events/sqlite/sqlite-event-store.js';
import { type Figure, rate } from './report.js';

const SECTION = 'event log';
const scale = Number(process.env.BENCH_SCALE ?? 1);

/** A note as the domain will write it: Chinese text, full audit metadata. */
export function sampleEvent(): NewEvent {
  return {
    id: uuidv7(),
    type: 'NoteAdded',
    data: {
      text: '居民反映楼道堆放杂物，网格员已上门劝导，约定周五前清理完毕。'.repeat(3),
      noteId: uuidv7(),
    },
    metadata: {
      actor: { id: 'u-mediator-7', role: 'mediator' },
      occurredAt: new Date().toISOString(),
      commandId: uuidv7(),
      correlationId: uuidv7(),
      causationId: uuidv7(),
      schemaVersion: 1,
      prevHash: 'a'.repeat(64),
      hash: 'b'.repeat(64),
    },
  };
}

/**
 * Raw inserts of the event shape into one table, spread over 100 streams as the 100 writers below
 * are. With `indexed`, the table has the unique (stream, revision) index any event log needs, keyed
 * by the stream name (random UUIDs); without it, the bare table, the floor of what SQLite can do.
 */
function rawInserts(file: string, total: number, perTransaction: number, indexed: boolean): number {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, revision INTEGER NOT NULL,
    id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at INTEGER NOT NULL)`);
  if (indexed) db.exec('CREATE UNIQUE INDEX events_by_stream ON events (stream, revision)');
  const streams = Array.from({ length: 100 }, () => `case-${randomUUID()}`);
  const insert = db.prepare(
    'INSERT INTO events (stream, revision, id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const batch = db.transaction((events: NewEvent[], first: number) => {
    events.forEach((e, i) => {
      const n = first + i;
      const { id, type, data, metadata } = e;
      insert.run(
        streams[n % 100],
        Math.floor(n / 100),
        id,
        type,
        JSON.stringify(data),
        JSON.stringify(metadata),
        Date.now(),
      );
    });
  });
  const startedAt = process.hrtime.bigint();
  for (let written = 0; written < total; written += perTransaction) {
    batch(Array.from({ length: perTransaction }, sampleEvent), written);
  }
  const eventsPerSecond = rate(total, startedAt);
  db.close();
  return eventsPerSecond;
}

function rawScan(file: string): number {
  const db = new Database(file, { readonly: true });
  const startedAt = process.hrtime.bigint();
  let count = 0;
  for (const row of db.prepare('SELECT * FROM events ORDER BY position').raw().iterate() as Iterable<
    unknown[]
  >) {
    JSON.parse(row[5] as string);
    JSON.parse(row[6] as string);
    count += 1;
  }
  const eventsPerSecond = rate(count, startedAt);
  db.close();
  return eventsPerSecond;
}

export async function adapterAppends(
  file: string,
  writers: number,
  appendsPerWriter: number,
): Promise<{ rate: number; batch: number }> {
  const store = openSqliteEventStore({ file });
  const writer = async (): Promise<void> => {
    const stream = `case-${uuidv7()}`;
    for (let revision = 0; revision < appendsPerWriter; revision += 1) {
      await store.append(stream, [sampleEvent()], {
        expectedRevision: revision === 0 ? 'noStream' : revision - 1,
      });
    }
  };
  const startedAt = process.hrtime.bigint();
  await Promise.all(Array.from({ length: writers }, writer));
  const eventsPerSecond = rate(writers * appendsPerWriter, startedAt);
  const batch = store.stats.appends / store.stats.commits;
  await store.close();
  return { rate: eventsPerSecond, batch };
}

async function adapterReadAll(file: string): Promise<number> {
  const store = openSqliteEventStore({ file });
  const startedAt = process.hrtime.bigint();
  let count = 0;
  for (let after = 0; ; ) {
    const page = await store.readAll({ after, limit: 1000 });
    if (page.length === 0) break;
    count += page.length;
    after = page.at(-1)!.position;
  }
  const eventsPerSecond = rate(count, startedAt);
  await store.close();
  return eventsPerSecond;
}

export async function benchEventStore(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'casetrail-bench-'));
  try {
    const rawOne = rawInserts(join(dir, 'raw-1.sqlite'), Math.round(3000 * scale), 1, true);
    const rawIndexed = rawInserts(join(dir, 'raw-100.sqlite'), Math.round(100_000 * scale), 100, true);
    const rawBare = rawInserts(join(dir, 'raw-bare.sqlite'), Math.round(100_000 * scale), 100, false);
    const raw = { name: 'raw 100/tx', value: rawIndexed };
    const bare = { name: 'bare table 100/tx', value: rawBare };
    const single = await adapterAppends(join(dir, 'adapter-1.sqlite'), 1, Math.round(3000 * scale));
    const hundred = await adapterAppends(join(dir, 'adapter-100.sqlite'), 100, Math.round(1000 * scale));
    const scan = { name: 'raw ordered scan', value: rawScan(join(dir, 'raw-100.sqlite')) };
    const readAll = await adapterReadAll(join(dir, 'adapter-100.sqlite'));
    const figure = (name: string, value: number, baseline?: Figure['baseline'], target?: string): Figure => ({
      section: SECTION,
      name,
      value,
      unit: 'events/s',
      ...(baseline ? { baseline } : {}),
      ...(target ? { target } : {}),
    });
    const batching = `${hundred.batch.toFixed(0)} appends/commit`;
    return [
      figure('raw better-sqlite3 insert, 1 per transaction (FULL)', rawOne, raw),
      figure('raw better-sqlite3 insert, 100 per transaction (FULL)', rawIndexed, raw),
      figure('bare table without the (stream, revision) index, 100 per transaction', rawBare, raw),
      figure('SQLiteEventStore append, 1 writer', single.rate, raw),
      figure(
        `SQLiteEventStore append, 100 concurrent writers (${batching})`,
        hundred.rate,
        raw,
        '≥ 65% of raw 100/tx',
      ),
      figure('  the same, against the bare table', hundred.rate, bare),
      figure('raw ordered scan, JSON decoded', scan.value),
      figure('SQLiteEventStore readAll in order, JSON decoded', readAll, scan, '≥ 80,000 events/s'),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
