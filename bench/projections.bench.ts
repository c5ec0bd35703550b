// Read models: rebuilding them from the SQLite store beside a raw ordered scan of the same log, and the
// case list with one filter over a million generated cases.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '../src/commands/actor.js';
import { DirectoryRepository } from '../src/commands/directory/directory-repository.js';
import { CaseCommandHandler } from '../src/commands/handle-case-command.js';
import type { StoredEvent } from '../src/events/event-store.js';
import { openSqliteEventStore } from '../src/events/sqlite/sqlite-event-store.js';
import { ALL_PROJECTIONS } from '../src/projections/all.js';
import { caseListProjection } from '../src/projections/case-list.js';
import { type CaseListFilter, listCases } from '../src/projections/case-list-query.js';
import { liveNames, ReadModels } from '../src/projections/read-models.js';
import { rebuild } from '../src/projections/rebuild.js';
import { ProjectionRunner } from '../src/projections/runner.js';
import { benchIntake } from './fixtures.js';
import { withDirectory } from './handler.bench.js';
import { type Figure, rate } from './report.js';

const SECTION = 'read models';
const scale = Number(process.env.BENCH_SCALE ?? 1);
const gridWorker: Actor = { id: 'grid-wang', role: 'gridWorker', scope: 'grid-1' };
const mediator: Actor = { id: 'mediator-liu', role: 'mediator', scope: 'community-sunrise' };

async function rebuildFigures(dir: string): Promise<Figure[]> {
  const store = openSqliteEventStore({ file: join(dir, 'events.sqlite') });
  await withDirectory(store);
  const handler = new CaseCommandHandler({ store, directory: new DirectoryRepository(store) });
  const cases = Math.round(1500 * scale);
  const one = async (i: number): Promise<void> => {
    const caseId = `r-${i}`;
    await handler.handle({ caseId, command: benchIntake(caseId), actor: gridWorker });
    await handler.handle({
      caseId,
      command: { type: 'AcceptCase', handlingMode: 'onSite' },
      actor: mediator,
    });
    for (let n = 0; n < 18; n += 1) {
      await handler.handle({
        caseId,
        command: { type: 'AddNote', noteId: `n${n}`, text: '调解员回访，双方情绪平稳。' },
        actor: mediator,
      });
    }
  };
  for (let i = 0; i < cases; i += 100)
    await Promise.all(Array.from({ length: Math.min(100, cases - i) }, (_, k) => one(i + k)));
  let scanned = 0;
  const scanStart = process.hrtime.bigint();
  for (let after = 0; ; ) {
    const page = await store.readAll({ after, limit: 2000 });
    if (page.length === 0) break;
    scanned += page.length;
    after = page.at(-1)!.position;
  }
  const scan = rate(scanned, scanStart);
  const readModels = new ReadModels(join(dir, 'read-models.sqlite'));
  const report = await rebuild(store, readModels, ALL_PROJECTIONS);
  readModels.close();
  await store.close();
  const baseline = { name: 'raw ordered scan', value: scan };
  return [
    {
      section: SECTION,
      name: `ordered scan of the log, JSON decoded (${scanned.toLocaleString('en-US')} events)`,
      value: scan,
      unit: 'events/s',
    },
    {
      section: SECTION,
      name: `rebuild every read model (${ALL_PROJECTIONS.length} projections) from the SQLite store`,
      value: report.events / report.seconds,
      unit: 'events/s',
      baseline,
      target: '≥ 50,000 events/s',
    },
  ];
}

const STATUSES = ['submitted', 'accepted', 'resolved', 'closed'];
const KINDS = ['dispute', 'complaint', 'help', 'consultation', 'suggestion', 'report'];
const CATEGORIES = ['neighbour', 'heating', 'labour', 'property', 'noise', 'water', 'parking', 'pets'];
const WORDS = ['漏水', '噪音', '欠薪', '停车', '供暖', '物业', '宠物', '装修', '垃圾', '占道'];

/** A million cases written straight through the case-list projection, spread over 4 streets × 5 communities × 10 grids. */
function generateCases(readModels: ReadModels, count: number): void {
  const apply = caseListProjection.prepare(readModels.db, liveNames(caseListProjection));
  const event = (
    position: number,
    stream: string,
    type: string,
    data: Record<string, unknown>,
  ): StoredEvent =>
    ({
      id: `e${position}`,
      type,
      data,
      metadata: { schemaVersion: type === 'CaseSubmitted' ? 2 : 1 },
      stream,
      revision: 0,
      position,
      recordedAt: new Date(0),
    }) as StoredEvent;
  const units: StoredEvent[] = [event(1, 'orgunit-d', 'OrgUnitCreated', { id: 'd', kind: 'district' })];
  for (let s = 0; s < 4; s += 1) {
    units.push(
      event(units.length + 1, `orgunit-s${s}`, 'OrgUnitCreated', {
        id: `s${s}`,
        kind: 'street',
        parentId: 'd',
      }),
    );
    for (let c = 0; c < 5; c += 1) {
      units.push(
        event(units.length + 1, `orgunit-s${s}c${c}`, 'OrgUnitCreated', {
          id: `s${s}c${c}`,
          kind: 'community',
          parentId: `s${s}`,
        }),
      );
      for (let g = 0; g < 10; g += 1) {
        units.push(
          event(units.length + 1, `orgunit-s${s}c${c}g${g}`, 'OrgUnitCreated', {
            id: `s${s}c${c}g${g}`,
            kind: 'grid',
            parentId: `s${s}c${c}`,
          }),
        );
      }
    }
  }
  readModels.db.transaction(() => units.forEach(apply))();
  const batch = readModels.db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i += 1) {
      const position = 1000 + i * 2;
      const grid = `s${i % 4}c${(i >> 2) % 5}g${(i >> 4) % 10}`;
      apply(
        event(position, `case-k${i}`, 'CaseSubmitted', {
          kind: KINDS[i % 6],
          category: CATEGORIES[(i >> 3) % 8],
          title: `${WORDS[i % 10]}${WORDS[(i >> 5) % 10]}纠纷`,
          description: `第${i}号`,
          urgency: 'normal',
          level: 'grid',
          submittedBy: { id: `grid-${i % 50}`, role: 'gridWorker' },
          parties: [{ personId: `p${i}`, role: 'complainant', kind: 'person', name: '张伟' }],
          location: { orgUnitId: grid },
          at: '2026-03-02T01:00:00.000Z',
        }),
      );
      const status = STATUSES[(i >> 1) % 4];
      if (status !== 'submitted')
        apply({
          ...event(position + 1, `case-k${i}`, 'CaseAccepted', {
            at: '2026-03-02T02:00:00.000Z',
            resolveDueAt: '2026-03-20T01:00:00.000Z',
            complex: false,
            handlingMode: 'onSite',
          }),
          revision: 1,
        });
    }
  });
  for (let i = 0; i < count; i += 20_000) batch(i, Math.min(count, i + 20_000));
}

