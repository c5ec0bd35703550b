import type { Test } from 'tap';
import t from 'tap';
import type { Actor } from '../../src/commands/actor.js';
import type { CaseCommand } from '../../src/commands/case/commands.js';
import { departmentQueuesProjection } from '../../src/projections/department-queues.js';
import { statisticsProjection } from '../../src/projections/statistics.js';
import { type StatisticsQuery, statistics } from '../../src/projections/statistics-query.js';
import { actors, at, DAY, liaison, summonsCommands as summons } from '../support/case-fixtures.js';
import { intake } from '../support/handler-fixtures.js';
import { type ProjectionDb, projectionDb, Scenario } from '../support/projection-fixtures.js';

const police = liaison('police-east');
const accept: CaseCommand = { type: 'AcceptCase', handlingMode: 'onSite' };
const resolve: CaseCommand = { type: 'ResolveCase', summary: '已调解解决' };
const rate = (rating: 'satisfied' | 'basicallySatisfied' | 'dissatisfied'): CaseCommand => ({
  type: 'GiveFeedback',
  rating,
  via: 'phone',
});
const projections = [departmentQueuesProjection, statisticsProjection];

/**
 * Five cases from Monday 2 March 2026, 09:00 Beijing (minute 0). All but D are normal (resolve within
 * 15 working days, so their first targets lie weeks ahead); D is an emergency (target at minute 1450).
 *   A grid-1 neighbour: police whistled at 20 (due 80), reports in at 50; resolved at 250; satisfied.
 *   B grid-1 neighbour: police and court whistled at 20 (due 80); police reports in late at 110, the court
 *     never comes (an open overdue summons nobody has marked); unresolved.
 *   C grid-2 heating: resolved at 800 (22:20 on 2 March in Beijing); dissatisfied, so reopened; resolved
 *     again at 930 (00:30 on 3 March in Beijing, still 2 March in UTC); basically satisfied.
 *   D community-river neighbour, emergency: heating company whistled at 20 (due 50) declines at 30;
 *     unresolved past its target.
 *   E grid-1 neighbour: resolved at 130; dissatisfied, so reopened; unresolved.
 */
const story: ReadonlyArray<[number, string, CaseCommand, Actor]> = [
  [0, 'A', intake({ caseId: 'A' }), actors.gridWorker],
  [0, 'B', intake({ caseId: 'B' }), actors.gridWorker],
  [0, 'C', intake({ caseId: 'C', category: 'heating', location: { orgUnitId: 'grid-2' } }), actors.mediator],
  [
    0,
    'D',
    intake({ caseId: 'D', urgency: 'emergency', location: { orgUnitId: 'community-river' } }),
    actors.districtSupervisor,
  ],
  [0, 'E', intake({ caseId: 'E' }), actors.gridWorker],
  ...['A', 'B', 'C', 'E'].map((id): [number, string, CaseCommand, Actor] => [
    10,
    id,
    accept,
    actors.mediator,
  ]),
  [10, 'D', accept, actors.districtSupervisor],
  [20, 'A', summons.whistle(['police-east'], 60), actors.mediator],
  [20, 'B', summons.whistle(['police-east', 'court-1'], 60), actors.mediator],
  [20, 'D', summons.whistle(['heating-co'], 30), actors.districtSupervisor],
  [30, 'D', summons.decline('heating-co'), liaison('heating-co')],
  [50, 'A', summons.reportIn('police-east'), police],
  [60, 'A', summons.respond('police-east'), police],
  [110, 'B', summons.reportIn('police-east'), police],
  [130, 'E', resolve, actors.mediator],
  [250, 'A', resolve, actors.mediator],
  [260, 'A', rate('satisfied'), actors.mediator],
  [270, 'E', rate('dissatisfied'), actors.mediator],
  [800, 'C', resolve, actors.mediator],
  [810, 'C', rate('dissatisfied'), actors.mediator],
  [930, 'C', resolve, actors.mediator],
  [940, 'C', rate('basicallySatisfied'), actors.mediator],
];

async function told(t: Test): Promise<ProjectionDb & { log: Awaited<ReturnType<Scenario['all']>> }> {
  const s = await Scenario.start(t);
  for (const [minute, caseId, command, actor] of story) await s.run(minute, caseId, command, actor);
  const log = await s.all();
  const read = projectionDb(t, projections);
  read.apply(log);
  return Object.assign(read, { log });
}

