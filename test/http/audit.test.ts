// The audit routes: a case's history and chain for auditors, chairs and supervisors in scope; the
// whole log's verification (NDJSON progress) and seals for auditors and administrators.
import t, { type Test } from 'tap';
import type { Actor } from '../../src/commands/actor.js';
import type { CaseCommand } from '../../src/commands/case/commands.js';
import { GENESIS_HASH } from '../../src/events/hash-chain.js';
import type { SqliteEventStore } from '../../src/events/sqlite/sqlite-event-store.js';
import { changeOneByte, rewriteStream, rowAt, setData } from '../audit/tamper.js';
import { actors, liaison } from '../support/case-fixtures.js';
import { intake } from '../support/handler-fixtures.js';
import { type HttpHarness, httpHarness } from '../support/http-fixtures.js';

const riverChair: Actor = { id: 'chair-he', role: 'chair', scope: 'community-river' };
const westSupervisor: Actor = { id: 'supervisor-xi', role: 'supervisor', scope: 'street-west' };
const { auditor, admin, chair, mediator, resident, streetSupervisor } = actors;

const PERSON = {
  personId: 'p-zhang',
  role: 'complainant' as const,
  kind: 'person' as const,
  name: '张伟',
  phone: '13812345678',
  idNumber: '110101199003071234',
  address: '朝阳小区3号楼2单元501',
  userId: resident.id,
};

/** Two cases: leak (grid-1, four events) and river (community-river, one event). */
async function world(t: Test): Promise<HttpHarness & { file: string }> {
  const h = await httpHarness(t);
  const run = (caseId: string, command: CaseCommand, actor: Actor = mediator) =>
    h.service.cases.handle({ caseId, command, actor });
  const location = { orgUnitId: 'grid-1', address: '朝阳小区3号楼2单元' };
  await run('leak', intake({ caseId: 'leak', location, parties: [PERSON] }), actors.gridWorker);
  await run('leak', { type: 'AcceptCase', handlingMode: 'onSite' });
  await run('leak', { type: 'AddNote', noteId: 'n-1', text: 'visited at 10:00' });
  await run('leak', { type: 'AddNote', noteId: 'n-2', text: 'parties agree' });
  await run('river', intake({ caseId: 'river', location: { orgUnitId: 'community-river' } }), riverChair);
  return { ...h, file: (h.service.store as SqliteEventStore).file };
}

const get = (h: HttpHarness, who: Actor | undefined, url: string) => h.as(who, { url });
const lines = (body: string) =>
  body
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));

t.test('a case history: every event with who, when and its chain, personal data masked', async (t) => {
  const h = await world(t);
  for (const who of [auditor, chair, streetSupervisor]) {
    const answer = await get(h, who, '/api/v1/cases/leak/history');
    t.equal(answer.statusCode, 200, `${who.role} reads it`);
    for (const secret of ['张伟', '13812345678', '110101199003071234', '3号楼2单元501', '3号楼2单元"'])
      t.notOk(answer.body.includes(secret), `${who.role} never sees ${secret}`);
  }
  const { events } = (await get(h, auditor, '/api/v1/cases/leak/history')).json();
  t.same(
    events.map((e: { revision: number; type: string }) => `${e.revision}:${e.type}`),
    ['0:CaseSubmitted', '1:CaseAccepted', '2:NoteAdded', '3:NoteAdded'],
  );
  t.match(events[0].data, {
    parties: [
      {
        personId: 'p-zhang',
        name: '张*',
        phone: '138****5678',
        idNumber: '1101**********1234',
        address: '朝阳小区****',
      },
    ],
    location: { orgUnitId: 'grid-1', address: '朝阳小区****' },
  });
  t.match(events[2], {
    data: { text: 'visited at 10:00' },
    metadata: { actor: { id: mediator.id, role: 'mediator' }, commandId: String, correlationId: String },
    position: Number,
    recordedAt: String,
  });
  t.equal(events[0].prevHash, GENESIS_HASH);
  for (let i = 1; i < events.length; i += 1)
    t.equal(events[i].prevHash, events[i - 1].hash, `revision ${i} chains onto ${i - 1}`);
});

