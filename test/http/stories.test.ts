// The seed stories of DESIGN.md §10 (1–5) end to end over HTTP: every request carries the token of the
// person who acts, and each step is checked where that person would look, GET /api/v1/cases/:id. The
// deadline process is the service's own; it runs whenever a story lets time pass (Beijing wall-clock).
import t, { type Test } from 'tap';
import type { Actor } from '../../src/commands/actor.js';
import { actors, liaison } from '../support/case-fixtures.js';
import { httpHarness } from '../support/http-fixtures.js';
import { beijing, people } from '../support/story-helpers.js';

/** Departments of the stories that the harness's directory lacks; an administrator adds them. */
const MISSING_DEPARTMENTS = [
  { id: 'judicial-east', name: '东街司法所', kind: 'judicial', orgUnitId: 'street-east' },
  { id: 'labour-arbitration', name: '区劳动仲裁院', kind: 'labourArbitration', orgUnitId: 'district-1' },
  { id: 'legal-aid', name: '区法律援助中心', kind: 'legalAid', orgUnitId: 'district-1' },
  { id: 'property-co', name: '朝阳物业公司', kind: 'propertyManagement' },
];

const police = liaison('police-east');
const judicial = liaison('judicial-east');
const labour = liaison('labour-arbitration');
const lawyer = liaison('legal-aid');
const court = liaison('court-1');
const heating = liaison('heating-co');
const property = liaison('property-co');
const { resident, otherResident, gridWorker, mediator, chair, streetSupervisor } = actors;

type SummonsView = { departmentId: string; status: string; overdue: { reportIn: boolean; respond: boolean } };
/** The fields of GET /api/v1/cases/:id these stories read. */
type CaseView = {
  revision: number;
  level: string;
  status: string;
  summons: SummonsView[];
  [field: string]: unknown;
};

const DIRECTORY = { method: 'POST', url: '/api/v1/departments' } as const;

/** One story: the service over HTTP, a case, and the people who act on it at Beijing times. */
async function story(t: Test) {
  const h = await httpHarness(t);
  // The deadline process runs when the story moves the clock, not on its own timer: deterministic.
  await h.service.deadlines.stop();
  for (const department of MISSING_DEPARTMENTS) {
    const created = await h.as(actors.admin, { ...DIRECTORY, payload: department });
    t.equal(created.statusCode, 201, `${department.name} joins the directory`);
  }
  let caseId = '';
  const look = async (who: Actor): Promise<CaseView> => {
    const read = await h.as(who, { url: `/api/v1/cases/${caseId}` });
    t.equal(read.statusCode, 200, `${who.id} can open the case`);
    return read.json();
  };
  const at = async (local: string): Promise<void> => {
    const minutes = (Date.parse(beijing(local)) - h.clock.read().getTime()) / 60_000;
    if (minutes < 0) throw new Error(`the story cannot go back to ${local}`);
    h.clock.advance(minutes);
    await h.settle();
    await h.service.deadlines.tick();
    await h.settle();
  };
  const send = (who: Actor, action: string, payload: object) =>
    h.as(who, { method: 'POST', url: `/api/v1/cases/${caseId}${action ? `/${action}` : ''}`, payload });
  return {
    /** Time passes to this Beijing time; the system does whatever the clocks ask by then. */
    at,
    look,
    /** Whether the person can open the case at all (404 hides it). */
    sees: async (who: Actor) => (await h.as(who, { url: `/api/v1/cases/${caseId}` })).statusCode,
    async submit(who: Actor, when: string, body: object): Promise<void> {
      await at(when);
      const created = await h.as(who, { method: 'POST', url: '/api/v1/cases', payload: body });
      t.equal(created.statusCode, 201, created.body);
      caseId = created.json().caseId;
    },
    /** The person does something at a time; the answer must be a success. */
    async act(who: Actor, when: string, action: string, payload: object = {}) {
      await at(when);
      const answer = await send(who, action, payload);
      t.ok(answer.statusCode === 200 || answer.statusCode === 201, `${who.id} ${action}: ${answer.body}`);
      return answer.json();
    },
    /** The person tries something the rules refuse: '<status> <code>', and nothing is recorded. */
    async refused(who: Actor, when: string, action: string, payload: object = {}): Promise<string> {
      await at(when);
      const before = (await look(actors.districtSupervisor)).revision;
      const answer = await send(who, action, payload);
      t.equal((await look(actors.districtSupervisor)).revision, before, 'a refused request records nothing');
      return `${answer.statusCode} ${answer.json().code}`;
    },
    /** A department's summons as this person sees it on the case. */
    summons: async (who: Actor, departmentId: string) => summonsOf(await look(who), departmentId),
  };
}

