// Seed story 6 of DESIGN.md §10 end to end over HTTP: story 1 (the factory relocation) is played
// through the API; then an auditor replays the case as it stood before the agreement, verifies every
// chain, and catches a row altered directly in the database.
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import type { Actor } from '../../src/commands/actor.js';
import type { SqliteEventStore } from '../../src/events/sqlite/sqlite-event-store.js';
import { actors, liaison } from '../support/case-fixtures.js';
import { type HttpHarness, httpHarness } from '../support/http-fixtures.js';
import { beijing } from '../support/story-helpers.js';

const MISSING_DEPARTMENTS = [
  { id: 'judicial-east', name: '东街司法所', kind: 'judicial', orgUnitId: 'street-east' },
  { id: 'labour-arbitration', name: '区劳动仲裁院', kind: 'labourArbitration', orgUnitId: 'district-1' },
  { id: 'legal-aid', name: '区法律援助中心', kind: 'legalAid', orgUnitId: 'district-1' },
];
const DEPARTMENTS = ['police-east', 'labour-arbitration', 'judicial-east', 'legal-aid'];
const PARTICIPANT_ROLES = ['police', 'departmentLiaison', 'judicialOfficer', 'lawyer'];
const TERMS = '公司按工作年限支付经济补偿金，三月底前一次性付清；员工解除聚集。';
const { auditor, chair, mediator, gridWorker, resident } = actors;

/** Story 1 through the API, each step by its person at its Beijing time; returns the case id. */
async function factoryRelocation(t: Test, h: HttpHarness): Promise<string> {
  await h.service.deadlines.stop();
  for (const department of MISSING_DEPARTMENTS) {
    const created = await h.as(actors.admin, {
      method: 'POST',
      url: '/api/v1/departments',
      payload: department,
    });
    t.equal(created.statusCode, 201);
  }
  let caseId = '';
  const act = async (who: Actor, local: string, action: string, payload: object = {}) => {
    // Time passes to then, and the system does whatever the clocks ask by then (as in story 1).
    const minutes = (Date.parse(beijing(local)) - h.clock.read().getTime()) / 60_000;
    if (minutes < 0) throw new Error(`the story cannot go back to ${local}`);
    h.clock.advance(minutes);
    await h.settle();
    await h.service.deadlines.tick();
    await h.settle();
    const url = action === 'intake' ? '/api/v1/cases' : `/api/v1/cases/${caseId}/${action}`;
    const answer = await h.as(who, { method: 'POST', url, payload });
    if (answer.statusCode !== 200 && answer.statusCode !== 201) throw new Error(`${action}: ${answer.body}`);
    return answer.json();
  };
  ({ caseId } = await act(gridWorker, '2026-03-02 09:00', 'intake', {
    kind: 'dispute',
    category: 'labour',
    title: '万友通公司搬迁，80余名员工对辞退补偿不满',
    description: '公司决定迁至武汉，80余名员工对辞退补偿不满，在厂区聚集静坐，并扬言打砸滋事。',
    channel: 'gridPatrol',
    location: { orgUnitId: 'grid-1', address: '顺正河社区万友通公司厂区' },
    parties: [
      { role: 'complainant', kind: 'person', name: '张伟', phone: '13812345678', userId: resident.id },
      { role: 'respondent', kind: 'organization', name: '万友通公司' },
    ],
    urgency: 'emergency',
    peopleInvolved: 80,
    massIncidentRisk: true,
  }));
  await act(chair, '2026-03-02 09:08', 'accept', { handlingMode: 'onSite', note: '书记带队' });
  await act(chair, '2026-03-02 09:12', 'whistle', { departmentIds: DEPARTMENTS, reason: '群体性事件苗头' });
  for (const [index, dept] of DEPARTMENTS.entries())
    await act(liaison(dept), `2026-03-02 09:${20 + index * 5}`, `summons/${dept}/report-in`);
  for (const [index, dept] of DEPARTMENTS.entries()) {
    const participant = { userId: liaison(dept).id, role: PARTICIPANT_ROLES[index], departmentId: dept };
    await act(chair, '2026-03-02 09:45', 'participants', participant);
  }
  for (const dept of DEPARTMENTS)
    await act(liaison(dept), '2026-03-02 11:00', `summons/${dept}/respond`, { summary: '已到场处置' });
  for (const [index, outcome] of [
    'noAgreement',
    'partialAgreement',
    'partialAgreement',
    'agreement',
  ].entries()) {
    const day = `2026-03-0${index + 2}`;
    const session = { scheduledAt: beijing(`${day} 14:00`), place: '厂区会议室' };
    const { sessionId } = await act(mediator, `${day} 11:30`, 'mediation-sessions', session);
    await act(mediator, `${day} 22:00`, `mediation-sessions/${sessionId}/record`, { outcome });
  }
  const signatories = ['万友通公司（法定代表人）', '员工代表 张伟'];
  const { agreementId } = await act(mediator, '2026-03-05 22:30', 'agreements', {
    terms: TERMS,
    signatories,
  });
  const confirmation = `agreements/${agreementId}/judicial-confirmation`;
  await act(chair, '2026-03-06 09:30', confirmation, { courtId: 'court-1' });
  await act(liaison('court-1'), '2026-03-06 15:00', `${confirmation}/decision`, { granted: true });
  await act(chair, '2026-03-06 17:00', 'resolve', { summary: '调解协议经司法确认，纠纷化解' });
  await act(resident, '2026-03-09 10:00', 'feedback', { rating: 'satisfied' });
  await act(chair, '2026-03-09 11:00', 'close', { reason: '回访满意' });
  return caseId;
}