function p99(readModels: ReadModels, name: string, filters: () => CaseListFilter): Figure {
  const times: number[] = [];
  for (let i = 0; i < 200; i += 1) {
    const filter = filters();
    const start = process.hrtime.bigint();
    listCases(readModels.db, filter, { limit: 50 });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return {
    section: SECTION,
    name: `case list over 1M cases, ${name}: p99 (p50 ${times[100]!.toFixed(2)} ms)`,
    value: times[197]!,
    unit: 'ms',
    target: '≤ 50 ms',
  };
}

async function listFigures(dir: string): Promise<Figure[]> {
  const readModels = new ReadModels(join(dir, 'million.sqlite'));
  for (const table of caseListProjection.tables) readModels.db.exec(`DROP TABLE IF EXISTS "${table}"`);
  caseListProjection.create(readModels.db, liveNames(caseListProjection), 'bench');
  const count = Math.round(Number(process.env.BENCH_CASES ?? 1_000_000));
  const started = process.hrtime.bigint();
  generateCases(readModels, count);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(Math.random() * values.length)]!;
  const grid = () =>
    `s${Math.floor(Math.random() * 4)}c${Math.floor(Math.random() * 5)}g${Math.floor(Math.random() * 10)}`;
  const figures = [
    {
      section: SECTION,
      name: `generating ${count.toLocaleString('en-US')} cases through the case-list projection`,
      value: rate(count, started),
      unit: 'cases/s',
    },
    p99(readModels, 'no filter', () => ({})),
    p99(readModels, 'status', () => ({ status: pick(STATUSES) })),
    p99(readModels, 'kind', () => ({ kind: pick(KINDS) })),
    p99(readModels, 'category', () => ({ category: pick(CATEGORIES) })),
    p99(readModels, 'orgUnit (a street)', () => ({ orgUnit: `s${Math.floor(Math.random() * 4)}` })),
    p99(readModels, 'orgUnit (a grid)', () => ({ orgUnit: grid() })),
    p99(readModels, 'overdue', () => ({ overdue: true })),
    p99(readModels, 'q (two characters)', () => ({ q: pick(WORDS) })),
    p99(readModels, 'q (four characters)', () => ({ q: `${pick(WORDS)}${pick(WORDS)}` })),
  ];
  readModels.close();
  return figures;
}

/** Every read model following the log while 100 callers add notes through the handler. */
async function lagUnderLoad(dir: string): Promise<Figure[]> {
  const store = openSqliteEventStore({ file: join(dir, 'lag.sqlite') });
  await withDirectory(store);
  const handler = new CaseCommandHandler({ store, directory: new DirectoryRepository(store) });
  const readModels = new ReadModels(join(dir, 'lag-read-models.sqlite'));
  const runner = new ProjectionRunner(store, readModels, ALL_PROJECTIONS);
  await runner.start();
  const caseIds = Array.from({ length: 300 }, (_, i) => `lag-${i}`);
  for (const caseId of caseIds)
    await handler.handle({ caseId, command: benchIntake(caseId), actor: gridWorker });
  let remaining = Math.round(10_000 * scale);
  const started = process.hrtime.bigint();
  const caller = async (): Promise<void> => {
    for (; remaining > 0; remaining -= 1) {
      const caseId = caseIds[Math.floor(Math.random() * caseIds.length)]!;
      await handler.handle({
        caseId,
        command: { type: 'AddNote', noteId: `l${remaining}`, text: '回访记录' },
        actor: mediator,
      });
    }
  };
  await Promise.all(Array.from({ length: 100 }, caller));
  const commands = rate(Math.round(10_000 * scale), started);
  await runner.waitFor((await store.headPosition()) ?? 0, 10_000);
  const { lagMs } = runner.status();
  await runner.stop();
  readModels.close();
  await store.close();
  return [
    {
      section: SECTION,
      name: `projection lag (append → all ${ALL_PROJECTIONS.length} read models) under ${Math.round(commands).toLocaleString('en-US')} commands/s: p99 (p50 ${lagMs.p50} ms)`,
      value: lagMs.p99,
      unit: 'ms',
      target: '≤ 100 ms',
    },
  ];
}

export async function benchProjections(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'casetrail-bench-projections-'));
  try {
    return [...(await rebuildFigures(dir)), ...(await lagUnderLoad(dir)), ...(await listFigures(dir))];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
