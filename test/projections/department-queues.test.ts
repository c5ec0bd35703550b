import type Database from 'better-sqlite3';
import t from 'tap';
import { departmentQueuesProjection } from '../../src/projections/department-queues.js';
import { departmentQueue } from '../../src/projections/department-queues-query.js';
import { actors, at, liaison, summonsCommands as summons } from '../support/case-fixtures.js';
import { intake } from '../support/handler-fixtures.js';
import { projectionDb, Scenario } from '../support/projection-fixtures.js';

const police = liaison('police-east');
const accept = { type: 'AcceptCase', handlingMode: 'onSite' } as const;

interface Row {
  department_id: string;
  round: number;
  status: string;
  summoned_at: string;
  report_in_due_at: string;
  reported_in_at: string | null;
  respond_due_at: string | null;
  closed_at: string | null;
  overdue_report_in: number;
  overdue_respond: number;
}

const rowsOf = (db: Database.Database, caseId: string): Row[] =>
  db
    .prepare<[string], Row>(
      `SELECT department_id, round, status, summoned_at, report_in_due_at, reported_in_at, respond_due_at,
        closed_at, overdue_report_in, overdue_respond FROM summons_queue WHERE case_id = ? ORDER BY department_id, round`,
    )
    .all(caseId);

t.test('given a whistle, each summons round is a row that follows its department to the end', async (t) => {
  const s = await Scenario.start(t);
  const read = projectionDb(t, [departmentQueuesProjection]);
  read.apply(await s.newEvents());
  read.apply((await s.run(0, 'q-1', intake({ caseId: 'q-1' }), actors.gridWorker)).events);
  read.apply((await s.run(10, 'q-1', accept, actors.mediator)).events);
  read.apply(
    (await s.run(20, 'q-1', summons.whistle(['police-east', 'court-1'], 60), actors.mediator)).events,
  );

  const pending = { status: 'pending', summoned_at: at(20), report_in_due_at: at(80), reported_in_at: null };
  t.strictSame(rowsOf(read.db, 'q-1'), [
    {
      department_id: 'court-1',
      round: 1,
      ...pending,
      respond_due_at: null,
      closed_at: null,
      overdue_report_in: 0,
      overdue_respond: 0,
    },
    {
      department_id: 'police-east',
      round: 1,
      ...pending,
      respond_due_at: null,
      closed_at: null,
      overdue_report_in: 0,
      overdue_respond: 0,
    },
  ]);
  t.strictSame(
    read.db
      .prepare(
        'SELECT DISTINCT category, urgency, district_id, street_id, community_id, grid_id FROM summons_queue',
      )
      .all(),
    [
      {
        category: 'neighbour',
        urgency: 'normal',
        district_id: 'district-1',
        street_id: 'street-east',
        community_id: 'community-sunrise',
        grid_id: 'grid-1',
      },
    ],
    'each row carries the case context the statistics filter on',
  );

  const reported = await s.run(50, 'q-1', summons.reportIn('police-east'), police);
  read.apply(reported.events);
  const respondDueAt = reported.state.summons['police-east']?.respondDueAt;
  t.hasStrict(rowsOf(read.db, 'q-1')[1], {
    status: 'reportedIn',
    reported_in_at: at(50),
    respond_due_at: respondDueAt,
  });
  t.ok(respondDueAt && respondDueAt > at(50), 'the respond due time is the one frozen in the event');

  read.apply(
    (await s.run(90, 'q-1', summons.markOverdue('court-1', 'reportIn', at(80)), actors.system)).events,
  );
  t.hasStrict(rowsOf(read.db, 'q-1')[0], {
    department_id: 'court-1',
    status: 'pending',
    overdue_report_in: 1,
    overdue_respond: 0,
  });

  read.apply((await s.run(100, 'q-1', summons.whistle(['court-1'], 60), actors.mediator)).events);
  const afterSecondWhistle = rowsOf(read.db, 'q-1');
  t.hasStrict(
    afterSecondWhistle[0],
    { round: 1, status: 'released', closed_at: at(100) },
    'the missed round is left behind',
  );
  t.hasStrict(afterSecondWhistle[1], {
    round: 2,
    status: 'pending',
    summoned_at: at(100),
    report_in_due_at: at(160),
  });

  read.apply((await s.run(110, 'q-1', summons.respond('police-east'), police)).events);
  t.hasStrict(rowsOf(read.db, 'q-1')[2], {
    department_id: 'police-east',
    status: 'responded',
    closed_at: at(110),
  });

  read.apply((await s.run(130, 'q-1', summons.reportIn('court-1'), liaison('court-1'))).events);
  t.strictSame(
    rowsOf(read.db, 'q-1').map((row) => [row.department_id, row.round, row.status, row.reported_in_at]),
    [
      ['court-1', 1, 'released', null],
      ['court-1', 2, 'reportedIn', at(130)],
      ['police-east', 1, 'responded', at(50)],
    ],
    'an event naming the department acts on its latest round',
  );

  read.apply(
    (await s.run(140, 'q-1', { type: 'WithdrawCase', reason: '双方已和解' }, actors.mediator)).events,
  );
  t.strictSame(
    rowsOf(read.db, 'q-1').map((row) => [row.department_id, row.round, row.status, row.closed_at]),
    [
      ['court-1', 1, 'released', at(100)],
      ['court-1', 2, 'released', at(140)],
      ['police-east', 1, 'responded', at(110)],
    ],
    'withdrawing the case releases the summons still open, and only those',
  );
});