t.test('a long history comes in pages', async (t) => {
  const h = await world(t);
  const first = (await get(h, auditor, '/api/v1/cases/leak/history?limit=3')).json();
  t.same(
    first.events.map((e: { revision: number }) => e.revision),
    [0, 1, 2],
  );
  t.equal(first.nextRevision, 3);
  const rest = (await get(h, auditor, '/api/v1/cases/leak/history?fromRevision=3&limit=3')).json();
  t.same(
    rest.events.map((e: { revision: number }) => e.revision),
    [3],
  );
  t.notOk('nextRevision' in rest, 'nothing after the last');
  const tooMany = await get(h, auditor, '/api/v1/cases/leak/history?limit=10001');
  t.equal(tooMany.statusCode, 400);
});

t.test('who may read a case’s history and chain, and who is told it does not exist', async (t) => {
  const h = await world(t);
  for (const path of ['history', 'verify']) {
    const status = async (who: Actor | undefined, caseId = 'leak') =>
      (await get(h, who, `/api/v1/cases/${caseId}/${path}`)).statusCode;
    t.equal(await status(undefined), 401, `${path}: no token`);
    for (const who of [mediator, resident, admin, liaison('police-east'), actors.gridWorker])
      t.equal(await status(who), 403, `${path}: a ${who.role} never reads audit trails`);
    t.equal(await status(riverChair), 404, `${path}: a chair elsewhere`);
    t.equal(await status(westSupervisor), 404, `${path}: a supervisor of another street`);
    t.equal(await status(westSupervisor, 'river'), 200, `${path}: that supervisor's own case`);
    t.equal(await status(auditor, 'nope'), 404, `${path}: no such case`);
  }
});

t.test('a case’s chain verifies, and after a byte changes names the revision', async (t) => {
  const h = await world(t);
  const intact = (await get(h, chair, '/api/v1/cases/leak/verify')).json();
  t.match(intact, { caseId: 'leak', stream: 'case-leak', intact: true, events: 4, head: { revision: 3 } });
  t.notOk('break' in intact);
  changeOneByte(h.file, 'case-leak', 2, '1', '7');
  const broken = await get(h, chair, '/api/v1/cases/leak/verify');
  t.equal(broken.statusCode, 200, 'a broken chain is an answer, not an error');
  t.match(broken.json(), {
    intact: false,
    head: { revision: 1 },
    break: { revision: 2, problem: 'hash_mismatch', detail: /content hashes to/ },
  });
});

t.test('the whole log verifies as NDJSON: progress, breaks, then a summary', async (t) => {
  const h = await world(t);
  const head = (await h.service.store.headPosition())!;
  const answer = await get(h, auditor, '/api/v1/audit/verify?progressEvery=3');
  t.equal(answer.statusCode, 200);
  t.match(answer.headers['content-type'], /^application\/x-ndjson/);
  const items = lines(answer.body);
  const progress = items.filter((item) => item.type === 'progress');
  t.ok(progress.length >= 3, `${progress.length} progress lines`);
  t.match(progress.at(-1), { position: head, target: head, events: head });
  t.same(items.at(-1), { ...items.at(-1), type: 'summary', intact: true, events: head, breaks: [] });
  t.equal(items.filter((item) => item.type === 'summary').length, 1);

  changeOneByte(h.file, 'case-leak', 3, 'p', 'q');
  const after = lines((await get(h, admin, '/api/v1/audit/verify')).body);
  t.match(after, [
    { type: 'break', stream: 'case-leak', revision: 3, problem: 'hash_mismatch' },
    { type: 'progress' },
    { type: 'summary', intact: false, breaks: [{ stream: 'case-leak', revision: 3 }] },
  ]);
});

t.test('only auditors and administrators verify the log or handle seals', async (t) => {
  const h = await world(t);
  const routes = [
    ['GET', '/api/v1/audit/verify'],
    ['POST', '/api/v1/audit/seals'],
    ['GET', '/api/v1/audit/seals'],
  ] as const;
  for (const [method, url] of routes) {
    t.equal((await h.as(undefined, { method, url })).statusCode, 401, `${method} ${url}: no token`);
    for (const who of [chair, streetSupervisor, mediator, resident])
      t.equal((await h.as(who, { method, url })).statusCode, 403, `${method} ${url}: a ${who.role}`);
  }
  t.equal((await get(h, auditor, '/api/v1/audit/seals/nope')).statusCode, 404);
  t.equal((await get(h, auditor, '/api/v1/audit/verify?seal=nope')).statusCode, 404);
  const rootAlone = await get(h, auditor, `/api/v1/audit/verify?root=${'a'.repeat(64)}`);
  t.equal(rootAlone.statusCode, 400, 'a root needs the seal it belongs to');
});

