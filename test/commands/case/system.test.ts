// The service's own commands when a clock runs out (DESIGN.md §4): deterministic, idempotent, once per clock.
import t from 'tap';
import type { CaseCommand } from '../../../src/commands/case/commands.js';
import { runningClocks } from '../../../src/commands/case/deadlines.js';
import type { CaseEvent } from '../../../src/events/case-events.js';
import {
  acceptedCase,
  actors,
  at,
  DAY,
  given,
  HOUR,
  liaison,
  play,
  resolvedCase,
  stateOf,
  submittedCase,
  summonsCommands,
} from '../../support/case-fixtures.js';

const police = liaison('police-east');
const system = actors.system;
/** Whistled at minute 20 of a normal case: the police must report in 24 h later. */
const REPORT_IN_DUE = '2026-03-03T01:20:00.000Z';
const REPORT_IN_MINUTE = DAY + 20;
/** Resolved at minute 120 (Mon 11:00 Beijing): rated within 7 working days, by Wed 11 March 11:00. */
const FEEDBACK_DUE = '2026-03-11T03:00:00.000Z';
const FEEDBACK_MINUTE = 9 * DAY + 2 * HOUR;

const { whistle, reportIn } = summonsCommands;
const whistled = (): CaseEvent[] => play(acceptedCase(), [[whistle(['police-east']), actors.mediator, 20]]);
const reportedIn = (): CaseEvent[] => play(whistled(), [[reportIn('police-east'), police, 30]]);
const markOverdue = (clock: 'reportIn' | 'respond', dueAt: string): CaseCommand =>
  summonsCommands.markOverdue('police-east', clock, dueAt);
/** Submitted at T0, a normal case must be accepted within 24 h; accepted at minute 10, resolved in 15 days. */
const ACCEPT_DUE = '2026-03-03T01:00:00.000Z';
const RESOLVE_DUE = '2026-03-23T01:10:00.000Z';
const escalateOn = (clock: 'accept' | 'reportIn' | 'respond' | 'resolve', dueAt: string): CaseCommand =>
  clock === 'reportIn' || clock === 'respond'
    ? { type: 'EscalateOnOverdue', clock, departmentId: 'police-east', dueAt }
    : { type: 'EscalateOnOverdue', clock, dueAt };
const satisfied: CaseCommand = { type: 'GiveFeedback', rating: 'satisfied' };
const closeWithoutFeedback: CaseCommand = { type: 'CloseWithoutFeedback', dueAt: FEEDBACK_DUE };

t.test('MarkSummonsOverdue', async (t) => {
  t.test('not before the due time', async (t) => {
    given(whistled())
      .when(markOverdue('reportIn', REPORT_IN_DUE), system, at(REPORT_IN_MINUTE - 1))
      .thenThrows(t, 'clock_not_due');
  });

  t.test('at the due time the overdue flag is frozen into the event, once', async (t) => {
    const due = { clock: 'reportIn', dueAt: REPORT_IN_DUE, at: at(REPORT_IN_MINUTE) } as const;
    const data = { departmentId: 'police-east', round: 1, ...due };
    const { state, events } = given(whistled())
      .when(markOverdue('reportIn', REPORT_IN_DUE), system, at(REPORT_IN_MINUTE))
      .thenHas(t, [{ type: 'SummonsOverdue', data }]);
    const frozen = { status: 'pending', overdue: { reportIn: true, respond: false } };
    t.hasStrict(state, { summons: { 'police-east': frozen } });
    given([...whistled(), ...events])
      .when(markOverdue('reportIn', REPORT_IN_DUE), system, at(REPORT_IN_MINUTE + 5))
      .thenHas(t, []);
  });

  t.test('the response clock is marked the same way', async (t) => {
    const respondDue = '2026-03-11T01:30:00.000Z';
    given(reportedIn())
      .when(markOverdue('respond', respondDue), system, at(9 * DAY + 30))
      .thenHas(t, [{ type: 'SummonsOverdue', data: { clock: 'respond', dueAt: respondDue } }]);
  });

  t.test('a clock that no longer runs yields nothing', async (t) => {
    const mark = markOverdue('reportIn', REPORT_IN_DUE);
    const stale = markOverdue('reportIn', '2026-03-03T01:00:00.000Z');
    given(whistled()).when(stale, system, at(REPORT_IN_MINUTE)).thenHas(t, []);
    given(reportedIn()).when(mark, system, at(REPORT_IN_MINUTE)).thenHas(t, []);
    given(acceptedCase()).when(mark, system, at(REPORT_IN_MINUTE)).thenHas(t, []);
    given([]).when(mark, system, at(REPORT_IN_MINUTE)).thenHas(t, []);
  });
});

