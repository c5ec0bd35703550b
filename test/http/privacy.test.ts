// Personal data over HTTP (DESIGN.md §5): parties masked for everyone who may see the case, whole only
// on a reveal with a reason (recorded first: who, when, why), the reveals listed for auditors, and
// erasure by an administrator, after which the person reads as erased.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import type { Actor } from '../../src/commands/actor.js';
import { type EventStore, readStreamToArray } from '../../src/events/event-store.js';
import { ChainVerifier } from '../../src/events/hash-chain.js';
import { actors, liaison } from '../support/case-fixtures.js';
import { type HttpHarness, httpHarness } from '../support/http-fixtures.js';

const riverMediator: Actor = { id: 'mediator-he', role: 'mediator', scope: 'community-river' };
const westAuditor: Actor = { id: 'auditor-west', role: 'auditor', scope: 'street-west' };
const stranger: Actor = { id: 'resident-stranger', role: 'resident', scope: 'grid-1' };
const REVEALS = 'audit-reveals';

const zhang = {
  role: 'complainant',
  kind: 'person',
  name: '张伟',
  phone: '13812345678',
  idNumber: '110101199003078515',
  address: '朝阳小区3号楼2单元401',
  userId: actors.resident.id,
};
const li = { role: 'respondent', kind: 'person', name: '李娜' };
const intake = (orgUnitId: string) => ({
  kind: 'dispute',
  category: 'neighbour',
  title: '楼上漏水纠纷',
  description: '楼上住户装修后卫生间漏水，楼下天花板受损。',
  channel: 'walkIn',
  location: { orgUnitId },
  parties: [zhang, li],
  urgency: 'normal',
});

// biome-ignore lint/suspicious/noExplicitAny: answers are JSON the assertions look into.
type Answer = { status: number; body: any };

interface World {
  readonly h: HttpHarness;
  readonly caseId: string;
  readonly zhangId: string;
  readonly liId: string;
  parties(who: Actor | undefined, query?: string, caseId?: string): Promise<Answer>;
  events(stream: string): ReturnType<typeof readStreamToArray>;
}

async function world(t: Test): Promise<World> {
  const h = await httpHarness(t);
  const created = await h.as(actors.gridWorker, {
    method: 'POST',
    url: '/api/v1/cases',
    payload: intake('grid-1'),
  });
  t.equal(created.statusCode, 201, created.body);
  const { caseId, parties } = created.json() as { caseId: string; parties: Array<{ personId: string }> };
  return {
    h,
    caseId,
    zhangId: parties[0]!.personId,
    liId: parties[1]!.personId,
    async parties(who, query = '', id = caseId) {
      const answer = await h.as(who, { url: `/api/v1/cases/${id}/parties${query}` });
      return { status: answer.statusCode, body: answer.json() };
    },
    events: (stream) => readStreamToArray(h.service.store, stream),
  };
}

const because = (reason: string) => `?reveal=true&reason=${encodeURIComponent(reason)}`;
const WHY = '回访当事人，需核对联系电话';

async function verifies(store: EventStore, stream: string): Promise<boolean> {
  const verifier = new ChainVerifier();
  const events = await readStreamToArray(store, stream);
  return events.length > 0 && events.every((event) => verifier.check(event) === undefined);
}

t.test('parties are masked for everyone who may see the case', async (t) => {
  const w = await world(t);
  const masked = {
    caseId: w.caseId,
    revision: 0,
    revealed: false,
    parties: [
      {
        personId: w.zhangId,
        name: '张*',
        phone: '138****5678',
        idNumber: '1101**********8515',
        address: '朝阳小区****',
        userId: actors.resident.id,
      },
      { personId: w.liId, name: '李*' },
    ],
  };
  for (const who of [actors.auditor, actors.resident, actors.mediator, actors.gridWorker]) {
    const answer = await w.parties(who);
    t.equal(answer.status, 200, who.id);
    t.same(
      answer.body.parties.map((p: { role: string; kind: string }) => [p.role, p.kind]),
      [
        ['complainant', 'person'],
        ['respondent', 'person'],
      ],
    );
    t.match(answer.body, masked, `${who.id} sees the parties masked`);
  }
  t.notOk(
    JSON.stringify((await w.parties(actors.auditor)).body).includes('13812345678'),
    'no phone in clear',
  );
  t.equal((await w.parties(stranger)).status, 404, 'a resident who is no party sees nothing');
  t.equal((await w.parties(riverMediator)).status, 404, 'a mediator of another community sees nothing');
  t.equal((await w.parties(undefined)).status, 401);
  t.equal((await w.parties(actors.auditor, '', 'no-such-case')).status, 404);
  t.same(await w.events(REVEALS), [], 'a masked read records nothing');
});