const NOW = new Date(at(3 * DAY));
const query = (extra: Partial<StatisticsQuery> = {}): StatisticsQuery => ({
  period: 'month',
  now: NOW,
  ...extra,
});

t.test('the three rates of the story, by hand', async (t) => {
  const { db } = await told(t);
  const month = statistics(db, query());
  t.strictSame(month.periods, [
    {
      period: '2026-03',
      // On time: A's police (50 ≤ 80). Due: A's police, B's police (late, 110 > 80), B's court (80 ≤ now,
      // still pending). D's heating company declined before its due time. 1 ÷ 3.
      responseRate: { onTime: 1, due: 3, rate: 0.3333 },
      // On time and never reopened: A. Due: A, C and E (resolved; C and E reopened), D (target 1450 ≤ now).
      // B was not resolved and its target lies ahead. 1 ÷ 4.
      resolutionRate: { onTime: 1, due: 4, rate: 0.25 },
      // Latest ratings: A satisfied, C basically satisfied (its dissatisfied was superseded), E dissatisfied.
      // (1 + 1) ÷ 3.
      satisfactionRate: { satisfied: 1, basicallySatisfied: 1, dissatisfied: 1, rated: 3, rate: 0.6667 },
      whistles: 3, // A, B (two departments at once) and D
      reopenRate: { reopened: 2, resolved: 3, rate: 0.6667 }, // C and E of A, C and E
      // Accepted at 10, first resolved: E at 130 (2 h), A at 250 (4 h), C at 800 (13.17 h): median 4.
      medianHoursToResolution: 4,
    },
  ]);
  t.strictSame(month.departments, [
    { departmentId: 'court-1', summons: 1, avgReportInMinutes: null, p90ReportInMinutes: null },
    { departmentId: 'heating-co', summons: 1, avgReportInMinutes: null, p90ReportInMinutes: null },
    // Reported in after 30 (A) and 90 (B) minutes: mean 60; nearest-rank p90 is the 2nd of 2, 90.
    { departmentId: 'police-east', summons: 2, avgReportInMinutes: 60, p90ReportInMinutes: 90 },
  ]);
  const week = statistics(db, query({ period: 'week' }));
  t.strictSame(week.periods, [{ ...month.periods[0], period: '2026-W10' }], 'one ISO week holds it all');
});

t.test('days are China days, and a rating belongs to the resolution it rated', async (t) => {
  const { db } = await told(t);
  const days = statistics(db, query({ period: 'day' })).periods;
  t.strictSame(
    days.map((day) => day.period),
    ['2026-03-02', '2026-03-03'],
  );
  t.strictSame(days[0]?.satisfactionRate, {
    satisfied: 1, // A, resolved at 250
    basicallySatisfied: 0,
    dissatisfied: 1, // E, resolved at 130
    rated: 2,
    rate: 0.5, // 1 ÷ 2
  });
  // C and E of A, C and E, all first resolved on the 2nd: 2 ÷ 3.
  t.strictSame(days[0]?.reopenRate, { reopened: 2, resolved: 3, rate: 0.6667 });
  t.strictSame(days[0]?.medianHoursToResolution, 4, 'by acceptance: A, C and E were all accepted on the 2nd');
  t.strictSame(days[1], {
    period: '2026-03-03',
    responseRate: { onTime: 0, due: 0, rate: null },
    resolutionRate: { onTime: 0, due: 0, rate: null },
    // C's latest rating is about its second resolution, at 930 (00:30 on the 3rd in Beijing): 1 ÷ 1.
    satisfactionRate: { satisfied: 0, basicallySatisfied: 1, dissatisfied: 0, rated: 1, rate: 1 },
    whistles: 0,
    reopenRate: { reopened: 0, resolved: 0, rate: null },
    medianHoursToResolution: null,
  });
});