t.test('EscalateOnOverdue', async (t) => {
  t.test('a department that does not report in sends the case one level up, with a trigger', async (t) => {
    const trigger = { clock: 'reportIn', departmentId: 'police-east', dueAt: REPORT_IN_DUE } as const;
    const levels = {
      fromOrgUnitId: 'grid-1',
      toOrgUnitId: 'community-sunrise',
      fromLevel: 'grid',
      toLevel: 'community',
    } as const;
    const { state, events } = given(whistled())
      .when(escalateOn('reportIn', REPORT_IN_DUE), system, at(REPORT_IN_MINUTE))
      .thenHas(t, [{ type: 'CaseEscalated', data: { ...levels, trigger, at: at(REPORT_IN_MINUTE) } }]);
    t.hasStrict(state, { level: 'community', orgUnitId: 'community-sunrise' });
    given([...whistled(), ...events])
      .when(escalateOn('reportIn', REPORT_IN_DUE), system, at(REPORT_IN_MINUTE + 1))
      .thenHas(t, []);
  });

  t.test("a new round's clock may escalate again", async (t) => {
    const roundTwo = play(whistled(), [
      [markOverdue('reportIn', REPORT_IN_DUE), system, REPORT_IN_MINUTE],
      [escalateOn('reportIn', REPORT_IN_DUE), system, REPORT_IN_MINUTE],
      [whistle(['police-east'], 60), actors.chair, REPORT_IN_MINUTE + 10],
    ]);
    given(roundTwo)
      .when(escalateOn('reportIn', '2026-03-03T02:30:00.000Z'), system, at(REPORT_IN_MINUTE + 70))
      .thenHas(t, [{ type: 'CaseEscalated', data: { fromLevel: 'community', toLevel: 'street' } }]);
  });

  t.test('the acceptance and resolution clocks escalate too', async (t) => {
    const { events } = given(submittedCase())
      .when(escalateOn('accept', ACCEPT_DUE), system, at(DAY))
      .then(t, [{ type: 'CaseEscalated', data: { toLevel: 'community' } }]);
    t.strictSame(events[0]?.data, { ...events[0]?.data, trigger: { clock: 'accept', dueAt: ACCEPT_DUE } });
    const byResolve = { trigger: { clock: 'resolve', dueAt: RESOLVE_DUE } } as const;
    given(acceptedCase())
      .when(escalateOn('resolve', RESOLVE_DUE), system, at(21 * DAY + 10))
      .thenHas(t, [{ type: 'CaseEscalated', data: byResolve }]);
  });

  t.test('not before the due time', async (t) => {
    given(whistled())
      .when(escalateOn('reportIn', REPORT_IN_DUE), system, at(REPORT_IN_MINUTE - 1))
      .thenThrows(t, 'clock_not_due');
  });

  t.test('nothing at the district', async (t) => {
    const atDistrict = submittedCase({ location: { orgUnitId: 'district-1' } });
    given(atDistrict).when(escalateOn('accept', ACCEPT_DUE), system, at(DAY)).thenHas(t, []);
  });

  t.test('nothing when the clock no longer runs', async (t) => {
    const onReportIn = escalateOn('reportIn', REPORT_IN_DUE);
    given(reportedIn()).when(onReportIn, system, at(REPORT_IN_MINUTE)).thenHas(t, []);
    const stale = escalateOn('reportIn', '2026-03-03T01:00:00.000Z');
    given(whistled()).when(stale, system, at(REPORT_IN_MINUTE)).thenHas(t, []);
    given(acceptedCase()).when(escalateOn('accept', ACCEPT_DUE), system, at(DAY)).thenHas(t, []);
    given(resolvedCase())
      .when(escalateOn('resolve', RESOLVE_DUE), system, at(22 * DAY))
      .thenHas(t, []);
  });
});

