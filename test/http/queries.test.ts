import t, { type Test } from 'tap';
import type { Actor } from '../../src/commands/actor.js';
import type { CaseCommand } from '../../src/commands/case/commands.js';
import { caseListProjection } from '../../src/projections/case-list.js';
import { encodeCursor } from '../../src/projections/case-list-query.js';
import { directoryProjection } from '../../src/projections/directory.js';
import { liveNames } from '../../src/projections/read-models.js';
import { actors, liaison, T0 } from '../support/case-fixtures.js';
import { intake } from '../support/handler-fixtures.js';
import { type HttpHarness, httpHarness } from '../support/http-fixtures.js';

const riverMediator: Actor = { id: 'mediator-he', role: 'mediator', scope: 'community-river' };
const riverResident: Actor = { ...actors.otherResident };
/** A lawyer who takes part in a case as a user, for a department that summons nobody. */
const lawyer: Actor = { id: 'lawyer-wu', role: 'liaison', scope: 'district-1', dept: 'legal-aid' };
const police = liaison('police-east');
const court = liaison('court-1');
const heating = liaison('heating-co');

const organisation = [
  { personId: 'p-org', role: 'respondent' as const, kind: 'organization' as const, name: '热力公司' },
];

/**
 * Four cases, submitted in this order (so listed newest first: deal, heat, river, leak):
 * - leak (grid-1): resident Zhang is a party; police-east summoned.
 * - river (community-river): resident Li is a party; police-east summoned.
 * - heat (grid-1): submitted by resident Li; a heating-co engineer takes part for his department.
 * - deal (grid-2): an agreement the court is asked to confirm; lawyer Wu takes part as a user.
 */
async function world(t: Test) {
  const h = await httpHarness(t);
  const run = (caseId: string, command: CaseCommand, actor: Actor = actors.mediator) =>
    h.service.cases.handle({ caseId, command, actor });
  await run('leak', intake({ caseId: 'leak', title: '楼上漏水纠纷' }), actors.gridWorker);
  await run(
    'river',
    intake({
      caseId: 'river',
      title: '河畔噪音投诉',
      kind: 'complaint',
      location: { orgUnitId: 'community-river' },
      parties: [
        { personId: 'p-li', role: 'complainant', kind: 'person', name: '李娜', userId: 'resident-li' },
      ],
    }),
    riverMediator,
  );
  await run(
    'heat',
    intake({ caseId: 'heat', title: '九户居民无暖气', category: 'heating', parties: organisation }),
    riverResident,
  );
  await run(
    'deal',
    intake({
      caseId: 'deal',
      title: '欠薪调解协议',
      location: { orgUnitId: 'grid-2' },
      parties: organisation,
    }),
  );
  h.clock.advance(10);
  await run('leak', { type: 'AcceptCase', handlingMode: 'onSite' });
  await run('leak', {
    type: 'WhistleDepartments',
    departmentIds: ['police-east'],
    reason: '需要民警',
    reportInMinutes: 30,
  });
  await run('leak', { type: 'AssignCase', assigneeId: 'mediator-liu' });
  await run('river', { type: 'AcceptCase', handlingMode: 'onSite' }, riverMediator);
  await run(
    'river',
    { type: 'WhistleDepartments', departmentIds: ['police-east'], reason: '需要民警', reportInMinutes: 30 },
    riverMediator,
  );
  await run('heat', { type: 'AcceptCase', handlingMode: 'onSite' });
  await run('heat', {
    type: 'AddParticipant',
    userId: 'engineer-ma',
    role: 'departmentLiaison',
    departmentId: 'heating-co',
  });
  await run('deal', { type: 'AcceptCase', handlingMode: 'onSite' });
  await run('deal', { type: 'AddParticipant', userId: 'lawyer-wu', role: 'lawyer' });
  await run('deal', {
    type: 'RecordAgreement',
    agreementId: 'a1',
    terms: '分期支付',
    signatories: ['甲', '乙'],
  });
  await run('deal', { type: 'RequestJudicialConfirmation', agreementId: 'a1', courtId: 'court-1' });
  await h.settle();
  return { h, run };
}

const ids = async (h: HttpHarness, actor: Actor, query = '') => {
  const response = await h.as(actor, { url: `/api/v1/cases${query}` });
  if (response.statusCode !== 200) throw new Error(`${response.statusCode} ${response.body}`);
  return (response.json() as { items: { caseId: string }[] }).items.map((item) => item.caseId);
};

