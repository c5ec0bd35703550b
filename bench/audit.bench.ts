// Audit: verifying every chain of a log of 100,000+ events beside a plain ordered scan of the same log
// (reading and JSON-decoding it: the floor any verification stands on), sealing it, and time travel on
// a case of 1,000 events.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { takeSeal } from '../src/audit/seal.js';
import { verifyAll } from '../src/audit/verify.js';
import type { Actor } from '../src/commands/actor.js';
import { DirectoryRepository } from '../src/commands/directory/directory-repository.js';
import { CaseCommandHandler } from '../src/commands/handle-case-command.js';
import { recordEvents } from '../src/commands/record-events.js';
import type { EventStore } from '../src/events/event-store.js';
import { GENESIS_HASH } from '../src/events/hash-chain.js';
import { uuidv7 } from '../src/events/ids.js';
import { openSqliteEventStore } from '../src/events/sqlite/sqlite-event-store.js';
import { caseAsOf } from '../src/http/query-case.js';
import { withDirectory } from './handler.bench.js';
import { type Figure, rate } from './report.js';

const SECTION = 'audit';
const scale = Number(process.env.BENCH_SCALE ?? 1);
const gridWorker: Actor = { id: 'grid-wang', role: 'gridWorker', scope: 'grid-1' };
const mediator: Actor = { id: 'mediator-liu', role: 'mediator', scope: 'community-sunrise' };
const EVENTS_PER_CASE = 100;

/**
 * Cases of 100 notes each, chained and stamped with the audit metadata exactly as the handler records
 * them (recordEvents), appended a case at a time by 100 concurrent writers: the handler itself would
 * only make building the log slower, not the log different.
 */
async function buildLog(store: EventStore, events: number): Promise<void> {
  const cases = Math.ceil(events / EVENTS_PER_CASE);
  const one = async (): Promise<void> => {
    const stream = `case-${uuidv7()}`;
    const decided = Array.from({ length: EVENTS_PER_CASE }, (_, n) => ({
      type: 'NoteAdded',
      schemaVersion: 1,
      data: {
        noteId: `n-${n}`,
        text: '居民反映楼道堆放杂物，网格员已上门劝导，约定周五前清理完毕。'.repeat(2),
        at: new Date().toISOString(),
      },
    }));
    const meta = {
      commandId: uuidv7(),
      correlationId: uuidv7(),
      occurredAt: new Date().toISOString(),
      actor: mediator,
    };
    const recorded = recordEvents(stream, -1, GENESIS_HASH, decided, meta, uuidv7);
    await store.append(stream, recorded.events, { expectedRevision: 'noStream' });
  };
  for (let i = 0; i < cases; i += 100)
    await Promise.all(Array.from({ length: Math.min(100, cases - i) }, one));
}

async function scanRate(store: EventStore): Promise<number> {
  const startedAt = process.hrtime.bigint();
  let count = 0;
  for (let after = 0; ; ) {
    const page = await store.readAll({ after, limit: 1000 });
    if (page.length === 0) break;
    count += page.length;
    after = page.at(-1)!.position;
  }
  return rate(count, startedAt);
}

/** A case of `events` events through the handler: intake, acceptance, then notes. */
async function longCase(store: EventStore, caseId: string, events: number): Promise<void> {
  const handler = new CaseCommandHandler({ store, directory: new DirectoryRepository(store) });
  const intake = {
    type: 'SubmitCase',
    caseId,
    kind: 'dispute',
    category: 'neighbour',
    title: '楼道堆放杂物',
    description: '居民反映楼道堆放杂物，存在消防隐患。',
    channel: 'gridPatrol',
    location: { orgUnitId: 'grid-1' },
    parties: [{ personId: `${caseId}-p1`, role: 'complainant', kind: 'person', name: '张伟' }],
    urgency: 'normal',
  } as const;
  await handler.handle({ caseId, command: intake, actor: gridWorker });
  await handler.handle({ caseId, command: { type: 'AcceptCase', handlingMode: 'onSite' }, actor: mediator });
  for (let n = 2; n < events; n += 1) {
    const note = { type: 'AddNote', noteId: `n-${n}`, text: '调解员回访，双方情绪平稳。' } as const;
    await handler.handle({ caseId, command: note, actor: mediator });
  }
}

const percentile = (values: number[], p: number): number =>
  [...values].sort((a, b) => a - b)[Math.ceil((p / 100) * values.length) - 1] ?? Number.NaN;

async function timings(times: number, run: () => Promise<unknown>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const startedAt = process.hrtime.bigint();
    await run();
    ms.push(Number(process.hrtime.bigint() - startedAt) / 1e6);
  }
  return ms;
}

export async function benchAudit(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'casetrail-bench-audit-'));
  try {
    const store = openSqliteEventStore({ file: join(dir, 'events.sqlite'), synchronous: 'NORMAL' });
    await withDirectory(store);
    await buildLog(store, Math.round(100_000 * scale));
    await longCase(store, 'long', 1000);
    await scanRate(store); // warms the page cache, so that neither measured pass pays for the disk
    const scan = { name: 'raw ordered scan', value: await scanRate(store) };
    const report = await verifyAll(store, { progressEvery: 0 });
    if (!report.intact) throw new Error('the benchmark log does not verify');
    const verifyRate = report.events / report.seconds;
    const sealStart = process.hrtime.bigint();
    await takeSeal(store, { actor: mediator, occurredAt: new Date().toISOString() });
    const sealRate = rate(report.events, sealStart);
    const last = await timings(200, () => caseAsOf(store, 'long', { revision: 999 }));
    const mid = await store.readStream('case-long', { fromRevision: 500, maxCount: 1 }).next();
    const at = new Date(String(mid.value?.metadata.occurredAt));
    const atInstant = await timings(200, () => caseAsOf(store, 'long', { at }));
    await store.close();
    const events = report.events.toLocaleString('en-US');
    const perSecond = (name: string, value: number, target?: string): Figure => ({
      section: SECTION,
      name,
      value,
      unit: 'events/s',
      baseline: scan,
      ...(target ? { target } : {}),
    });
    const ms = (name: string, value: number, target?: string): Figure => ({
      section: SECTION,
      name,
      value,
      unit: 'ms',
      ...(target ? { target } : {}),
    });
    return [
      {
        section: SECTION,
        name: `ordered scan of the log, JSON decoded (${events} events)`,
        value: scan.value,
        unit: 'events/s',
      },
      perSecond(
        'verify every chain in one pass (canonical JSON + SHA-256 per event)',
        verifyRate,
        '≥ 50,000 events/s',
      ),
      perSecond(
        `take a seal: verify, then a Merkle root over ${report.streams.toLocaleString('en-US')} heads`,
        sealRate,
      ),
      ms('time travel, a 1,000-event case at revision 999: median', percentile(last, 50), '≤ 20 ms'),
      ms('time travel, a 1,000-event case at revision 999: p99', percentile(last, 99), '≤ 20 ms'),
      ms('time travel, the same case at an instant halfway: median', percentile(atInstant, 50)),
      ms('time travel, the same case at an instant halfway: p99', percentile(atInstant, 99)),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