const summonsOf = (view: CaseView, departmentId: string): SummonsView | undefined =>
  view.summons.find((summons) => summons.departmentId === departmentId);

const party = (name: string, role: string, extra = {}) => ({ role, kind: 'person', name, ...extra });
const company = (name: string) => ({ role: 'respondent', kind: 'organization', name });
const zhangWei = party('张伟', 'complainant', { userId: resident.id });
/** An intake as the people of story 5 would fill it in; the other stories change what differs. */
const intake = (overrides: object = {}) => ({
  kind: 'dispute',
  category: 'neighbour',
  title: '楼上漏水纠纷',
  description: '楼上住户装修后卫生间漏水，楼下天花板受损，双方协商未果。',
  channel: 'gridPatrol',
  location: { orgUnitId: 'grid-1', address: '朝阳小区3号楼2单元' },
  parties: [zhangWei, party('李娜', 'respondent')],
  urgency: 'normal',
  ...overrides,
});

t.test('story 1: factory relocation — four departments, joint mediation, confirmed', async (t) => {
  const s = await story(t);
  const worker = party('张伟', 'complainant', { phone: '13812345678', userId: resident.id });
  const factory = intake({
    category: 'labour',
    title: '万友通公司搬迁，80余名员工对辞退补偿不满',
    description: '公司决定迁至武汉，80余名员工对辞退补偿不满，在厂区聚集静坐，并扬言打砸滋事。',
    location: { orgUnitId: 'grid-1', address: '顺正河社区万友通公司厂区' },
    parties: [worker, company('万友通公司')],
    urgency: 'emergency',
    peopleInvolved: 80,
    massIncidentRisk: true,
  });
  await s.submit(gridWorker, '2026-03-02 09:00', factory);
  t.match(await s.look(chair), {
    status: 'submitted',
    level: 'grid',
    massIncidentRisk: true,
    peopleInvolved: 80,
    acceptDueAt: beijing('2026-03-02 09:30'),
    parties: [{ name: '张*', phone: '138****5678' }, { name: '万友通公司' }],
  });

  await s.act(chair, '2026-03-02 09:08', 'accept', { handlingMode: 'onSite', note: '书记带队' });
  const departments = ['police-east', 'labour-arbitration', 'judicial-east', 'legal-aid'];
  t.equal(await s.sees(police), 404, 'the police station sees nothing before it is whistled');
  const whistle = { departmentIds: departments, reason: '群体性事件苗头' };
  await s.act(chair, '2026-03-02 09:12', 'whistle', whistle);
  for (const dept of departments) {
    const due = { status: 'pending', reportInDueAt: beijing('2026-03-02 09:42') };
    t.match(await s.summons(liaison(dept), dept), due, `${dept} is summoned, 30 minutes to come`);
  }
  t.equal(await s.sees(heating), 404, 'a department not whistled still sees nothing');
  const wrong = await s.refused(judicial, '2026-03-02 09:15', 'summons/police-east/report-in');
  t.equal(wrong, '409 wrong_department', 'no one reports in for another department');

  const arrivals = [
    [police, '2026-03-02 09:20', 'police-east'],
    [lawyer, '2026-03-02 09:31', 'legal-aid'],
    [labour, '2026-03-02 09:38', 'labour-arbitration'],
    [judicial, '2026-03-02 09:40', 'judicial-east'],
  ] as const;
  for (const [who, when, dept] of arrivals) await s.act(who, when, `summons/${dept}/report-in`);
  await s.at('2026-03-02 09:43');
  const present = await s.look(chair);
  for (const dept of departments) {
    const inTime = { status: 'reportedIn', overdue: { reportIn: false } };
    t.match(summonsOf(present, dept), inTime, `${dept} came in time`);
  }
  const respondBy = { respondDueAt: beijing('2026-03-02 11:20') };
  t.match(summonsOf(present, 'police-east'), respondBy, 'emergency: 2 h to respond');

  const joining = [
    { userId: police.id, role: 'police', departmentId: 'police-east' },
    { userId: lawyer.id, role: 'lawyer', departmentId: 'legal-aid' },
    { userId: judicial.id, role: 'judicialOfficer', departmentId: 'judicial-east' },
    { userId: labour.id, role: 'departmentLiaison', departmentId: 'labour-arbitration' },
  ];
  for (const participant of joining) await s.act(chair, '2026-03-02 09:45', 'participants', participant);
  // Each department reports what it did on site within its 2 h, then stays at the table as a participant.
  const responses = [
    [police, 'police-east', '现场秩序平稳，未发生打砸'],
    [labour, 'labour-arbitration', '已现场解答经济补偿标准'],
    [judicial, 'judicial-east', '已组织劳资双方代表进入调解'],
    [lawyer, 'legal-aid', '已为员工代表提供法律咨询'],
  ] as const;
  for (const [who, dept, summary] of responses) {
    await s.act(who, '2026-03-02 11:00', `summons/${dept}/respond`, { summary });
  }
  const answered = await s.look(chair);
  const states = answered.summons.map((summons) => [summons.status, summons.overdue.respond]);
  const onTime = departments.map(() => ['responded', false]);
  t.same(states, onTime, 'all four answered on time');
  const participants = answered.participants as unknown[];
  t.equal(participants.length, 4, 'police, lawyer, judicial office, arbitration sit in');

  // 四天三晚: a session a day; the last one reaches agreement.
  const outcomes = ['noAgreement', 'partialAgreement', 'partialAgreement', 'agreement'];
  for (const [index, outcome] of outcomes.entries()) {
    const day = `2026-03-0${index + 2}`;
    const session = { scheduledAt: beijing(`${day} 14:00`), place: '厂区会议室' };
    const { sessionId } = await s.act(mediator, `${day} 11:30`, 'mediation-sessions', session);
    await s.act(mediator, `${day} 22:00`, `mediation-sessions/${sessionId}/record`, { outcome });
  }
  const mediated = await s.look(chair);
  const recorded = (mediated.sessions as Array<{ recorded: boolean }>).map((session) => session.recorded);
  t.same(recorded, [true, true, true, true], 'four sessions recorded');
  // An emergency gets 24 h to resolve: on day two the system hands the case up to the community, once.
  t.match(mediated, { status: 'accepted', level: 'community', orgUnitId: 'community-sunrise' });

  const signatories = ['万友通公司（法定代表人）', '员工代表 张伟', '员工代表 王强'];
  const terms = '公司按工作年限支付经济补偿金，三月底前一次性付清；员工解除聚集。';
  const { agreementId } = await s.act(mediator, '2026-03-05 22:30', 'agreements', { terms, signatories });
  const confirmation = `agreements/${agreementId}/judicial-confirmation`;
  t.equal(await s.sees(court), 404, 'the court sees nothing before it is asked to confirm');
  await s.act(chair, '2026-03-06 09:30', confirmation, { courtId: 'court-1' });
  const requested = { courtId: 'court-1', requestedAt: beijing('2026-03-06 09:30') };
  t.match((await s.look(court)).agreements, [{ signatories, confirmation: requested }]);
  const decision = `${confirmation}/decision`;
  const notTheCourt = await s.refused(judicial, '2026-03-06 14:00', decision, { granted: true });
  t.equal(notTheCourt, '409 wrong_court', 'the judicial office is not the court');
  await s.act(court, '2026-03-06 15:00', decision, { granted: true, note: '予以确认' });
  const granted = { decision: { granted: true, at: beijing('2026-03-06 15:00') } };
  t.match((await s.look(chair)).agreements, [{ confirmation: granted }]);

  await s.act(chair, '2026-03-06 17:00', 'resolve', { summary: '调解协议经司法确认，纠纷化解' });
  t.match(await s.look(resident), { status: 'resolved', feedbackDueAt: beijing('2026-03-17 17:00') });
  await s.act(resident, '2026-03-09 10:00', 'feedback', { rating: 'satisfied' });
  await s.act(chair, '2026-03-09 11:00', 'close', { reason: '回访满意' });
  const closed = await s.look(resident);
  t.match(closed, { status: 'closed', noFeedback: false, level: 'community', clocks: [] });
  t.same(closed.feedback, [{ rating: 'satisfied', via: 'self', at: beijing('2026-03-09 10:00') }]);
});