t.test(
  'a seal taken over HTTP is listed, kept with its leaves, and catches a rewritten stream',
  async (t) => {
    const h = await world(t);
    const taken = await h.as(auditor, { method: 'POST', url: '/api/v1/audit/seals' });
    t.equal(taken.statusCode, 201, taken.body);
    const seal = taken.json();
    const head = (await h.service.store.headPosition())!;
    t.match(seal, {
      position: head - 2,
      events: head - 2,
      root: /^[0-9a-f]{64}$/,
      takenBy: { id: auditor.id },
    });
    const listed = (await get(h, admin, '/api/v1/audit/seals')).json();
    t.same(
      listed.seals.map((s: { sealId: string }) => s.sealId),
      [seal.sealId],
    );
    const whole = (await get(h, auditor, `/api/v1/audit/seals/${seal.sealId}`)).json();
    t.equal(whole.leaves.length, seal.streams);
    t.ok(
      whole.leaves.some((leaf: [string, number, string]) => leaf[0] === 'case-leak' && leaf[1] === 3),
      'the case is sealed at its head',
    );

    const check = async (query: string) =>
      lines((await get(h, auditor, `/api/v1/audit/verify?seal=${seal.sealId}${query}`)).body).at(-1);
    t.match(await check(''), { intact: true, seal: { intact: true, sealId: seal.sealId } });
    rewriteStream(h.file, 'case-leak', (data) =>
      data.text === 'parties agree' ? { ...data, text: 'no deal' } : data,
    );
    const summary = await check('');
    t.match(summary, { intact: false, breaks: [], seal: { intact: false } });
    t.same(
      summary.seal.differences.map((d: { stream: string; problem: string }) => [d.stream, d.problem]),
      [['case-leak', 'head_changed']],
    );
    const forged = await check(`&root=${'0'.repeat(64)}`);
    t.match(forged, { intact: false, seal: { intact: false, root: '0'.repeat(64), differences: [] } });
  },
);

t.test('a log that does not verify is not sealed', async (t) => {
  const h = await world(t);
  changeOneByte(h.file, 'case-river', 0, 'd', 'D');
  const refused = await h.as(auditor, { method: 'POST', url: '/api/v1/audit/seals' });
  t.equal(refused.statusCode, 409);
  t.match(refused.json(), { code: 'log_not_intact', detail: /case-river at revision 0/ });
  t.same((await get(h, auditor, '/api/v1/audit/seals')).json(), { seals: [] });
});

t.test('a case with a row that no longer reads: its chain names it, its history says so', async (t) => {
  const h = await world(t);
  const row = rowAt(h.file, 'case-leak', 2);
  setData(h.file, row.position, '{"noteId": "n-1", "te');
  // The service forgets what it folded, as after a restart: the case no longer folds whole.
  h.service.cases.cases.forget('leak');
  const verified = await get(h, auditor, '/api/v1/cases/leak/verify');
  t.equal(verified.statusCode, 200, 'its intake still says whose scope it is in');
  t.match(verified.json(), {
    intact: false,
    head: { revision: 1 },
    break: { revision: 2, problem: 'unreadable' },
  });
  t.equal(
    (await get(h, riverChair, '/api/v1/cases/leak/verify')).statusCode,
    404,
    'and hides it from others',
  );
  const history = await get(h, auditor, '/api/v1/cases/leak/history');
  t.equal(history.statusCode, 409);
  t.match(history.json(), {
    code: 'history_unreadable',
    detail: /at or after revision 2 can no longer be read/,
  });
  const firstTwo = await get(h, auditor, '/api/v1/cases/leak/history?limit=2');
  t.equal(firstTwo.statusCode, 200, 'the part before it still reads');
  t.match(firstTwo.json(), { events: [{ revision: 0 }, { revision: 1 }], nextRevision: 2 });
});