t.test('a declined summons closes with its decline', async (t) => {
  const s = await Scenario.start(t);
  const read = projectionDb(t, [departmentQueuesProjection]);
  read.apply(await s.newEvents());
  read.apply(
    (await s.run(0, 'q-2', intake({ caseId: 'q-2', category: 'heating' }), actors.gridWorker)).events,
  );
  read.apply((await s.run(10, 'q-2', accept, actors.mediator)).events);
  read.apply((await s.run(20, 'q-2', summons.whistle(['heating-co']), actors.mediator)).events);
  read.apply((await s.run(30, 'q-2', summons.decline('heating-co'), liaison('heating-co'))).events);
  t.hasStrict(rowsOf(read.db, 'q-2'), [
    { department_id: 'heating-co', status: 'declined', closed_at: at(30), reported_in_at: null },
  ]);
});

t.test('merging a case into another releases its open summons', async (t) => {
  const s = await Scenario.start(t);
  const read = projectionDb(t, [departmentQueuesProjection]);
  read.apply(await s.newEvents());
  for (const caseId of ['m-1', 'm-2'])
    read.apply((await s.run(0, caseId, intake({ caseId }), actors.gridWorker)).events);
  for (const caseId of ['m-1', 'm-2']) read.apply((await s.run(10, caseId, accept, actors.mediator)).events);
  read.apply((await s.run(20, 'm-1', summons.whistle(['police-east', 'court-1']), actors.mediator)).events);
  read.apply((await s.run(30, 'm-1', summons.reportIn('police-east'), police)).events);
  read.apply((await s.run(40, 'm-1', { type: 'MergeCase', intoCaseId: 'm-2' }, actors.chair)).events);
  t.strictSame(
    rowsOf(read.db, 'm-1').map((row) => [row.department_id, row.status, row.closed_at]),
    [
      ['court-1', 'released', at(40)],
      ['police-east', 'released', at(40)],
    ],
  );
  t.strictSame(rowsOf(read.db, 'm-2'), [], 'the case merged into summoned nobody');
});