t.test('story 2: no heating — the heating company restores heat within its 24 h', async (t) => {
  const s = await story(t);
  // 一大早: the community secretary takes the resident's call and registers it herself.
  const caller = party('张艳红', 'complainant', { phone: '13900001111', userId: resident.id });
  const heatingCase = intake({
    kind: 'help',
    category: 'heating',
    title: '九户居民停暖一周',
    description: '因分户供暖问题产生分歧，九户居民已经停暖一周，联系多部门未得到解决。',
    channel: 'phone',
    location: { orgUnitId: 'grid-1', address: '青八社区12号楼' },
    parties: [caller, company('热力公司')],
    urgency: 'urgent',
    peopleInvolved: 9,
  });
  await s.submit(chair, '2026-03-03 07:40', heatingCase);
  const registered = { status: 'submitted', channel: 'phone', acceptDueAt: beijing('2026-03-03 09:40') };
  t.match(await s.look(resident), registered, 'urgent: to be accepted within 2 h');
  await s.act(chair, '2026-03-03 07:50', 'accept', { handlingMode: 'immediate' });
  await s.act(chair, '2026-03-03 08:00', 'whistle', { departmentIds: ['heating-co'], reason: '九户停暖' });
  const pending = { status: 'pending', reportInDueAt: beijing('2026-03-03 10:00') };
  t.match(await s.summons(heating, 'heating-co'), pending, 'urgent: 2 h to come');
  const masked = [{ name: '张**', phone: '139****1111' }];
  t.match((await s.look(heating)).parties, masked, 'the company sees no personal data');

  await s.act(heating, '2026-03-03 08:40', 'summons/heating-co/report-in', { note: '维修班组已出发' });
  const reported = { status: 'reportedIn', respondDueAt: beijing('2026-03-04 08:40') };
  t.match(await s.summons(chair, 'heating-co'), reported, 'a utility answers within 24 h');
  const restored = { summary: '已恢复供暖，九户住户均正常供暖' };
  await s.act(heating, '2026-03-04 08:00', 'summons/heating-co/respond', restored);
  const answered = { status: 'responded', overdue: { respond: false } };
  t.match(await s.summons(resident, 'heating-co'), answered, 'the resident sees it answered in time');

  await s.act(chair, '2026-03-04 08:30', 'resolve', { summary: '协调热力公司恢复供暖' });
  const thanks = { rating: 'satisfied', comment: '居民为书记送上锦旗' };
  await s.act(resident, '2026-03-06 10:00', 'feedback', thanks);
  await s.act(chair, '2026-03-06 10:30', 'close');
  const closed = await s.look(resident);
  t.match(closed, { status: 'closed', noFeedback: false, level: 'grid' });
  t.same(closed.feedback, [{ rating: 'satisfied', via: 'self', at: beijing('2026-03-06 10:00') }]);
});

