// A real SQLite store in a temporary folder with the directory of case-fixtures, and handlers on it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import type { CaseCommand } from '../../src/commands/case/commands.js';
import { DirectoryRepository } from '../../src/commands/directory/directory-repository.js';
import { CaseCommandHandler } from '../../src/commands/handle-case-command.js';
import { DirectoryCommandHandler } from '../../src/commands/handle-directory-command.js';
import { openSqliteEventStore, type SqliteEventStore } from '../../src/events/sqlite/sqlite-event-store.js';
import { actors, T0 } from './case-fixtures.js';

export const ORG_UNITS = [
  { id: 'district-1', name: '和平区', kind: 'district' },
  { id: 'street-east', name: '东街道', kind: 'street', parentId: 'district-1' },
  { id: 'street-west', name: '西街道', kind: 'street', parentId: 'district-1' },
  { id: 'community-sunrise', name: '朝阳社区', kind: 'community', parentId: 'street-east' },
  { id: 'community-river', name: '河畔社区', kind: 'community', parentId: 'street-west' },
  { id: 'grid-1', name: '第一网格', kind: 'grid', parentId: 'community-sunrise', gridType: 'comprehensive' },
  { id: 'grid-2', name: '第二网格', kind: 'grid', parentId: 'community-sunrise', gridType: 'dedicated' },
] as const;

export const DEPARTMENTS = [
  { id: 'police-east', name: '东街派出所', kind: 'police', orgUnitId: 'street-east' },
  { id: 'court-1', name: '区人民法院', kind: 'court', orgUnitId: 'district-1' },
  { id: 'heating-co', name: '热力公司', kind: 'utility' },
] as const;

/** A clock the test moves by hand. */
export class FakeClock {
  private now = Date.parse(T0);
  readonly read = (): Date => new Date(this.now);
  advance(minutes: number): void {
    this.now += minutes * 60_000;
  }
}

export interface Harness {
  readonly dir: string;
  readonly file: string;
  store: SqliteEventStore;
  handler: CaseCommandHandler;
  readonly clock: FakeClock;
  /** Closes and reopens the store with fresh handlers: what a restart does. */
  restart(): Promise<void>;
}

export function newHandler(store: SqliteEventStore, clock: FakeClock): CaseCommandHandler {
  return new CaseCommandHandler({ store, directory: new DirectoryRepository(store), clock: clock.read });
}

export async function harness(t: Test): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'casetrail-handler-'));
  const file = join(dir, 'events.sqlite');
  const clock = new FakeClock();
  const store = openSqliteEventStore({ file });
  const directory = new DirectoryCommandHandler(store, new DirectoryRepository(store), clock.read);
  for (const unit of ORG_UNITS) await directory.handle({ type: 'CreateOrgUnit', unit }, actors.admin);
  for (const department of DEPARTMENTS)
    await directory.handle({ type: 'CreateDepartment', department }, actors.admin);
  const h: Harness = {
    dir,
    file,
    store,
    clock,
    handler: newHandler(store, clock),
    async restart() {
      await h.store.close();
      h.store = openSqliteEventStore({ file });
      h.handler = newHandler(h.store, clock);
    },
  };
  t.teardown(async () => {
    await h.store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return h;
}

export const intake = (
  overrides: Partial<Extract<CaseCommand, { type: 'SubmitCase' }>> = {},
): CaseCommand => ({
  type: 'SubmitCase',
  caseId: 'c-1',
  kind: 'dispute',
  category: 'neighbour',
  title: '楼上漏水纠纷',
  description: '楼上住户装修后卫生间漏水，楼下天花板受损。',
  channel: 'buildingHead',
  location: { orgUnitId: 'grid-1' },
  parties: [{ personId: 'p-1', role: 'complainant', kind: 'person', name: '张伟', userId: 'resident-zhang' }],
  urgency: 'normal',
  ...overrides,
});
