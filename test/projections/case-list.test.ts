import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { Actor } from '../../src/commands/actor.js';
import { caseListProjection } from '../../src/projections/case-list.js';
import { listCases } from '../../src/projections/case-list-query.js';
import { liveNames, ReadModels } from '../../src/projections/read-models.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { actors, liaison } from '../support/case-fixtures.js';
import { harness, intake } from '../support/handler-fixtures.js';

async function setUp(t: Test) {
  const h = await harness(t);
  const readModels = new ReadModels(join(h.dir, 'read-models.sqlite'));
  const runner = new ProjectionRunner(h.store, readModels, [caseListProjection]);
  await runner.start();
  t.teardown(async () => {
    await runner.stop();
    readModels.close();
  });
  const run = async (
    caseId: string,
    command: Parameters<typeof h.handler.handle>[0]['command'],
    actor: Actor = actors.mediator,
  ) => {
    const result = await h.handler.handle({ caseId, command, actor });
    await runner.waitFor(result.position, 2000);
    return result;
  };
  const list = (filter = {}, limit = 50) =>
    listCases(readModels.db, filter, { limit }).items.map((item) => item.caseId);
  return { h, readModels, runner, run, list };
}

t.test('given cases and their events, the list answers every filter', async (t) => {
  const { run, list } = await setUp(t);
  await run(
    'leak',
    intake({ caseId: 'leak', title: '楼上漏水纠纷', description: '卫生间漏水，天花板受损' }),
    actors.gridWorker,
  );
  await run(
    'heat',
    intake({
      caseId: 'heat',
      category: 'heating',
      kind: 'complaint',
      title: '九户居民无暖气',
      location: { orgUnitId: 'grid-2' },
    }),
    actors.mediator,
  );
  await run(
    'far',
    intake({ caseId: 'far', title: '河畔社区噪音', location: { orgUnitId: 'community-river' } }),
    { ...actors.mediator, scope: 'community-river' },
  );
  await run('heat', { type: 'AcceptCase', handlingMode: 'immediate' });
  await run('heat', { type: 'WhistleDepartments', departmentIds: ['heating-co'], reason: '供暖' });
  await run('heat', { type: 'AssignCase', assigneeId: 'mediator-liu' });
  await run('leak', { type: 'AddNote', noteId: 'n1', text: '物业已到场查看管道' });
  t.same(list(), ['far', 'heat', 'leak'], 'newest first');
  t.same(list({ status: 'accepted' }), ['heat']);
  t.same(list({ kind: 'complaint' }), ['heat']);
  t.same(list({ category: 'neighbour' }), ['far', 'leak']);
  t.same(list({ orgUnit: 'community-sunrise' }), ['heat', 'leak'], 'a community includes its grids');
  t.same(list({ orgUnit: 'street-west' }), ['far']);
  t.same(list({ orgUnit: 'grid-2' }), ['heat']);
  t.same(list({ orgUnit: 'no-such-unit' }), []);
  t.same(list({ scope: 'street-east', orgUnit: 'district-1' }), ['heat', 'leak'], 'scope narrows further');
  t.same(list({ department: 'heating-co' }), ['heat']);
  t.same(list({ assignee: 'mediator-liu' }), ['heat']);
  t.same(list({ q: '暖气' }), ['heat'], 'two Chinese characters');
  t.same(list({ q: '无暖气' }), ['heat'], 'three characters');
  t.same(list({ q: '天花板' }), ['far', 'heat', 'leak'], 'the description is searched too');
  t.same(list({ q: '管道' }), ['leak'], 'notes are searched');
  t.same(list({ q: '物业已到场' }), ['leak']);
  t.same(list({ q: '%' }), [], 'punctuation alone matches nothing');
  t.same(list({ q: '纠' }), ['leak'], 'one character');
  t.same(list({ q: '无暖气 九户' }), ['heat'], 'every word must be there');
  t.same(list({ q: '暖气九户' }), [], 'characters must stand together');
  t.same(list({ q: 'QUOTE"' }), []);
  t.same(list({ overdue: true }), []);
});