t.test('every query route answers 401 without a token, before looking at the request', async (t) => {
  const h = await httpHarness(t);
  for (const url of [
    '/api/v1/cases',
    '/api/v1/cases?limit=0',
    '/api/v1/cases/leak',
    '/api/v1/cases/leak?revision=x',
    '/api/v1/departments/police-east/summons',
    '/api/v1/stats',
    '/api/v1/org-units',
    '/api/v1/departments',
    '/api/v1/events/stream',
  ]) {
    const response = await h.app.inject({ url });
    t.equal(response.statusCode, 401, url);
    t.equal(response.json().code, 'unauthorized', url);
  }
});

t.test('the list shows each role exactly the cases it may see, and GET agrees', async (t) => {
  const { h } = await world(t);
  const expected: ReadonlyArray<[string, Actor, string[]]> = [
    ['resident Zhang: a party', actors.resident, ['leak']],
    ['resident Li: submitted heat, party to river', riverResident, ['heat', 'river']],
    ['police liaison: summoned', police, ['river', 'leak']],
    ['heating liaison: its department takes part', heating, ['heat']],
    ['court liaison: asked to confirm', court, ['deal']],
    ['lawyer: takes part as a user', lawyer, ['deal']],
    ['liaison of a department nobody called', liaison('property-co'), []],
    ['mediator of Sunrise', actors.mediator, ['deal', 'heat', 'leak']],
    ['mediator of another community', riverMediator, ['river']],
    ['grid worker of grid-1', actors.gridWorker, ['heat', 'leak']],
    ['street supervisor', actors.streetSupervisor, ['deal', 'heat', 'leak']],
    ['district auditor', actors.auditor, ['deal', 'heat', 'river', 'leak']],
    ['admin', actors.admin, ['deal', 'heat', 'river', 'leak']],
  ];
  for (const [who, actor, cases] of expected) {
    t.same(await ids(h, actor), cases, who);
    for (const caseId of ['leak', 'river', 'heat', 'deal']) {
      const read = await h.as(actor, { url: `/api/v1/cases/${caseId}` });
      t.equal(read.statusCode, cases.includes(caseId) ? 200 : 404, `${who}: GET ${caseId}`);
    }
  }
  t.same(
    await ids(h, actors.resident, '?orgUnit=district-1&status=accepted'),
    ['leak'],
    'a filter never widens what a resident sees',
  );
  t.same(await ids(h, riverMediator, '?orgUnit=community-sunrise'), [], 'nor a mediator’s scope');
});

t.test('a participant who leaves no longer sees the case', async (t) => {
  const { h, run } = await world(t);
  t.same(await ids(h, lawyer), ['deal']);
  const left = await run('deal', { type: 'RemoveParticipant', userId: 'lawyer-wu' });
  t.same(await ids(h, lawyer, `?position=${left.position}`), []);
  t.equal((await h.as(lawyer, { url: '/api/v1/cases/deal' })).statusCode, 404);
  t.same(await ids(h, court), ['deal'], 'the court still does');
});

t.test('filters and pages through HTTP', async (t) => {
  const { h } = await world(t);
  const auditor = actors.auditor;
  t.same(await ids(h, auditor, '?kind=complaint'), ['river']);
  t.same(await ids(h, auditor, '?category=heating'), ['heat']);
  t.same(await ids(h, auditor, '?orgUnit=grid-2'), ['deal']);
  t.same(await ids(h, auditor, '?department=police-east'), ['river', 'leak']);
  t.same(await ids(h, auditor, '?assignee=mediator-liu'), ['leak']);
  t.same(await ids(h, auditor, '?status=submitted'), []);
  t.same(await ids(h, auditor, '?overdue=false'), ['deal', 'heat', 'river', 'leak']);
  t.same(await ids(h, auditor, '?overdue=true'), []);
  t.same(await ids(h, auditor, `?q=${encodeURIComponent('暖气')}`), ['heat']);
  const first = await h.as(auditor, { url: '/api/v1/cases?limit=3' });
  t.equal(first.statusCode, 200);
  const page = first.json() as { items: Array<Record<string, unknown>>; nextCursor: string | null };
  t.same(
    page.items.map((item) => item.caseId),
    ['deal', 'heat', 'river'],
  );
  t.match(page.items[0], { status: 'accepted', orgUnitId: 'grid-2', overdue: false, revision: 4 });
  t.type(page.nextCursor, 'string');
  const second = await h.as(auditor, { url: `/api/v1/cases?limit=3&cursor=${page.nextCursor}` });
  t.same(second.json(), { items: [second.json().items[0]], nextCursor: null });
  t.equal(second.json().items[0].caseId, 'leak');
  t.notMatch(first.body + second.body, /张伟|李娜|13812345678/, 'no personal data in the list');
});