const ndjson = (body: string) =>
  body
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

t.test(
  'story 6: an auditor replays story 1 before the agreement, verifies, and catches an altered row',
  async (t) => {
    const h = await httpHarness(t);
    const caseId = await factoryRelocation(t, h);
    const read = (url: string) => h.as(auditor, { url: `/api/v1${url}` });

    // The history says when the agreement was recorded, by whom, and where it sits in the chain.
    const history = (await read(`/cases/${caseId}/history`)).json();
    const agreement = history.events.find((e: { type: string }) => e.type === 'AgreementRecorded');
    t.match(agreement, {
      data: { terms: TERMS },
      metadata: { actor: { id: mediator.id, role: 'mediator' }, occurredAt: beijing('2026-03-05 22:30') },
    });
    t.equal(history.events.at(-1).type, 'CaseClosed', 'the history runs to the close');
    const before = agreement.revision - 1;

    // The case as it stood just before the agreement, by revision and by instant: the same case.
    const byRevision = (await read(`/cases/${caseId}?revision=${before}`)).json();
    t.match(byRevision, { revision: before, status: 'accepted', level: 'community', agreements: [] });
    t.same(
      byRevision.sessions.map((s: { recorded: boolean }) => s.recorded),
      [true, true, true, true],
      'four sessions held, the last reaching agreement',
    );
    t.match(byRevision.parties, [{ name: '张*', phone: '138****5678' }], 'masked for the auditor too');
    const instant = encodeURIComponent(beijing('2026-03-05 22:29'));
    t.same((await read(`/cases/${caseId}?at=${instant}`)).json(), byRevision);
    const after = (await read(`/cases/${caseId}?revision=${agreement.revision}`)).json();
    t.match(after.agreements, [{ agreementId: agreement.data.agreementId }], 'one revision later it has one');
    t.match((await read(`/cases/${caseId}`)).json(), { status: 'closed' });

    // Every chain verifies.
    const head = (await h.service.store.headPosition())!;
    const intact = ndjson((await read('/audit/verify')).body).at(-1);
    t.match(intact, { type: 'summary', intact: true, events: head, position: head, breaks: [] });
    t.match((await read(`/cases/${caseId}/verify`)).json(), {
      intact: true,
      head: { revision: history.events.length - 1 },
    });

    // Someone with the database file moves the payment deadline from March to June.
    const file = (h.service.store as SqliteEventStore).file;
    const db = new Database(file);
    const row = db.prepare('SELECT data FROM events WHERE position = ?').get(agreement.position) as {
      data: string;
    };
    const altered = row.data.replace('三月底前', '六月底前');
    t.not(altered, row.data, 'the stored terms are plain text the attacker can find');
    db.prepare('UPDATE events SET data = ? WHERE position = ?').run(altered, agreement.position);
    db.close();

    const caught = (await read(`/cases/${caseId}/verify`)).json();
    t.match(caught, {
      intact: false,
      head: { revision: before },
      break: { revision: agreement.revision, position: agreement.position, problem: 'hash_mismatch' },
    });
    const summary = ndjson((await read('/audit/verify')).body).at(-1);
    t.match(summary, { intact: false, breaks: [{ stream: `case-${caseId}`, revision: agreement.revision }] });
    t.equal(summary.breaks.length, 1, 'only the altered case is broken');
  },
);