t.test('filters: an org unit counts its whole subtree; a department, a category', async (t) => {
  const { db } = await told(t);
  const only = (extra: Partial<StatisticsQuery>) => statistics(db, query(extra));
  const east = only({ orgUnitId: 'street-east' }).periods[0];
  t.strictSame(
    east?.responseRate,
    { onTime: 1, due: 3, rate: 0.3333 },
    'A and B lie in grid-1 under street-east',
  );
  t.strictSame(east?.resolutionRate, { onTime: 1, due: 3, rate: 0.3333 }, 'A of A, C (grid-2) and E; not D');
  t.equal(east?.whistles, 2);

  const river = only({ orgUnitId: 'community-river' });
  t.strictSame(
    river.periods[0]?.responseRate,
    { onTime: 0, due: 0, rate: null },
    'a zero denominator is null',
  );
  t.strictSame(river.periods[0]?.resolutionRate, { onTime: 0, due: 1, rate: 0 }, 'D is past its target');
  t.strictSame(
    river.departments.map((d) => d.departmentId),
    ['heating-co'],
  );

  // A (4 h) and E (2 h) were resolved in grid-1, B not: the median of two is their mean, 3.
  t.equal(only({ orgUnitId: 'grid-1' }).periods[0]?.medianHoursToResolution, 3);

  const byPolice = only({ departmentId: 'police-east' });
  t.strictSame(byPolice.periods[0]?.responseRate, { onTime: 1, due: 2, rate: 0.5 }, 'A on time, B late');
  t.strictSame(
    byPolice.periods[0]?.resolutionRate,
    { onTime: 1, due: 1, rate: 1 },
    'cases A and B; B not due',
  );
  t.strictSame(
    byPolice.departments.map((d) => d.departmentId),
    ['police-east'],
  );

  const heating = only({ category: 'heating' }).periods[0];
  t.strictSame(heating?.resolutionRate, { onTime: 0, due: 1, rate: 0 }, 'C was reopened');
  t.strictSame(heating?.satisfactionRate.rate, 1);
  t.strictSame(heating?.responseRate.due, 0, "D's heating company is D's, not a heating case's");
});

t.test('open clocks count against the rates at the time asked', async (t) => {
  const { db } = await told(t);
  const early = statistics(db, query({ now: new Date(at(1200)) })).periods[0];
  t.strictSame(
    early?.resolutionRate,
    { onTime: 1, due: 3, rate: 0.3333 },
    "before D's target (1450): A, C, E",
  );
  t.strictSame(early?.responseRate, { onTime: 1, due: 3, rate: 0.3333 }, "B's court ran out at 80 already");
});

t.test('a range lists every period in it, and only what started in it', async (t) => {
  const { db } = await told(t);
  // The range ends at 07:00 on the 4th, earlier in the day than it starts: the 4th is still in it.
  const from = new Date('2026-03-02T08:00:00+08:00');
  const to = new Date('2026-03-04T07:00:00+08:00');
  const days = statistics(db, query({ period: 'day', from, to })).periods;
  t.strictSame(
    days.map((day) => [day.period, day.whistles, day.satisfactionRate.rated]),
    [
      ['2026-03-02', 3, 2],
      ['2026-03-03', 0, 1],
      ['2026-03-04', 0, 0],
    ],
  );
  const later = statistics(db, query({ period: 'day', from: new Date('2026-03-03T00:00:00+08:00') }));
  t.strictSame(
    later.periods.map((day) => [
      day.period,
      day.responseRate.due,
      day.resolutionRate.due,
      day.satisfactionRate.rated,
    ]),
    [['2026-03-03', 0, 0, 1]],
  );
  t.strictSame(later.departments, [], 'no summons started in the range');
  const firstDay = { from: new Date('2026-03-02T00:00:00+08:00'), to: new Date('2026-03-03T00:00:00+08:00') };
  t.strictSame(
    statistics(db, query(firstDay)).periods[0]?.satisfactionRate,
    { satisfied: 1, basicallySatisfied: 0, dissatisfied: 1, rated: 2, rate: 0.5 },
    "the range ends before C's rated resolution on the 3rd",
  );
});

t.test('the same event twice changes nothing', async (t) => {
  const { dump, log } = await told(t);
  const before = dump();
  const again = projectionDb(t, projections);
  for (const event of log) again.apply([event, event]);
  t.strictSame(again.dump(), before, 'each event applied twice in a row');
  const read = projectionDb(t, projections);
  read.apply(log);
  read.apply(log);
  t.strictSame(read.dump(), before, 'the whole log applied again');
  t.equal(before.case_facts?.length, 5, 'the comparison covers real rows');
});