t.test('out-of-range and malformed query parameters are 400 problems', async (t) => {
  const { h } = await world(t);
  const cases: ReadonlyArray<[string, string]> = [
    ['/api/v1/cases?limit=0', 'validation_failed'],
    ['/api/v1/cases?limit=101', 'validation_failed'],
    ['/api/v1/cases?limit=ten', 'validation_failed'],
    ['/api/v1/cases?overdue=maybe', 'validation_failed'],
    ['/api/v1/cases?status=open', 'validation_failed'],
    ['/api/v1/cases?cursor=not%20a%20cursor', 'validation_failed'],
    [`/api/v1/cases?cursor=${Buffer.from('page two').toString('base64url')}`, 'invalid_cursor'],
    ['/api/v1/cases?staus=accepted', 'validation_failed'],
    ['/api/v1/cases?position=-1', 'validation_failed'],
    ['/api/v1/cases/leak?revision=-1', 'validation_failed'],
    // No id a command route would refuse can name a case in a read either.
    ['/api/v1/cases/%00', 'validation_failed'],
    ['/api/v1/cases/a%20b/history', 'validation_failed'],
    ['/api/v1/cases/..%2Fevents/verify', 'validation_failed'],
    ['/api/v1/cases/leak?at=yesterday', 'validation_failed'],
    ['/api/v1/cases/leak?at=2026-13-45T00:00:00Z', 'validation_failed'],
    [`/api/v1/cases/leak?revision=0&at=${encodeURIComponent(T0)}`, 'validation_failed'],
    ['/api/v1/departments/police-east/summons?status=late', 'validation_failed'],
    ['/api/v1/stats?period=year', 'validation_failed'],
    ['/api/v1/stats?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z', 'validation_failed'],
    ['/api/v1/stats?from=1900-01-01T00:00:00Z&to=2200-01-01T00:00:00Z&period=day', 'validation_failed'],
    // A century by day would be 36,600 periods in one answer; by month it is 1,200 and allowed.
    ['/api/v1/stats?from=1950-01-01T00:00:00Z&to=2050-01-01T00:00:00Z&period=day', 'validation_failed'],
    ['/api/v1/stats?from=2000-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&period=week', 'validation_failed'],
  ];
  for (const [url, code] of cases) {
    const response = await h.as(actors.auditor, { url });
    t.equal(response.statusCode, 400, url);
    t.equal(response.json().code, code, url);
    t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8', url);
  }
  const limit = await h.as(actors.auditor, { url: '/api/v1/cases?limit=101' });
  t.match(limit.json().errors, [{ field: 'querystring.limit', message: /1 to 100/ }]);
  t.same(
    (await h.as(actors.auditor, { url: `/api/v1/cases?limit=1&cursor=${encodeCursor(10_000)}` })).json().items
      .length,
    1,
    'a well-formed cursor is accepted (the control for the bad ones)',
  );
});

t.test('?position= waits for the read models to reach a write', async (t) => {
  const { h, run } = await world(t);
  const next = ((await h.service.store.headPosition()) ?? 0) + 1;
  // Asked before the write exists: without waiting, the answer could not hold the new case.
  const pending = h.as(actors.mediator, { url: `/api/v1/cases?position=${next}` });
  const written = await run('fresh', intake({ caseId: 'fresh', title: '新的诉求' }), actors.gridWorker);
  t.equal(written.position, next, 'the write landed at the position asked about');
  const answer = await pending;
  t.equal(answer.statusCode, 200);
  t.equal(answer.json().items[0].caseId, 'fresh');
  const created = await h.service.directory.handle(
    { type: 'CreateDepartment', department: { id: 'legal-aid', name: '法律援助中心', kind: 'legalAid' } },
    actors.admin,
  );
  const departments = await h.as(actors.resident, {
    url: `/api/v1/departments?position=${created.position}`,
  });
  t.ok(departments.json().items.some((d: { id: string }) => d.id === 'legal-aid'));
  const never = await h.as(actors.mediator, { url: `/api/v1/stats?position=${next + 1000}` });
  t.equal(never.statusCode, 503);
  t.equal(never.json().code, 'projection_timeout');
});

