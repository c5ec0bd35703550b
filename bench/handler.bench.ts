// Commands through the case handler on the SQLite store: a note added to random cases of 20 events,
// from 100 concurrent callers, beside the store's own append rate; and a command on a 5,000-event case.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '../src/commands/actor.js';
import type { CaseCommand } from '../src/commands/case/commands.js';
import { DirectoryRepository } from '../src/commands/directory/directory-repository.js';
import { CaseCommandHandler } from '../src/commands/handle-case-command.js';
import { DirectoryCommandHandler } from '../src/commands/handle-directory-command.js';
import { openSqliteEventStore, type SqliteEventStore } from '../src/events/sqlite/sqlite-event-store.js';
import { adapterAppends } from './event-store.bench.js';
import { benchIntake } from './fixtures.js';
import { type Figure, rate } from './report.js';

const SECTION = 'command handler';
const scale = Number(process.env.BENCH_SCALE ?? 1);
const admin: Actor = { id: 'admin', role: 'admin', scope: 'district-1' };
const gridWorker: Actor = { id: 'grid-wang', role: 'gridWorker', scope: 'grid-1' };
const mediator: Actor = { id: 'mediator-liu', role: 'mediator', scope: 'community-sunrise' };

export async function withDirectory(store: SqliteEventStore): Promise<void> {
  const directory = new DirectoryCommandHandler(store, new DirectoryRepository(store));
  await directory.handle(
    { type: 'CreateOrgUnit', unit: { id: 'district-1', name: '和平区', kind: 'district' } },
    admin,
  );
  await directory.handle(
    {
      type: 'CreateOrgUnit',
      unit: { id: 'street-east', name: '东街道', kind: 'street', parentId: 'district-1' },
    },
    admin,
  );
  const community = {
    id: 'community-sunrise',
    name: '朝阳社区',
    kind: 'community',
    parentId: 'street-east',
  } as const;
  await directory.handle({ type: 'CreateOrgUnit', unit: community }, admin);
  await directory.handle(
    {
      type: 'CreateOrgUnit',
      unit: { id: 'grid-1', name: '第一网格', kind: 'grid', parentId: 'community-sunrise' },
    },
    admin,
  );
}

let noteCounter = 0;
function note(): CaseCommand {
  noteCounter += 1;
  return { type: 'AddNote', noteId: `n-${noteCounter}`, text: '网格员已上门劝导，约定周五前清理完毕。' };
}

/** A case with `events` events: intake, acceptance, then notes. */
async function caseOf(handler: CaseCommandHandler, caseId: string, events: number): Promise<void> {
  await handler.handle({ caseId, command: benchIntake(caseId), actor: gridWorker });
  await handler.handle({ caseId, command: { type: 'AcceptCase', handlingMode: 'onSite' }, actor: mediator });
  for (let i = 2; i < events; i += 1) await handler.handle({ caseId, command: note(), actor: mediator });
}

async function notesOnRandomCases(
  handler: CaseCommandHandler,
  caseIds: string[],
  total: number,
): Promise<number> {
  let remaining = total;
  const caller = async (): Promise<void> => {
    while (remaining > 0) {
      remaining -= 1;
      const caseId = caseIds[Math.floor(Math.random() * caseIds.length)]!;
      await handler.handle({ caseId, command: note(), actor: mediator });
    }
  };
  const startedAt = process.hrtime.bigint();
  await Promise.all(Array.from({ length: 100 }, caller));
  return rate(total, startedAt);
}

async function timeOneCommand(handler: CaseCommandHandler, caseId: string): Promise<number> {
  const startedAt = process.hrtime.bigint();
  await handler.handle({ caseId, command: note(), actor: mediator });
  return Number(process.hrtime.bigint() - startedAt) / 1e6;
}

const percentile = (values: number[], p: number): number =>
  [...values].sort((a, b) => a - b)[Math.ceil((p / 100) * values.length) - 1] ?? NaN;

export async function benchHandler(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'casetrail-bench-handler-'));
  try {
    const store = openSqliteEventStore({ file: join(dir, 'events.sqlite') });
    await withDirectory(store);
    const handler = new CaseCommandHandler({ store, directory: new DirectoryRepository(store) });
    const caseIds = Array.from({ length: Math.round(300 * scale) }, (_, i) => `bench-${i}`);
    for (let i = 0; i < caseIds.length; i += 50)
      await Promise.all(caseIds.slice(i, i + 50).map((id) => caseOf(handler, id, 20)));
    const commands = await notesOnRandomCases(handler, caseIds, Math.round(20_000 * scale));
    await caseOf(handler, 'long', 5000);
    const cold = await timeOneCommand(
      new CaseCommandHandler({ store, directory: new DirectoryRepository(store) }),
      'long',
    );
    const warm: number[] = [];
    for (let i = 0; i < 200; i += 1) warm.push(await timeOneCommand(handler, 'long'));
    await store.close();
    const raw = await adapterAppends(join(dir, 'raw.sqlite'), 100, Math.round(200 * scale));
    const baseline = { name: 'store append, 100 writers', value: raw.rate };
    const ms = (name: string, value: number): Figure => ({ section: SECTION, name, value, unit: 'ms' });
    return [
      {
        section: SECTION,
        name: 'SQLiteEventStore append, 100 concurrent writers (same run)',
        value: raw.rate,
        unit: 'events/s',
      },
      {
        section: SECTION,
        name: 'AddNote through the handler, random cases of 20 events, 100 callers',
        value: commands,
        unit: 'commands/s',
        baseline,
      },
      ms('a command on a 5,000-event case, cold (fold the whole stream)', cold),
      ms('a command on a 5,000-event case, warm: median', percentile(warm, 50)),
      ms('a command on a 5,000-event case, warm: p99', percentile(warm, 99)),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