t.test('mediators, chairs and supervisors see parties whole; each reveal is recorded first', async (t) => {
  const w = await world(t);
  const whole = [
    { personId: w.zhangId, ...zhang },
    { personId: w.liId, ...li },
  ];
  const answer = await w.h.as(actors.mediator, {
    url: `/api/v1/cases/${w.caseId}/parties${because(WHY)}`,
    headers: { 'x-request-id': 'request-reveal-1' },
  });
  t.equal(answer.statusCode, 200, answer.body);
  t.same(answer.json().parties, whole, 'the mediator sees the parties whole');
  const [recorded] = await w.events(REVEALS);
  t.same(
    recorded?.data,
    {
      caseId: w.caseId,
      orgUnitId: 'grid-1',
      personIds: [w.zhangId, w.liId],
      reason: WHY,
      by: actors.mediator.id,
      role: 'mediator',
      at: w.h.clock.read().toISOString(),
    },
    'who, when, why and whose data',
  );
  t.match(recorded?.metadata, {
    actor: { id: actors.mediator.id, role: 'mediator' },
    correlationId: 'request-reveal-1',
  });
  t.same(answer.json().reveal, {
    revision: 0,
    position: recorded?.position,
    at: w.h.clock.read().toISOString(),
  });

  const first = w.h.clock.read().toISOString();
  w.h.clock.advance(5);
  const later = w.h.clock.read().toISOString();
  for (const who of [actors.chair, actors.streetSupervisor, actors.districtSupervisor]) {
    const revealed = await w.parties(who, because('核实身份后联系双方'));
    t.equal(revealed.status, 200, who.id);
    t.same(revealed.body.parties, whole, `${who.id} sees them whole`);
  }
  const reveals = await w.events(REVEALS);
  t.same(
    reveals.map((event) => [event.data.by, event.data.role, event.data.at]),
    [
      [actors.mediator.id, 'mediator', first],
      [actors.chair.id, 'chair', later],
      [actors.streetSupervisor.id, 'supervisor', later],
      [actors.districtSupervisor.id, 'supervisor', later],
    ],
    'one recorded reveal per request',
  );
  t.ok(await verifies(w.h.service.store, REVEALS), 'the reveals are hash-chained');
});

t.test(
  'a reveal needs a reason of 5 to 500 characters; without one nothing is shown or recorded',
  async (t) => {
    const w = await world(t);
    const refusals = ['?reveal=true', because('看看'), because('      '), because('为'.repeat(501))];
    for (const query of refusals) {
      const answer = await w.parties(actors.mediator, query);
      t.equal(answer.status, 400, query.slice(0, 40));
      t.equal(answer.body.code, 'validation_failed');
      t.match(answer.body.errors, [{ field: 'querystring.reason' }]);
      t.notOk(JSON.stringify(answer.body).includes('张伟'), 'nothing whole in the refusal');
    }
    t.same(await w.events(REVEALS), [], 'nothing recorded');
  },
);

t.test(
  'other roles may not reveal, and cases they cannot see stay hidden; nothing is recorded',
  async (t) => {
    const w = await world(t);
    for (const who of [actors.auditor, actors.resident, actors.gridWorker, actors.admin]) {
      const answer = await w.parties(who, because(WHY));
      t.equal(answer.status, 403, who.id);
      t.equal(answer.body.code, 'forbidden');
      t.notOk(JSON.stringify(answer.body).includes('张伟'), 'and sees nothing whole');
    }
    t.equal((await w.parties(riverMediator, because(WHY))).status, 404, 'a mediator elsewhere: no such case');
    t.equal((await w.parties(liaison('police-east'), because(WHY))).status, 404, 'a department not summoned');
    t.same(await w.events(REVEALS), [], 'nothing recorded');
  },
);