t.test('time travel: the case as it stood at a revision or an instant', async (t) => {
  const { h, run } = await world(t);
  const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
  h.clock.advance(50);
  await run('leak', { type: 'AddNote', noteId: 'n1', text: '民警已到场' });
  const now = await h.as(actors.mediator, { url: '/api/v1/cases/leak' });
  t.match(now.json(), { status: 'accepted', revision: 4, noteCount: 1, assigneeId: 'mediator-liu' });
  t.equal(now.headers.etag, '"4"');
  const intake = await h.as(actors.mediator, { url: '/api/v1/cases/leak?revision=0' });
  t.equal(intake.statusCode, 200);
  t.match(intake.json(), { status: 'submitted', revision: 0, summons: [], noteCount: 0 });
  t.match(intake.json().parties, [{ name: '张*' }]);
  t.notMatch(intake.body, /张伟/, 'masked then as now');
  t.equal(intake.headers.etag, undefined, 'no ETag to write against a past revision');
  const whistled = await h.as(actors.mediator, { url: '/api/v1/cases/leak?revision=2' });
  t.match(whistled.json(), { status: 'accepted', revision: 2, summons: [{ departmentId: 'police-east' }] });
  t.notOk(whistled.json().assigneeId, 'not yet assigned at revision 2');
  const before = await h.as(actors.mediator, { url: `/api/v1/cases/leak?at=${encodeURIComponent(at(5))}` });
  t.match(before.json(), { status: 'submitted', revision: 0 });
  const later = await h.as(actors.mediator, { url: `/api/v1/cases/leak?at=${encodeURIComponent(at(30))}` });
  t.match(later.json(), { status: 'accepted', revision: 3, noteCount: 0 });
  const notYet = await h.as(actors.mediator, { url: `/api/v1/cases/leak?at=${encodeURIComponent(at(-1))}` });
  t.equal(notYet.statusCode, 404);
  t.equal(notYet.json().code, 'case_not_found');
  t.equal((await h.as(actors.mediator, { url: '/api/v1/cases/leak?revision=5' })).statusCode, 404);
  t.equal(
    (await h.as(police, { url: '/api/v1/cases/leak?revision=0' })).statusCode,
    200,
    'visibility is judged on the case now: the police were summoned later',
  );
  t.equal((await h.as(court, { url: '/api/v1/cases/leak?revision=0' })).statusCode, 404);
});

t.test('a department’s queue: its liaison, and overseers within their scope', async (t) => {
  const { h } = await world(t);
  const queue = (actor: Actor, query = '') =>
    h.as(actor, { url: `/api/v1/departments/police-east/summons${query}` });
  const own = await queue(police);
  t.equal(own.statusCode, 200);
  t.match(own.json(), {
    departmentId: 'police-east',
    now: new Date(Date.parse(T0) + 10 * 60_000).toISOString(),
  });
  t.same(
    own.json().pending.map((item: { caseId: string }) => item.caseId),
    ['leak', 'river'],
  );
  t.same([own.json().reportedIn, own.json().overdue], [[], []]);
  const sunrise = (await queue(actors.mediator)).json();
  t.same(
    sunrise.pending.map((item: { caseId: string }) => item.caseId),
    ['leak'],
    'a mediator sees the summons of cases in its scope',
  );
  t.same(
    (await queue(riverMediator)).json().pending.map((item: { caseId: string }) => item.caseId),
    ['river'],
  );
  t.equal((await queue(actors.auditor)).json().pending.length, 2);
  h.clock.advance(60);
  const late = (await queue(police)).json();
  t.same([late.pending.length, late.overdue.length], [0, 2], 'past the report-in clock by the service’s now');
  t.match(late.overdue[0], { caseId: 'leak', clock: 'reportIn', overdue: true });
  t.same((await queue(police, '?status=pending')).json().overdue, []);
  t.equal((await queue(actors.resident)).statusCode, 403);
  t.equal((await queue(heating)).statusCode, 403, 'another department’s liaison');
  t.equal((await queue(actors.admin)).statusCode, 403);
  const unknown = await h.as(actors.auditor, { url: '/api/v1/departments/no-such-dept/summons' });
  t.match([unknown.statusCode, unknown.json().code], [404, 'department_not_found']);
});