t.test('the queue splits open summons into pending, reported in and overdue at the time asked', async (t) => {
  const s = await Scenario.start(t);
  const read = projectionDb(t, [departmentQueuesProjection]);
  read.apply(await s.newEvents());
  for (const caseId of ['a', 'b', 'c'])
    read.apply((await s.run(0, caseId, intake({ caseId }), actors.gridWorker)).events);
  for (const caseId of ['a', 'b', 'c']) read.apply((await s.run(10, caseId, accept, actors.mediator)).events);
  read.apply((await s.run(20, 'a', summons.whistle(['police-east', 'court-1'], 60), actors.mediator)).events);
  read.apply((await s.run(20, 'b', summons.whistle(['police-east'], 600), actors.mediator)).events);
  read.apply((await s.run(20, 'c', summons.whistle(['police-east'], 60), actors.mediator)).events);
  const reported = await s.run(30, 'c', summons.reportIn('police-east'), police);
  read.apply(reported.events);
  const respondDue = reported.state.summons['police-east']?.respondDueAt;

  const ids = (queue: ReturnType<typeof departmentQueue>) =>
    Object.fromEntries(
      Object.entries(queue).map(([bucket, items]) => [bucket, items.map((item) => item.caseId)]),
    );
  t.strictSame(ids(departmentQueue(read.db, 'police-east', { now: new Date(at(60)) })), {
    pending: ['a', 'b'],
    reportedIn: ['c'],
    overdue: [],
  });
  const late = departmentQueue(read.db, 'police-east', { now: new Date(at(85)) });
  t.strictSame(ids(late), { pending: ['b'], reportedIn: ['c'], overdue: ['a'] });
  t.hasStrict(late.overdue[0], {
    clock: 'reportIn',
    dueAt: at(80),
    overdue: true,
    overdueMarked: false,
    status: 'pending',
  });
  t.hasStrict(late.reportedIn[0], {
    clock: 'respond',
    dueAt: respondDue,
    reportedInAt: at(30),
    overdue: false,
  });
  t.hasStrict(late.pending[0], { clock: 'reportIn', dueAt: at(620), summonedAt: at(20) });
  t.strictSame(ids(departmentQueue(read.db, 'police-east', { status: 'overdue', now: new Date(at(85)) })), {
    pending: [],
    reportedIn: [],
    overdue: ['a'],
  });
  t.strictSame(
    ids(departmentQueue(read.db, 'court-1', { status: 'pending', now: new Date(at(85)) })),
    {
      pending: [],
      reportedIn: [],
      overdue: [],
    },
    'a summons past its due time is not pending, whichever department asks',
  );

  read.apply(
    (await s.run(90, 'a', summons.markOverdue('police-east', 'reportIn', at(80)), actors.system)).events,
  );
  t.hasStrict(departmentQueue(read.db, 'police-east', { now: new Date(at(90)) }).overdue[0], {
    caseId: 'a',
    overdueMarked: true,
  });
  t.strictSame(
    ids(departmentQueue(read.db, 'police-east', { now: new Date(at(70)) })).overdue,
    ['a'],
    'once the system has recorded it, the summons is overdue even to a clock that lags behind',
  );
});

t.test('the same event twice changes nothing', async (t) => {
  const s = await Scenario.start(t);
  await s.run(0, 'q-1', intake({ caseId: 'q-1' }), actors.gridWorker);
  await s.run(10, 'q-1', accept, actors.mediator);
  await s.run(20, 'q-1', summons.whistle(['police-east', 'court-1'], 60), actors.mediator);
  await s.run(50, 'q-1', summons.reportIn('police-east'), police);
  await s.run(90, 'q-1', summons.markOverdue('court-1', 'reportIn', at(80)), actors.system);
  await s.run(100, 'q-1', summons.whistle(['court-1'], 60), actors.mediator);
  await s.run(130, 'q-1', { type: 'WithdrawCase', reason: '双方已和解' }, actors.mediator);
  const log = await s.all();

  const once = projectionDb(t, [departmentQueuesProjection]);
  once.apply(log);
  const twice = projectionDb(t, [departmentQueuesProjection]);
  for (const event of log) twice.apply([event, event]);
  t.strictSame(twice.dump(), once.dump(), 'each event applied twice in a row');
  const before = once.dump();
  once.apply(log);
  t.strictSame(once.dump(), before, 'the whole log applied again');
  t.equal(before.summons_queue?.length, 3, 'the comparison covers real rows');
});