t.test('overdue, resolution and cursor pagination as a user sees them', async (t) => {
  const { h, run, list, readModels } = await setUp(t);
  for (let i = 0; i < 5; i += 1) await run(`c${i}`, intake({ caseId: `c${i}` }), actors.gridWorker);
  await run('c1', { type: 'AcceptCase', handlingMode: 'onSite' });
  await run('c1', { type: 'WhistleDepartments', departmentIds: ['police-east'], reason: '需要民警' });
  h.clock.advance(25 * 60);
  const due = (await h.handler.cases.load('c1')).state;
  const dueAt = due.status === 'accepted' ? due.summons['police-east']!.reportInDueAt : '';
  await run(
    'c1',
    { type: 'MarkSummonsOverdue', departmentId: 'police-east', clock: 'reportIn', dueAt },
    actors.system,
  );
  t.same(list({ overdue: true }), ['c1']);
  await run('c1', { type: 'ReportIn', departmentId: 'police-east' }, liaison('police-east'));
  await run(
    'c1',
    { type: 'RespondToSummons', departmentId: 'police-east', summary: '已调解' },
    liaison('police-east'),
  );
  await run('c1', { type: 'ResolveCase', summary: '双方和解' });
  t.same(list({ overdue: true }), [], 'a resolved case is no longer overdue');
  t.same(list({ status: 'resolved' }), ['c1']);
  const first = listCases(readModels.db, {}, { limit: 2 });
  t.same(
    first.items.map((i) => i.caseId),
    ['c4', 'c3'],
  );
  const second = listCases(readModels.db, {}, { limit: 2, cursor: first.nextCursor! });
  t.same(
    second.items.map((i) => i.caseId),
    ['c2', 'c1'],
  );
  const third = listCases(readModels.db, {}, { limit: 2, cursor: second.nextCursor! });
  t.same([third.items.map((i) => i.caseId), third.nextCursor], [['c0'], null]);
  t.throws(() => listCases(readModels.db, {}, { limit: 2, cursor: 'bogus' }), { code: 'invalid_cursor' });
});

t.test('the same event applied twice changes nothing', async (t) => {
  const { h, run, readModels } = await setUp(t);
  const allEvents = () => h.store.readAll({ limit: 1000 });
  await run('x', intake({ caseId: 'x' }), actors.gridWorker);
  await run('x', { type: 'AddNote', noteId: 'n', text: '第一次走访记录' });
  const events = await allEvents();
  const apply = caseListProjection.prepare(readModels.db, liveNames(caseListProjection));
  const snapshot = () => [
    readModels.db.prepare('SELECT * FROM case_list').all(),
    readModels.db
      .prepare('SELECT count(*) AS n FROM case_list_text WHERE case_list_text MATCH \'"走访记录"\'')
      .get(),
  ];
  const before = snapshot();
  readModels.db.transaction(() => events.forEach(apply))();
  t.same(snapshot(), before);
});

t.test(
  'a search pages newest first, with other filters, and a case matched twice appears once',
  async (t) => {
    const { run, readModels } = await setUp(t);
    for (let i = 0; i < 7; i += 1) {
      await run(
        `s${i}`,
        intake({ caseId: `s${i}`, title: `第${i}号楼漏水`, kind: i % 2 ? 'complaint' : 'dispute' }),
        actors.gridWorker,
      );
    }
    await run('s3', { type: 'AddNote', noteId: 'again', text: '复查仍然漏水' });
    const page = (filter: object, cursor?: string) =>
      listCases(readModels.db, filter, { limit: 3, ...(cursor ? { cursor } : {}) });
    const first = page({ q: '漏水' });
    t.same(
      first.items.map((i) => i.caseId),
      ['s6', 's5', 's4'],
    );
    const second = page({ q: '漏水' }, first.nextCursor!);
    t.same(
      second.items.map((i) => i.caseId),
      ['s3', 's2', 's1'],
      's3 once, though its note matches too',
    );
    const third = page({ q: '漏水' }, second.nextCursor!);
    t.same([third.items.map((i) => i.caseId), third.nextCursor], [['s0'], null]);
    t.same(
      page({ q: '漏水', kind: 'complaint' }).items.map((i) => i.caseId),
      ['s5', 's3', 's1'],
    );
    t.same(
      page({ q: '复查' }).items.map((i) => i.caseId),
      ['s3'],
      'found by its note',
    );
  },
);
