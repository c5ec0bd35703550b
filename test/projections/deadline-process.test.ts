// The deadline process with a fake clock through seed stories 4 and 5, and with several instances.
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { Actor } from '../../src/commands/actor.js';
import type { CaseCommand } from '../../src/commands/case/commands.js';
import { readStreamToArray } from '../../src/events/event-store.js';
import { ALL_PROJECTIONS } from '../../src/projections/all.js';
import { DeadlineProcess } from '../../src/projections/deadline-process.js';
import { ReadModels } from '../../src/projections/read-models.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { actors, liaison } from '../support/case-fixtures.js';
import { harness, intake, newHandler } from '../support/handler-fixtures.js';

const HOUR = 60;
const DAY = 24 * HOUR;

async function setUp(t: Test) {
  const h = await harness(t);
  const readModels = new ReadModels(join(h.dir, 'read-models.sqlite'));
  const runner = new ProjectionRunner(h.store, readModels, ALL_PROJECTIONS, () => h.clock.read().getTime());
  await runner.start();
  const errors: unknown[] = [];
  const process = new DeadlineProcess({
    readModels,
    handler: h.handler,
    clock: h.clock.read,
    onError: (e) => errors.push(e),
  });
  t.teardown(async () => {
    await runner.stop();
    readModels.close();
  });
  const settle = async () => runner.waitFor((await h.store.headPosition()) ?? 0, 5000);
  const act = async (caseId: string, command: CaseCommand, actor: Actor) => {
    await h.handler.handle({ caseId, command, actor });
    await settle();
  };
  const tick = async (p = process) => {
    const appended = await p.tick();
    await settle();
    return appended;
  };
  const types = async (caseId: string) =>
    (await readStreamToArray(h.store, `case-${caseId}`)).map((e) => e.type);
  return { h, readModels, runner, process, settle, act, tick, types, errors };
}

t.test(
  'story 4: a department that does not come is marked overdue and the case goes to the street',
  async (t) => {
    const { h, act, tick, types, errors } = await setUp(t);
    await act('c4', intake({ caseId: 'c4', location: { orgUnitId: 'community-sunrise' } }), actors.mediator);
    await act('c4', { type: 'AcceptCase', handlingMode: 'onSite' }, actors.mediator);
    await act(
      'c4',
      { type: 'WhistleDepartments', departmentIds: ['police-east'], reason: '需要民警到场' },
      actors.mediator,
    );
    h.clock.advance(23 * HOUR);
    t.equal(await tick(), 0, 'nothing before the report-in deadline (24 h)');
    h.clock.advance(HOUR + 1);
    t.equal(await tick(), 2, 'marked overdue, then escalated');
    t.same((await types('c4')).slice(-2), ['SummonsOverdue', 'CaseEscalated']);
    const escalated = (await h.handler.cases.load('c4')).state;
    t.match(escalated, {
      level: 'street',
      orgUnitId: 'street-east',
      summons: { 'police-east': { status: 'pending', overdue: { reportIn: true } } },
    });
    t.equal(await tick(), 0, 'a clock fires once');
    await act(
      'c4',
      { type: 'WhistleDepartments', departmentIds: ['police-east'], reason: '街道再次吹哨' },
      actors.streetSupervisor,
    );
    await act('c4', { type: 'ReportIn', departmentId: 'police-east' }, liaison('police-east'));
    h.clock.advance(DAY);
    t.equal(await tick(), 0, 'the second summons was answered in time');
    t.same(errors, []);
  },
);

t.test('several instances at once: each clock still fires exactly once', async (t) => {
  const { h, readModels, act, settle, types } = await setUp(t);
  await act('c', intake({ caseId: 'c', urgency: 'urgent' }), actors.gridWorker);
  await act('c', { type: 'AcceptCase', handlingMode: 'onSite' }, actors.mediator);
  await act(
    'c',
    { type: 'WhistleDepartments', departmentIds: ['police-east', 'heating-co'], reason: '联合处置' },
    actors.mediator,
  );
  h.clock.advance(2 * HOUR + 1);
  const instances = Array.from(
    { length: 4 },
    () => new DeadlineProcess({ readModels, handler: newHandler(h.store, h.clock), clock: h.clock.read }),
  );
  await Promise.all(instances.map((instance) => instance.tick()));
  await settle();
  await Promise.all(instances.map((instance) => instance.tick()));
  await settle();
  const events = await types('c');
  t.equal(events.filter((type) => type === 'SummonsOverdue').length, 2, 'one overdue mark per department');
  t.equal(
    events.filter((type) => type === 'CaseEscalated').length,
    1,
    'two departments missing one deadline: one escalation',
  );
  t.match((await h.handler.cases.load('c')).state, { level: 'community' });
});

t.test(
  'story 5: a dissatisfied rating reopens; the old rating window no longer closes the case',
  async (t) => {
    const { h, act, tick, types } = await setUp(t);
    await act('c5', intake({ caseId: 'c5' }), actors.gridWorker);
    await act('c5', { type: 'AcceptCase', handlingMode: 'onSite' }, actors.mediator);
    h.clock.advance(DAY);
    await act('c5', { type: 'ResolveCase', summary: '已协调物业维修' }, actors.mediator);
    h.clock.advance(DAY);
    await act('c5', { type: 'GiveFeedback', rating: 'dissatisfied', comment: '还在漏水' }, actors.resident);
    h.clock.advance(DAY);
    await act('c5', { type: 'ResolveCase', summary: '更换管道，复查无渗漏' }, actors.mediator);
    // First rating window: resolved Tue 3 Mar → due Thu 12 Mar. It must not close the reopened case.
    h.clock.advance(8 * DAY); // Fri 13 Mar
    t.equal(await tick(), 0);
    t.notOk((await types('c5')).includes('CaseClosed'));
    // Second window: resolved Thu 5 Mar → 7 working days → Mon 16 Mar 09:00 Beijing.
    h.clock.advance(3 * DAY - 1); // Mon 16 Mar 08:59
    t.equal(await tick(), 0, 'not a minute early');
    h.clock.advance(2);
    t.equal(await tick(), 1, 'closed without feedback once the window passes');
    const closed = (await readStreamToArray(h.store, 'case-c5')).at(-1);
    t.match(closed, {
      type: 'CaseClosed',
      data: { noFeedback: true },
      metadata: { actor: { role: 'system' } },
    });
    t.equal(await tick(), 0);
  },
);
