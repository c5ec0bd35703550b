// 吹哨、报到: whistling departments, their report-in, response, decline and release, and 事不完、人不撤.
import t from 'tap';
import type { CaseCommand } from '../../../src/commands/case/commands.js';
import type { CaseEvent } from '../../../src/events/case-events.js';
import {
  acceptedCase,
  acceptedCaseWith,
  actors,
  at,
  DAY,
  given,
  HOUR,
  liaison,
  play,
  stateOf,
  summonsCommands,
} from '../../support/case-fixtures.js';

const { whistle, reportIn, respond, decline, release, markOverdue, escalateOnOverdue } = summonsCommands;
const police = liaison('police-east');
const judicial = liaison('judicial-east');
/** Whistled at minute 20 of a normal case, a department must report in 24 h later. */
const REPORT_IN_DUE = '2026-03-03T01:20:00.000Z';

/** An accepted case (accepted at minute 10) with the departments whistled at minute 20. */
const whistled = (departmentIds: string[], history: CaseEvent[] = acceptedCase()): CaseEvent[] =>
  play(history, [[whistle(departmentIds), actors.mediator, 20]]);
const policeWhistled = (history: CaseEvent[] = acceptedCase()): CaseEvent[] =>
  whistled(['police-east'], history);
/** … and police-east reported in at minute 30. */
const policeReportedIn = (history: CaseEvent[] = acceptedCase()): CaseEvent[] =>
  play(policeWhistled(history), [[reportIn('police-east'), police, 30]]);
/** Reported in at minute 30: 2 h or 24 h later. */
const H2 = '2026-03-02T03:30:00.000Z';
const H24 = '2026-03-03T01:30:00.000Z';

/** The response deadline the department's liaison is given on reporting in at minute 30. */
function respondDueAt(history: CaseEvent[], departmentId = 'police-east'): string | undefined {
  const { events } = given(history).when(reportIn(departmentId), liaison(departmentId), at(30)).run();
  return events.length === 1 && events[0]?.type === 'DepartmentReportedIn'
    ? events[0].data.respondDueAt
    : undefined;
}
/** The system recorded police-east's report-in clock as run out. */
const policeOverdue = (): CaseEvent[] =>
  play(policeWhistled(), [[markOverdue('police-east', 'reportIn', REPORT_IN_DUE), actors.system, DAY + 20]]);

t.test('WhistleDepartments', async (t) => {
  t.test('several departments are summoned at once, each with its own report-in deadline', async (t) => {
    const three = ['police-east', 'labour-arbitration', 'heating-co'];
    const summons = [
      { departmentId: 'police-east', departmentKind: 'police', round: 1, reportInDueAt: REPORT_IN_DUE },
      { departmentId: 'labour-arbitration', departmentKind: 'labourArbitration', round: 1 },
      { departmentId: 'heating-co', departmentKind: 'utility', round: 1, reportInDueAt: REPORT_IN_DUE },
    ];
    const { state } = given(acceptedCase())
      .when(whistle(three), actors.mediator, at(20))
      .thenHas(t, [{ type: 'DepartmentsSummoned', data: { reason: '需要多部门到场', at: at(20), summons } }]);
    t.same(Object.keys(stateOf(whistled(three)).summons).sort(), [...three].sort());
    const pending = { status: 'pending', reportInDueAt: REPORT_IN_DUE, overdue: { reportIn: false } };
    t.hasStrict(state, { summons: { 'heating-co': pending } });
  });

  t.test('the report-in clock follows the urgency unless the whistle sets its own minutes', async (t) => {
    for (const [urgency, reportInDueAt] of [
      ['emergency', '2026-03-02T01:50:00.000Z'],
      ['urgent', '2026-03-02T03:20:00.000Z'],
    ] as const) {
      given(acceptedCase({ urgency }))
        .when(whistle(['police-east']), actors.mediator, at(20))
        .thenHas(t, [{ type: 'DepartmentsSummoned', data: { summons: [{ reportInDueAt }] } }]);
    }
    const own = { reportInDueAt: '2026-03-02T02:05:00.000Z' };
    given(acceptedCase())
      .when(whistle(['police-east', 'legal-aid'], 45), actors.mediator, at(20))
      .thenHas(t, [{ type: 'DepartmentsSummoned', data: { summons: [own, own] } }]);
  });

  t.test('validation: a department at least, none twice, reportInMinutes whole, 1 to 7 days', async (t) => {
    for (const command of [
      whistle([]),
      whistle(['police-east', 'police-east']),
      whistle(['police-east'], 0),
      whistle(['police-east'], 1.5),
      whistle(['police-east'], 7 * DAY + 1),
    ]) {
      given(acceptedCase()).when(command, actors.mediator).thenThrows(t, 'validation_failed');
    }
    const weekLater = { reportInDueAt: '2026-03-09T01:20:00.000Z' };
    given(acceptedCase())
      .when(whistle(['police-east'], 7 * DAY), actors.mediator, at(20))
      .thenHas(t, [{ type: 'DepartmentsSummoned', data: { summons: [weekLater] } }]);
  });

  t.test('an unknown department, or one already summoned and not overdue, is refused', async (t) => {
    const both = whistle(['judicial-east', 'police-east']);
    given(acceptedCase())
      .when(whistle(['police-east', 'fire-brigade']), actors.mediator)
      .thenThrows(t, 'unknown_department');
    given(policeWhistled()).when(both, actors.mediator).thenThrows(t, 'summons_already_open');
    given(policeReportedIn())
      .when(whistle(['police-east']), actors.mediator)
      .thenThrows(t, 'summons_already_open');
  });

  t.test('a department marked overdue on reporting in may be whistled again, in a new round', async (t) => {
    const escalated = play(policeOverdue(), [
      [escalateOnOverdue('police-east', 'reportIn', REPORT_IN_DUE), actors.system, DAY + 20],
    ]);
    const roundTwo = { departmentId: 'police-east', round: 2, reportInDueAt: '2026-03-03T03:00:00.000Z' };
    const { state } = given(escalated)
      .when(whistle(['police-east'], 60), actors.streetSupervisor, at(DAY + HOUR))
      .thenHas(t, [{ type: 'DepartmentsSummoned', data: { summons: [roundTwo] } }]);
    const fresh = { round: 2, status: 'pending', overdue: { reportIn: false, respond: false } };
    t.hasStrict(state, { summons: { 'police-east': fresh } });
  });

  t.test('a department that reported in late is present: it is not whistled again', async (t) => {
    const late = play(policeOverdue(), [[reportIn('police-east'), police, DAY + 40]]);
    given(late)
      .when(whistle(['police-east']), actors.streetSupervisor, at(DAY + HOUR))
      .thenThrows(t, 'summons_already_open');
  });
});