t.test('CloseWithoutFeedback', async (t) => {
  t.test('after the rating window the case closes with noFeedback', async (t) => {
    const { state } = given(resolvedCase())
      .when(closeWithoutFeedback, system, at(FEEDBACK_MINUTE))
      .thenHas(t, [{ type: 'CaseClosed', data: { noFeedback: true, at: FEEDBACK_DUE } }]);
    t.hasStrict(state, { status: 'closed', closedAt: FEEDBACK_DUE, noFeedback: true });
    given(play(resolvedCase(), [[closeWithoutFeedback, system, FEEDBACK_MINUTE]]))
      .when(closeWithoutFeedback, system, at(FEEDBACK_MINUTE + 1))
      .thenHas(t, []);
  });

  t.test('not before the due time', async (t) => {
    given(resolvedCase())
      .when(closeWithoutFeedback, system, at(FEEDBACK_MINUTE - 1))
      .thenThrows(t, 'clock_not_due');
  });

  t.test('nothing once the resident has rated, or when the due time is stale', async (t) => {
    const rated = play(resolvedCase(), [[satisfied, actors.resident, DAY]]);
    given(rated).when(closeWithoutFeedback, system, at(FEEDBACK_MINUTE)).thenHas(t, []);
    const stale: CaseCommand = { type: 'CloseWithoutFeedback', dueAt: '2026-03-10T03:00:00.000Z' };
    given(resolvedCase()).when(stale, system, at(FEEDBACK_MINUTE)).thenHas(t, []);
    given(acceptedCase()).when(closeWithoutFeedback, system, at(FEEDBACK_MINUTE)).thenHas(t, []);
  });
});

t.test('runningClocks lists what the deadline process watches', async (t) => {
  t.strictSame(runningClocks(stateOf(submittedCase())), [
    { clock: 'accept', dueAt: ACCEPT_DUE, fired: false },
  ]);

  const busy = play(acceptedCase(), [
    [whistle(['police-east', 'judicial-east', 'legal-aid']), actors.mediator, 20],
    [reportIn('judicial-east'), liaison('judicial-east'), 30],
    [summonsCommands.decline('legal-aid'), liaison('legal-aid'), 40],
  ]);
  t.strictSame(runningClocks(stateOf(busy)), [
    { clock: 'resolve', dueAt: RESOLVE_DUE, fired: false },
    { clock: 'reportIn', departmentId: 'police-east', dueAt: REPORT_IN_DUE, fired: false },
    { clock: 'respond', departmentId: 'judicial-east', dueAt: '2026-03-11T01:30:00.000Z', fired: false },
  ]);

  const marked = play(busy, [[markOverdue('reportIn', REPORT_IN_DUE), system, REPORT_IN_MINUTE]]);
  t.hasStrict(
    runningClocks(stateOf(marked))[1],
    { clock: 'reportIn', fired: false },
    'marked, not escalated',
  );
  const escalated = play(marked, [[escalateOn('reportIn', REPORT_IN_DUE), system, REPORT_IN_MINUTE]]);
  const fired = { clock: 'reportIn', departmentId: 'police-east', dueAt: REPORT_IN_DUE, fired: true };
  t.strictSame(runningClocks(stateOf(escalated))[1], fired);

  t.strictSame(runningClocks(stateOf(resolvedCase())), [
    { clock: 'feedback', dueAt: FEEDBACK_DUE, fired: false },
  ]);
  const rated = play(resolvedCase(), [[satisfied, actors.resident, DAY]]);
  t.strictSame(runningClocks(stateOf(rated)), [], 'a rated case waits for nobody');
  t.strictSame(
    runningClocks(stateOf(play(resolvedCase(), [[{ type: 'CloseCase' }, actors.chair, 3 * HOUR]]))),
    [],
  );
});