t.test('statistics within the caller’s scope', async (t) => {
  const { h } = await world(t);
  const stats = (actor: Actor, query = '') => h.as(actor, { url: `/api/v1/stats${query}` });
  const mine = await stats(actors.mediator);
  t.equal(mine.statusCode, 200, mine.body);
  t.match(mine.json(), { orgUnitId: 'community-sunrise', period: 'month', periods: [{ period: '2026-03' }] });
  t.equal(mine.json().periods[0].whistles, 1, 'only the Sunrise whistle');
  t.same(
    mine
      .json()
      .departments.map((d: { departmentId: string; summons: number }) => [d.departmentId, d.summons]),
    [['police-east', 1]],
  );
  const district = await stats(actors.auditor);
  t.equal(district.json().periods[0].whistles, 2);
  const river = await stats(actors.auditor, '?orgUnit=community-river&period=day');
  t.match(river.json(), { orgUnitId: 'community-river', periods: [{ period: '2026-03-02', whistles: 1 }] });
  const century = await stats(
    actors.chair,
    '?period=month&from=1950-01-01T00:00:00%2B08:00&to=2050-01-01T00:00:00%2B08:00',
  );
  t.equal(century.statusCode, 200, 'a century by month is allowed');
  t.equal(century.json().periods.length, 1200, 'and lists its 1,200 months');
  const range = await stats(
    actors.chair,
    '?period=day&from=2026-03-01T00:00:00%2B08:00&to=2026-03-04T00:00:00%2B08:00&category=neighbour',
  );
  t.same(
    range.json().periods.map((p: { period: string; whistles: number }) => [p.period, p.whistles]),
    [
      ['2026-03-01', 0],
      ['2026-03-02', 1],
      ['2026-03-03', 0],
    ],
  );
  const outside = await stats(actors.mediator, '?orgUnit=community-river');
  t.match([outside.statusCode, outside.json().code], [404, 'org_unit_not_found']);
  t.equal((await stats(actors.mediator, '?orgUnit=no-such-unit')).statusCode, 404);
  t.equal((await stats(actors.mediator, '?orgUnit=grid-2')).statusCode, 200, 'a unit inside the scope');
  for (const actor of [actors.resident, actors.gridWorker, police, actors.admin])
    t.equal((await stats(actor)).statusCode, 403, actor.role);
});

t.test('the directory lists, for anyone signed in', async (t) => {
  const h = await httpHarness(t);
  await h.settle();
  const units = await h.as(actors.resident, { url: '/api/v1/org-units' });
  t.equal(units.statusCode, 200);
  const items = units.json().items as Array<{ id: string; kind: string; parentId?: string }>;
  t.equal(items.length, 7);
  t.same(items[0], { id: 'district-1', name: '和平区', kind: 'district' });
  t.match(
    items.find((u) => u.id === 'grid-2'),
    { kind: 'grid', parentId: 'community-sunrise', gridType: 'dedicated' },
  );
  t.same(
    items.map((u) => u.kind),
    ['district', 'street', 'street', 'community', 'community', 'grid', 'grid'],
  );
  const departments = await h.as(police, { url: '/api/v1/departments' });
  t.same(departments.json().items, [
    { id: 'court-1', name: '区人民法院', kind: 'court', orgUnitId: 'district-1' },
    { id: 'heating-co', name: '热力公司', kind: 'utility' },
    { id: 'police-east', name: '东街派出所', kind: 'police', orgUnitId: 'street-east' },
  ]);
});

t.test('every query is documented in OpenAPI with its operation id and bearer security', async (t) => {
  const h = await httpHarness(t);
  const spec = (await h.app.inject({ url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, { operationId?: string; security?: unknown; responses?: object }>>;
  };
  const expected: Record<string, string> = {
    '/api/v1/cases': 'listCases',
    '/api/v1/cases/{id}': 'getCase',
    '/api/v1/departments/{id}/summons': 'getDepartmentSummons',
    '/api/v1/stats': 'getStatistics',
    '/api/v1/org-units': 'listOrgUnits',
    '/api/v1/departments': 'listDepartments',
    '/api/v1/events/stream': 'streamEvents',
  };
  for (const [path, operationId] of Object.entries(expected)) {
    const get = spec.paths[path]?.get;
    t.equal(get?.operationId, operationId, path);
    t.same(get?.security, [{ bearer: [] }], path);
    t.hasProps(get?.responses ?? {}, ['200', '400', '401'], path);
  }
});

t.test('the read models behind the queries: the same events applied again change nothing', async (t) => {
  const { h } = await world(t);
  const { db } = h.service.readModels;
  const tables = [
    'case_list',
    'case_list_access',
    'case_list_departments',
    'directory_org_units',
    'directory_departments',
  ];
  const dump = () => tables.map((table) => db.prepare(`SELECT * FROM "${table}" ORDER BY 1, 2`).all());
  const before = dump();
  t.ok(
    (before[1] as unknown[]).length >= 8,
    'submitters, parties with accounts, participants and the court are all there',
  );
  const events = await h.service.store.readAll({ limit: 10_000 });
  const appliers = [caseListProjection, directoryProjection].map((p) => p.prepare(db, liveNames(p)));
  db.transaction(() => {
    for (const event of events) for (const apply of appliers) apply(event);
  })();
  t.same(dump(), before);
});