t.test('ReportIn', async (t) => {
  t.test("when the department's liaison reports in, then its response clock starts", async (t) => {
    const respondDueAt = '2026-03-11T01:30:00.000Z';
    const data = {
      departmentId: 'police-east',
      by: 'liaison-police-east',
      note: '已到场',
      at: at(30),
      respondDueAt,
    };
    const { state } = given(policeWhistled())
      .when(reportIn('police-east'), police, at(30))
      .thenHas(t, [{ type: 'DepartmentReportedIn', data }]);
    t.hasStrict(state, { summons: { 'police-east': { status: 'reportedIn', reportedInAt: at(30) } } });
  });

  t.test('broken rules', async (t) => {
    const both = whistled(['police-east', 'judicial-east']);
    given(both).when(reportIn('police-east'), judicial).thenThrows(t, 'wrong_department');
    given(both).when(reportIn('police-east'), actors.mediator).thenThrows(t, 'wrong_department');
    given(both).when(reportIn('legal-aid'), liaison('legal-aid')).thenThrows(t, 'summons_not_found');
    given(policeReportedIn()).when(reportIn('police-east'), police).thenThrows(t, 'summons_not_pending');
    const declined = play(policeWhistled(), [[decline('police-east'), police, 25]]);
    given(declined).when(reportIn('police-east'), police).thenThrows(t, 'summons_not_pending');
  });
});