t.test('story 3: neighbours — a building head registers, a party-member mediator settles', async (t) => {
  const s = await story(t);
  const quarrel = intake({
    title: '楼上楼下因漏水争吵',
    description: '3号楼两户居民因卫生间漏水发生争吵，楼栋长到场劝解。',
    channel: 'buildingHead',
    location: { orgUnitId: 'grid-1', address: '青八社区3号楼2单元' },
    parties: [zhangWei, party('李娜', 'respondent', { userId: otherResident.id })],
  });
  await s.submit(people.buildingHead, '2026-03-03 19:30', quarrel);
  const registered = { status: 'submitted', submittedBy: people.buildingHead.id, level: 'grid' };
  t.match(await s.look(otherResident), registered, 'the other neighbour sees it too');
  await s.act(mediator, '2026-03-04 09:00', 'accept', { handlingMode: 'onSite' });
  const wu = people.partyMemberMediator;
  await s.act(mediator, '2026-03-04 09:05', 'assign', { assigneeId: wu.id });
  t.match(await s.look(wu), { status: 'accepted', assigneeId: 'mediator-wu' });

  const scheduled = { scheduledAt: beijing('2026-03-04 14:00'), place: '楼道党员议事点' };
  const { sessionId } = await s.act(wu, '2026-03-04 09:10', 'mediation-sessions', scheduled);
  await s.act(wu, '2026-03-04 15:30', `mediation-sessions/${sessionId}/record`, { outcome: 'agreement' });
  const terms = '楼上住户三日内修复卫生间防水，并承担楼下天花板修缮费用。';
  await s.act(wu, '2026-03-04 15:40', 'agreements', { terms, signatories: ['张伟', '李娜'] });
  await s.act(wu, '2026-03-04 16:00', 'resolve', { summary: '邻里和解，签订调解协议' });
  const settled = await s.look(resident);
  const rating = { status: 'resolved', feedbackDueAt: beijing('2026-03-13 16:00') };
  t.match(settled, { ...rating, agreements: [{ signatories: ['张伟', '李娜'] }] });
  t.same(settled.summons, [], 'no department was needed');

  t.equal(await s.sees(people.stranger), 404, 'a resident who is no party sees nothing');
  await s.act(resident, '2026-03-05 10:00', 'feedback', { rating: 'satisfied' });
  t.match(await s.look(otherResident), { status: 'resolved', feedback: [{ rating: 'satisfied' }] });
  await s.act(chair, '2026-03-06 09:00', 'close');
  t.match(await s.look(resident), { status: 'closed', level: 'grid', reopenCount: 0 });
});