t.test(
  'auditors and administrators list reveals newest first, a page at a time, within their scope',
  async (t) => {
    const w = await world(t);
    const river = await w.h.as(riverMediator, {
      method: 'POST',
      url: '/api/v1/cases',
      payload: intake('community-river'),
    });
    const riverCase = river.json().caseId as string;
    const reveals: Array<[Actor, string, string]> = [
      [actors.mediator, w.caseId, '第一次回访核对电话'],
      [riverMediator, riverCase, '河畔社区回访当事人'],
      [actors.chair, w.caseId, '主任复核当事人身份'],
    ];
    for (const [who, caseId, reason] of reveals) {
      w.h.clock.advance(1);
      t.equal((await w.parties(who, because(reason), caseId)).status, 200, reason);
    }
    const list = async (who: Actor, query = '') => {
      const answer = await w.h.as(who, { url: `/api/v1/audit/reveals${query}` });
      return { status: answer.statusCode, body: answer.json() };
    };
    const all = await list(actors.auditor);
    t.equal(all.status, 200);
    t.same(
      all.body.reveals.map((r: { reason: string }) => r.reason),
      ['主任复核当事人身份', '河畔社区回访当事人', '第一次回访核对电话'],
      'newest first',
    );
    t.match(all.body.reveals[0], {
      caseId: w.caseId,
      by: actors.chair.id,
      role: 'chair',
      personIds: [w.zhangId, w.liId],
    });
    t.equal(all.body.nextBefore, null);

    const first = await list(actors.auditor, '?limit=2');
    t.equal(first.body.reveals.length, 2);
    t.equal(first.body.nextBefore, 1);
    const second = await list(actors.auditor, `?limit=2&before=${first.body.nextBefore}`);
    t.same(
      second.body.reveals.map((r: { reason: string }) => r.reason),
      ['第一次回访核对电话'],
    );
    t.equal(second.body.nextBefore, null);

    const west = await list(westAuditor);
    t.same(
      west.body.reveals.map((r: { caseId: string }) => r.caseId),
      [riverCase],
      'a street’s auditor: its cases only',
    );
    t.equal((await list(actors.admin)).body.reveals.length, 3, 'the administrator');
    for (const who of [actors.mediator, actors.chair, actors.resident]) {
      t.equal((await list(who)).status, 403, `${who.id} may not list reveals`);
    }
    t.equal((await list(actors.auditor, '?limit=0')).status, 400);
  },
);