t.test('RespondToSummons', async (t) => {
  t.test('the department responds after reporting in, and its summons is done', async (t) => {
    const done = {
      departmentId: 'police-east',
      by: 'liaison-police-east',
      summary: '已处理',
      at: at(2 * HOUR),
    };
    const { state } = given(policeReportedIn())
      .when(respond('police-east'), police, at(2 * HOUR))
      .thenHas(t, [{ type: 'DepartmentResponded', data: done }]);
    t.hasStrict(state, { summons: { 'police-east': { status: 'responded', closedAt: at(2 * HOUR) } } });
  });

  t.test('broken rules', async (t) => {
    given(policeWhistled()).when(respond('police-east'), police).thenThrows(t, 'not_reported_in');
    given(policeReportedIn()).when(respond('police-east'), actors.mediator).thenThrows(t, 'wrong_department');
    given(policeReportedIn()).when(respond('police-east'), judicial).thenThrows(t, 'wrong_department');
    given(policeReportedIn()).when(respond('judicial-east'), judicial).thenThrows(t, 'summons_not_found');
  });

  t.test('the response deadline follows the urgency; complex normal cases get 15 working days', async (t) => {
    t.equal(respondDueAt(policeWhistled(acceptedCase({ urgency: 'emergency' }))), H2, 'emergency: 2 h');
    t.equal(respondDueAt(policeWhistled(acceptedCase({ urgency: 'urgent' }))), H24, 'urgent: 24 h');
    t.equal(respondDueAt(policeWhistled()), '2026-03-11T01:30:00.000Z', 'normal: 7 working days');
    const complex = acceptedCaseWith({ complex: true });
    t.equal(respondDueAt(policeWhistled(complex)), '2026-03-23T01:30:00.000Z', 'complex: 15 days');
    const complexUrgent = acceptedCaseWith({ complex: true }, { urgency: 'urgent' });
    t.equal(respondDueAt(policeWhistled(complexUrgent)), H24, 'complex urgent: still 24 h');
  });

  t.test('utilities respond within 24 h: a utility department, or a heating case', async (t) => {
    t.equal(respondDueAt(whistled(['heating-co']), 'heating-co'), H24, 'a utility department');
    const heatingCase = acceptedCase({ category: 'heating' });
    t.equal(respondDueAt(policeWhistled(heatingCase)), H24, 'a heating case, whoever responds');
    const complexHeating = acceptedCaseWith({ complex: true }, { category: 'heating' });
    t.equal(respondDueAt(whistled(['heating-co'], complexHeating), 'heating-co'), H24, 'complex heating');
    const emergency = acceptedCase({ urgency: 'emergency' });
    t.equal(respondDueAt(whistled(['heating-co'], emergency), 'heating-co'), H2, 'the cap never lengthens');
  });
});

t.test('DeclineSummons', async (t) => {
  const declined = {
    departmentId: 'police-east',
    by: 'liaison-police-east',
    reason: '非本部门职责',
    at: at(25),
  };
  given(policeWhistled())
    .when(decline('police-east'), police, at(25))
    .thenHas(t, [{ type: 'SummonsDeclined', data: declined }]);
  given(policeReportedIn())
    .when(decline('police-east'), police)
    .thenHas(t, [{ type: 'SummonsDeclined' }]);
  given(policeWhistled()).when(decline('police-east'), actors.mediator).thenThrows(t, 'wrong_department');
  const responded = play(policeReportedIn(), [[respond('police-east'), police, 40]]);
  given(responded).when(decline('police-east'), police).thenThrows(t, 'summons_closed');
  given(policeWhistled()).when(decline('judicial-east'), judicial).thenThrows(t, 'summons_not_found');
});

t.test('ReleaseSummons', async (t) => {
  const { state } = given(policeReportedIn())
    .when(release('police-east'), actors.mediator, at(50))
    .thenHas(t, [
      { type: 'SummonsReleased', data: { departmentId: 'police-east', reason: '不再需要', at: at(50) } },
    ]);
  t.hasStrict(state, { summons: { 'police-east': { status: 'released', closedAt: at(50) } } });
  const released = play(policeWhistled(), [[release('police-east'), actors.mediator, 25]]);
  given(released).when(release('police-east'), actors.mediator).thenThrows(t, 'summons_closed');
  const declined = play(policeWhistled(), [[decline('police-east'), police, 25]]);
  given(declined).when(release('police-east'), actors.mediator).thenThrows(t, 'summons_closed');
  given(acceptedCase()).when(release('police-east'), actors.mediator).thenThrows(t, 'summons_not_found');
});

t.test(
  '事不完、人不撤: no resolution while a summons is neither responded, declined nor released',
  async (t) => {
    const resolveCase: CaseCommand = { type: 'ResolveCase', summary: '各部门已处理完毕' };
    let history = play(whistled(['police-east', 'judicial-east', 'heating-co']), [
      [reportIn('police-east'), police, 30],
    ]);
    const steps: ReadonlyArray<readonly [CaseCommand, typeof police, number]> = [
      [respond('police-east'), police, 60],
      [decline('judicial-east'), judicial, 70],
      [release('heating-co'), actors.mediator, 80],
    ];
    for (const step of steps) {
      given(history)
        .when(resolveCase, actors.mediator, at(step[2] - 1))
        .thenThrows(t, 'open_summons');
      history = play(history, [step]);
    }
    given(history)
      .when(resolveCase, actors.mediator, at(90))
      .thenHas(t, [{ type: 'CaseResolved', data: { summary: '各部门已处理完毕', at: at(90) } }]);
  },
);