t.test('story 4: a department that does not come — overdue, to the street, whistled again', async (t) => {
  const s = await story(t);
  const lift = intake({
    kind: 'complaint',
    category: 'property',
    title: '电梯停运两周，物业不予维修',
    description: '居民反映小区5号楼电梯停运两周，多次联系物业公司无果。',
    channel: 'walkIn',
    location: { orgUnitId: 'community-sunrise', address: '朝阳小区5号楼' },
    parties: [zhangWei, company('朝阳物业公司')],
  });
  await s.submit(mediator, '2026-03-02 09:00', lift);
  await s.act(mediator, '2026-03-02 09:20', 'accept', { handlingMode: 'onSite' });
  await s.act(mediator, '2026-03-02 09:30', 'whistle', {
    departmentIds: ['property-co'],
    reason: '需物业到场',
  });
  const round1 = { status: 'pending', round: 1, reportInDueAt: beijing('2026-03-03 09:30') };
  t.match(await s.summons(property, 'property-co'), round1, 'normal: 24 h to come');

  await s.at('2026-03-03 09:00');
  t.match(await s.look(streetSupervisor), {
    level: 'community',
    summons: [{ overdue: { reportIn: false } }],
  });
  const again = { departmentIds: ['property-co'], reason: '街道再次吹哨', reportInMinutes: 120 };
  const early = await s.refused(streetSupervisor, '2026-03-03 09:05', 'whistle', again);
  t.equal(early, '409 summons_already_open', 'a department still on time cannot be whistled twice');

  await s.at('2026-03-03 09:31');
  const escalated = await s.look(streetSupervisor);
  const street = { status: 'accepted', level: 'street', orgUnitId: 'street-east' };
  t.match(escalated, street, 'the system marked it overdue and handed it to the street');
  const absent = { status: 'pending', round: 1, overdue: { reportIn: true } };
  t.match(summonsOf(escalated, 'property-co'), absent);
  await s.at('2026-03-03 09:36');
  const later = await s.look(streetSupervisor);
  t.match(later, { revision: escalated.revision, level: 'street' }, 'the deadline fired once');

  await s.act(streetSupervisor, '2026-03-03 10:00', 'whistle', again);
  const round2 = { status: 'pending', round: 2, reportInDueAt: beijing('2026-03-03 12:00') };
  t.match(await s.summons(property, 'property-co'), { ...round2, overdue: { reportIn: false } });
  await s.act(property, '2026-03-03 11:15', 'summons/property-co/report-in', { note: '物业经理到场' });
  await s.at('2026-03-03 12:01');
  const present = await s.look(streetSupervisor);
  const came = { status: 'reportedIn', round: 2, overdue: { reportIn: false } };
  t.match(summonsOf(present, 'property-co'), came);
  t.equal(present.level, 'street', 'came within the street’s two hours: no further escalation');

  await s.act(property, '2026-03-04 16:00', 'summons/property-co/respond', { summary: '电梯已修复' });
  await s.act(streetSupervisor, '2026-03-04 17:00', 'resolve', { summary: '街道督办，电梯恢复运行' });
  t.match(await s.look(resident), { status: 'resolved', level: 'street' });
});

