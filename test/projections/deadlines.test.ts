import type Database from 'better-sqlite3';
import type { Test } from 'tap';
import t from 'tap';
import type { Actor } from '../../src/commands/actor.js';
import type { CaseCommand } from '../../src/commands/case/commands.js';
import { runningClocks } from '../../src/commands/case/deadlines.js';
import type { ExistingCase } from '../../src/commands/case/state.js';
import { deadlinesProjection } from '../../src/projections/deadlines.js';
import { dueClocks } from '../../src/projections/deadlines-query.js';
import { actors, at, liaison, summonsCommands as summons, T0 } from '../support/case-fixtures.js';
import { intake } from '../support/handler-fixtures.js';
import { type ProjectionDb, projectionDb, Scenario } from '../support/projection-fixtures.js';

const police = liaison('police-east');
const court = liaison('court-1');
const accept: CaseCommand = { type: 'AcceptCase', handlingMode: 'onSite' };
const resolve: CaseCommand = { type: 'ResolveCase', summary: '已调解解决' };
const minuteOf = (instant: string): number => (Date.parse(instant) - Date.parse(T0)) / 60_000;

interface Clock {
  clock: string;
  departmentId?: string;
  dueAt: string;
  fired: boolean;
}

const byKey = (a: Clock, b: Clock): number =>
  `${a.clock}/${a.departmentId ?? ''}`.localeCompare(`${b.clock}/${b.departmentId ?? ''}`);

/** The case's rows, in the shape of `runningClocks` (`fired` is the escalated flag). */
function rowsOf(db: Database.Database, caseId: string): Clock[] {
  const rows = db
    .prepare<[string], { clock: string; department_id: string; due_at: string; escalated: number }>(
      'SELECT clock, department_id, due_at, escalated FROM deadlines WHERE case_id = ?',
    )
    .all(caseId);
  return rows
    .map((row) => {
      const clock = { clock: row.clock, dueAt: row.due_at, fired: row.escalated === 1 };
      return row.department_id ? { ...clock, departmentId: row.department_id } : clock;
    })
    .sort(byKey);
}

/** Runs one step, applies its events and holds the rows to the decider's own running clocks. */
async function step(
  t: Test,
  s: Scenario,
  read: ProjectionDb,
  [minute, caseId, command, actor]: [number, string, CaseCommand, Actor],
): Promise<ExistingCase> {
  const { events, state } = await s.run(minute, caseId, command, actor);
  read.apply(events);
  t.strictSame(
    rowsOf(read.db, caseId),
    [...runningClocks(state)].sort(byKey),
    `${caseId} after ${command.type}`,
  );
  return state;
}

const due = (db: Database.Database, minute: number) => dueClocks(db, new Date(at(minute)), 100);