t.test(
  'erasure: administrators only, 404 for an unknown person, idempotent; then the person reads as erased',
  async (t) => {
    const w = await world(t);
    const erase = (who: Actor | undefined, personId: string) =>
      w.h.as(who, { method: 'POST', url: `/api/v1/persons/${personId}/erase` });
    for (const who of [actors.chair, actors.auditor, actors.districtSupervisor, actors.resident]) {
      const refused = await erase(who, w.zhangId);
      t.equal(refused.statusCode, 403, who.id);
      t.equal(refused.json().code, 'forbidden');
    }
    t.equal((await erase(undefined, w.zhangId)).statusCode, 401);
    t.match((await w.parties(actors.mediator)).body.parties[0], { name: '张*' }, 'refused: nothing erased');
    t.same(await w.events(`person-${w.zhangId}`), [], 'and nothing recorded');

    const unknown = await erase(actors.admin, 'no-such-person');
    t.equal(unknown.statusCode, 404);
    t.equal(unknown.json().code, 'person_not_found');

    w.h.clock.advance(10);
    const erasedAt = w.h.clock.read().toISOString();
    const erased = await erase(actors.admin, w.zhangId);
    t.equal(erased.statusCode, 200, erased.body);
    const [event] = await w.events(`person-${w.zhangId}`);
    t.same(erased.json(), {
      personId: w.zhangId,
      erasedAt,
      revision: 0,
      position: event?.position,
      alreadyErased: false,
    });
    t.match(event, {
      type: 'PersonErased',
      data: { personId: w.zhangId, at: erasedAt, by: actors.admin.id },
      metadata: { actor: { id: actors.admin.id, role: 'admin' } },
    });
    t.ok(await verifies(w.h.service.store, `person-${w.zhangId}`), 'the erasure is hash-chained');

    w.h.clock.advance(10);
    const again = await erase(actors.admin, w.zhangId);
    t.equal(again.statusCode, 200);
    t.same(again.json(), { ...erased.json(), alreadyErased: true }, 'again: the first erasure, nothing new');
    t.equal((await w.events(`person-${w.zhangId}`)).length, 1);

    const view = await w.h.as(actors.mediator, { url: `/api/v1/cases/${w.caseId}` });
    t.same(view.json().parties, [
      {
        personId: w.zhangId,
        role: 'complainant',
        kind: 'person',
        name: '[erased]',
        userId: actors.resident.id,
        erased: true,
      },
      { personId: w.liId, role: 'respondent', kind: 'person', name: '李*' },
    ]);
    const revealed = await w.parties(actors.mediator, because(WHY));
    t.same(revealed.body.parties[0], view.json().parties[0], 'a reveal has nothing left to show of them');
    t.same(revealed.body.parties[1], { personId: w.liId, ...li }, 'the other party is untouched');
    t.same(
      (await w.events(REVEALS))[0]?.data.personIds,
      [w.liId],
      'the reveal names only whose data it showed',
    );
    t.equal(
      (await w.h.as(actors.resident, { url: `/api/v1/cases/${w.caseId}` })).statusCode,
      200,
      'the resident still follows the case',
    );
  },
);

t.test('an erasure recorded by another instance reaches this one through the log', async (t) => {
  const w = await world(t);
  const view = async () =>
    (await w.h.as(actors.mediator, { url: `/api/v1/cases/${w.caseId}` })).json().parties[0];
  t.match(await view(), { name: '张*' }, 'the case is folded and cached here');
  // Another instance sharing keys.sqlite erases the person: the key goes, then its event reaches the log.
  w.h.service.privacy.keys.erase(w.zhangId);
  await w.h.service.store.append(`person-${w.zhangId}`, [
    {
      id: crypto.randomUUID(),
      type: 'PersonErased',
      data: { personId: w.zhangId, at: w.h.clock.read().toISOString(), by: actors.admin.id },
      metadata: { schemaVersion: 1 },
    },
  ]);
  await w.h.settle();
  t.match(await view(), { name: '[erased]', erased: true }, 'this instance forgot what it had opened');
});

t.test('an envelope altered in the database is a clear error for that case, not a crash', async (t) => {
  const w = await world(t);
  const [submitted] = await w.events(`case-${w.caseId}`);
  const data = structuredClone(submitted!.data) as { parties: Array<{ personal: { ct: string } }> };
  const ct = Buffer.from(data.parties[0]!.personal.ct, 'base64');
  ct[0] = (ct[0] ?? 0) ^ 0x01;
  data.parties[0]!.personal.ct = ct.toString('base64');
  const db = new Database(join(w.h.dir, 'events.sqlite'));
  db.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify(data), submitted!.position);
  db.close();

  const then = await w.h.as(actors.auditor, { url: `/api/v1/cases/${w.caseId}?revision=0` });
  t.equal(then.statusCode, 500);
  t.equal(then.json().code, 'event_unreadable', 'a stable code says the stored event does not read');
  t.notOk(then.body.includes('张'), 'and nothing of the party leaks into the answer');
  const verifier = new ChainVerifier();
  const broken = (await w.events(`case-${w.caseId}`)).map((event) => verifier.check(event)).find(Boolean);
  t.match(broken, { revision: 0, problem: 'hash_mismatch' }, 'verifying the chain names the altered event');
  const other = await w.h.as(actors.gridWorker, {
    method: 'POST',
    url: '/api/v1/cases',
    payload: intake('grid-1'),
  });
  t.equal(other.statusCode, 201, 'the service goes on serving');
});