t.test('story 5: not satisfied — reopened, handled again, rated again; the chair reopens', async (t) => {
  const s = await story(t);
  await s.submit(gridWorker, '2026-03-02 09:00', intake());
  await s.act(mediator, '2026-03-02 09:10', 'accept', { handlingMode: 'onSite' });
  await s.act(mediator, '2026-03-04 16:00', 'resolve', { summary: '已督促楼上住户自行维修' });
  const unhappy = { rating: 'dissatisfied', comment: '漏水仍未修好' };
  await s.act(resident, '2026-03-05 10:00', 'feedback', unhappy);
  const reopened = await s.look(resident);
  const again = { status: 'accepted', reopenCount: 1, resolveDueAt: beijing('2026-03-26 10:00') };
  t.match(reopened, again, '重办: reopened with a fresh 15 working days');
  t.notOk('feedbackDueAt' in reopened, 'the old rating clock is gone');

  const whistle = { departmentIds: ['property-co'], reason: '检查防水层' };
  await s.act(mediator, '2026-03-05 11:00', 'whistle', whistle);
  await s.act(property, '2026-03-05 15:00', 'summons/property-co/report-in');
  const agreement = { terms: '物业公司更换防水层。', signatories: ['张伟', '李娜', '朝阳物业公司'] };
  await s.act(mediator, '2026-03-06 16:10', 'agreements', agreement);
  const early = await s.refused(mediator, '2026-03-06 16:20', 'resolve', { summary: '已更换' });
  t.equal(early, '409 open_summons', '事不完、人不撤: not while the property company is on it');
  await s.act(property, '2026-03-09 17:00', 'summons/property-co/respond', { summary: '已更换防水层' });
  await s.act(mediator, '2026-03-10 10:00', 'resolve', { summary: '防水层已更换，漏水停止' });
  // The first rating window (due 13 March) has passed by now; it must not have closed the reopened case.
  await s.at('2026-03-13 16:01');
  t.match(await s.look(resident), { status: 'resolved', feedbackDueAt: beijing('2026-03-19 10:00') });

  await s.act(resident, '2026-03-14 09:00', 'feedback', { rating: 'basicallySatisfied' });
  const rated = await s.look(resident);
  t.equal(rated.status, 'resolved', 'basically satisfied does not reopen');
  const ratings = (rated.feedback as Array<{ rating: string }>).map((given) => given.rating);
  t.same(ratings, ['dissatisfied', 'basicallySatisfied'], 'both ratings stay on the case');
  const twice = await s.refused(resident, '2026-03-14 09:30', 'feedback', { rating: 'dissatisfied' });
  t.equal(twice, '409 feedback_already_given', 'one rating per resolution');
  await s.act(chair, '2026-03-16 09:00', 'close', { reason: '回访基本满意' });
  t.match(await s.look(resident), { status: 'closed', reopenCount: 1 });

  const reopen = { reason: '复查发现楼下仍有渗水' };
  const byResident = await s.refused(resident, '2026-04-10 08:50', 'reopen', reopen);
  t.equal(byResident, '403 forbidden', 'only a chair or supervisor reopens a closed case');
  await s.act(chair, '2026-04-10 09:00', 'reopen', reopen);
  // 15 working days, skipping the May Day holiday (1, 4, 5 May 2026).
  const window = { status: 'accepted', reopenCount: 2, resolveDueAt: beijing('2026-05-06 09:00') };
  t.match(await s.look(resident), window, 'the chair reopens within 30 days of closing');
});