t.test('the rows mirror runningClocks after every step of a case life, and say what is due', async (t) => {
  const s = await Scenario.start(t);
  const read = projectionDb(t, [deadlinesProjection]);
  read.apply(await s.newEvents());
  const go = (minute: number, caseId: string, command: CaseCommand, actor: Actor) =>
    step(t, s, read, [minute, caseId, command, actor]);

  await go(0, 'd-1', intake({ caseId: 'd-1', urgency: 'emergency' }), actors.gridWorker);
  for (const caseId of ['d-2', 'd-3', 'd-4', 'd-5'])
    await go(0, caseId, intake({ caseId }), actors.gridWorker);
  const atDistrict = intake({ caseId: 'd-6', urgency: 'emergency', location: { orgUnitId: 'district-1' } });
  await go(0, 'd-6', atDistrict, actors.districtSupervisor);
  await go(5, 'd-4', { type: 'RejectCase', reason: '不属于调解范围' }, actors.mediator);
  for (const caseId of ['d-2', 'd-3', 'd-5']) await go(10, caseId, accept, actors.mediator);
  await go(20, 'd-2', summons.whistle(['heating-co', 'police-east']), actors.mediator);
  const resolved = await go(20, 'd-3', resolve, actors.mediator);
  await go(20, 'd-5', summons.whistle(['police-east']), actors.mediator);
  await go(25, 'd-5', { type: 'MergeCase', intoCaseId: 'd-2' }, actors.chair);
  await go(30, 'd-2', summons.release('police-east'), actors.mediator);

  // An emergency case's accept clock ran out at 30; the district case's too, but nothing is above it.
  t.strictSame(due(read.db, 40), [{ caseId: 'd-1', clock: 'accept', dueAt: at(30), needs: ['escalate'] }]);
  await go(40, 'd-1', { type: 'EscalateOnOverdue', clock: 'accept', dueAt: at(30) }, actors.system);
  t.strictSame(due(read.db, 40), [], 'an escalated clock asks nothing more');
  await go(50, 'd-1', accept, actors.mediator);
  await go(60, 'd-1', summons.whistle(['police-east', 'court-1']), actors.mediator);
  await go(70, 'd-1', summons.reportIn('police-east'), police);
  t.strictSame(due(read.db, 95), [
    {
      caseId: 'd-1',
      clock: 'reportIn',
      departmentId: 'court-1',
      dueAt: at(90),
      needs: ['markOverdue', 'escalate'],
    },
  ]);
  await go(100, 'd-1', summons.markOverdue('court-1', 'reportIn', at(90)), actors.system);
  t.strictSame(due(read.db, 100), [
    { caseId: 'd-1', clock: 'reportIn', departmentId: 'court-1', dueAt: at(90), needs: ['escalate'] },
  ]);
  t.equal(
    read.db.prepare("SELECT overdue_marked FROM deadlines WHERE department_id = 'court-1'").pluck().get(),
    1,
  );
  await go(101, 'd-1', summons.escalateOnOverdue('court-1', 'reportIn', at(90)), actors.system);
  t.strictSame(due(read.db, 101), []);
  await go(110, 'd-1', summons.whistle(['court-1']), actors.mediator);
  await go(120, 'd-1', summons.decline('court-1'), court);
  await go(200, 'd-1', summons.markOverdue('police-east', 'respond', at(190)), actors.system);
  await go(210, 'd-1', summons.respond('police-east'), police);
  const first = await go(220, 'd-1', resolve, actors.mediator);
  await go(230, 'd-1', { type: 'GiveFeedback', rating: 'dissatisfied' }, actors.mediator);
  await go(240, 'd-1', resolve, actors.mediator);
  await go(250, 'd-1', { type: 'GiveFeedback', rating: 'satisfied' }, actors.mediator);
  await go(260, 'd-1', { type: 'CloseCase' }, actors.chair);
  await go(300, 'd-2', { type: 'WithdrawCase', reason: '双方已和解' }, actors.mediator);
  await go(310, 'd-6', accept, actors.districtSupervisor);
  await go(320, 'd-6', summons.whistle(['police-east']), actors.districtSupervisor);

  t.strictSame(
    due(read.db, 360).map(({ caseId, clock, needs }) => [caseId, clock, needs]),
    [['d-6', 'reportIn', ['markOverdue']]],
    'at the district a summons clock is only marked overdue',
  );
  await go(360, 'd-7', intake({ caseId: 'd-7', urgency: 'emergency' }), actors.gridWorker);
  await go(365, 'd-7', accept, actors.mediator);
  await go(370, 'd-7', summons.whistle(['police-east', 'court-1']), actors.mediator);
  await go(400, 'd-7', summons.escalateOnOverdue('court-1', 'reportIn', at(400)), actors.system);
  t.strictSame(
    due(read.db, 400)
      .filter((clock) => clock.caseId === 'd-7')
      .map(({ departmentId, needs }) => [departmentId, needs]),
    [
      ['court-1', ['markOverdue']],
      ['police-east', ['markOverdue']],
    ],
    'one escalation answers for every department the whistle gave the same deadline',
  );
  t.ok(first.status === 'resolved' && resolved.status === 'resolved');
  const feedbackDueAt = resolved.status === 'resolved' ? resolved.feedbackDueAt : '';
  const rating = due(read.db, minuteOf(feedbackDueAt)).filter((clock) => clock.clock === 'feedback');
  t.strictSame(rating, [
    { caseId: 'd-3', clock: 'feedback', dueAt: feedbackDueAt, needs: ['closeWithoutFeedback'] },
  ]);
  t.strictSame(dueClocks(read.db, new Date(feedbackDueAt), 1).length, 1, 'the limit holds');
  await go(
    minuteOf(feedbackDueAt),
    'd-3',
    { type: 'CloseWithoutFeedback', dueAt: feedbackDueAt },
    actors.system,
  );

  for (const caseId of ['d-1', 'd-2', 'd-3', 'd-4', 'd-5', 'd-6', 'd-7']) {
    const { state } = await s.h.handler.cases.load(caseId);
    if (state.status === 'initial') throw new Error(`${caseId} was never created`);
    t.strictSame(rowsOf(read.db, caseId), [...runningClocks(state)].sort(byKey), `${caseId} at the end`);
  }
  t.strictSame(
    read.db.prepare('SELECT DISTINCT case_id FROM deadlines ORDER BY case_id').pluck().all(),
    ['d-6', 'd-7'],
    'only the cases still open have clocks left',
  );
});

t.test('the same event twice changes nothing', async (t) => {
  const s = await Scenario.start(t);
  await s.run(0, 'd-1', intake({ caseId: 'd-1', urgency: 'emergency' }), actors.gridWorker);
  await s.run(40, 'd-1', { type: 'EscalateOnOverdue', clock: 'accept', dueAt: at(30) }, actors.system);
  await s.run(50, 'd-1', accept, actors.mediator);
  await s.run(60, 'd-1', summons.whistle(['police-east', 'court-1']), actors.mediator);
  await s.run(70, 'd-1', summons.reportIn('police-east'), police);
  await s.run(100, 'd-1', summons.markOverdue('court-1', 'reportIn', at(90)), actors.system);
  await s.run(110, 'd-1', summons.whistle(['court-1']), actors.mediator);
  const log = await s.all();

  const once = projectionDb(t, [deadlinesProjection]);
  once.apply(log);
  const twice = projectionDb(t, [deadlinesProjection]);
  for (const event of log) twice.apply([event, event]);
  t.strictSame(twice.dump(), once.dump(), 'each event applied twice in a row');
  const before = once.dump();
  once.apply(log);
  t.strictSame(once.dump(), before, 'the whole log applied again');
  t.equal(before.deadlines?.length, 3, 'resolve, respond and the second report-in clock are running');
});
