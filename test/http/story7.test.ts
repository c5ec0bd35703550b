// Seed story 7 of DESIGN.md §10 end to end over HTTP: a resident's personal data is erased on request;
// the history still verifies. The case runs its course, a year on the resident asks to be forgotten,
// an administrator erases her; then the case, its time travel, a reveal, the read models and the log
// all read her as erased, and every hash chain verifies as it did before.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { Actor } from '../../src/commands/actor.js';
import { type EventStore, readStreamToArray } from '../../src/events/event-store.js';
import { ChainVerifier } from '../../src/events/hash-chain.js';
import { ALL_PROJECTIONS } from '../../src/projections/all.js';
import { rebuild } from '../../src/projections/rebuild.js';
import { actors } from '../support/case-fixtures.js';
import { httpHarness } from '../support/http-fixtures.js';
import { beijing } from '../support/story-helpers.js';

const { resident, mediator, chair, admin, auditor } = actors;
const wang = {
  role: 'complainant',
  kind: 'person',
  name: '王秀英',
  phone: '13912345678',
  idNumber: '110101198807074321',
  address: '朝阳小区5号楼1单元302',
  userId: resident.id,
};
const PERSONAL = [wang.name, wang.phone, wang.idNumber, wang.address];

/** Every byte SQLite keeps for a database: the file and its write-ahead log. */
function bytesOf(file: string): Buffer {
  return Buffer.concat([file, `${file}-wal`].filter(existsSync).map((path) => readFileSync(path)));
}

async function chainOf(store: EventStore, stream: string): Promise<{ hashes: string[]; verifies: boolean }> {
  const verifier = new ChainVerifier();
  const events = await readStreamToArray(store, stream);
  const verifies = events.length > 0 && events.every((event) => verifier.check(event) === undefined);
  return { hashes: events.map((event) => String(event.metadata.hash)), verifies };
}

t.test('story 7: a resident’s personal data is erased on request; the history still verifies', async (t) => {
  const h = await httpHarness(t);
  await h.service.deadlines.stop();
  const at = (local: string) => {
    h.clock.advance((Date.parse(beijing(local)) - h.clock.read().getTime()) / 60_000);
  };
  let caseId = '';
  const act = async (who: Actor, when: string, action: string, payload: object = {}) => {
    at(when);
    const answer = await h.as(who, { method: 'POST', url: `/api/v1/cases/${caseId}/${action}`, payload });
    t.ok(answer.statusCode < 300, `${who.id} ${action}: ${answer.body}`);
  };
  const look = async (who: Actor, query = '') => {
    const answer = await h.as(who, { url: `/api/v1/cases/${caseId}${query}` });
    t.equal(answer.statusCode, 200, `${who.id} opens the case${query}`);
    return answer.json();
  };

  // 2026: Wang Xiuying reports her upstairs neighbour's leak online and follows it to the end.
  at('2026-03-02 09:00');
  const submitted = await h.as(resident, {
    method: 'POST',
    url: '/api/v1/cases',
    payload: {
      kind: 'dispute',
      category: 'neighbour',
      title: '楼上漏水纠纷',
      description: '楼上卫生间漏水，楼下天花板受损，协商未果。',
      channel: 'online',
      location: { orgUnitId: 'grid-1' },
      parties: [wang, { role: 'respondent', kind: 'person', name: '刘建国' }],
      urgency: 'normal',
    },
  });
  t.equal(submitted.statusCode, 201, submitted.body);
  caseId = submitted.json().caseId;
  const [her, neighbour] = submitted.json().parties as Array<{ personId: string }>;
  await act(mediator, '2026-03-02 09:40', 'accept', { handlingMode: 'onSite' });
  await act(mediator, '2026-03-02 15:00', 'notes', { text: '已上门查看，漏水点在楼上卫生间。' });
  await act(mediator, '2026-03-03 11:00', 'resolve', { summary: '楼上修复防水，赔偿天花板修缮费。' });
  await act(resident, '2026-03-04 10:00', 'feedback', { rating: 'satisfied' });
  await act(chair, '2026-03-05 09:00', 'close');
  t.match(await look(resident), {
    status: 'closed',
    parties: [{ name: '王*', phone: '139****5678' }, { name: '刘*' }],
  });
  t.match(
    await look(auditor, '?revision=0'),
    { status: 'submitted', parties: [{ name: '王*' }] },
    'as it was at intake',
  );
  const stream = `case-${caseId}`;
  const before = await chainOf(h.service.store, stream);
  t.ok(before.verifies, 'the history verifies');

  // 2027: she asks to be forgotten. She cannot erase herself; the administrator does, on her request.
  at('2027-03-08 10:00');
  const erase = (who: Actor) => h.as(who, { method: 'POST', url: `/api/v1/persons/${her!.personId}/erase` });
  t.equal((await erase(resident)).statusCode, 403, 'a resident asks; an administrator erases');
  const erased = await erase(admin);
  t.equal(erased.statusCode, 200, erased.body);
  t.match(erased.json(), {
    personId: her!.personId,
    erasedAt: beijing('2027-03-08 10:00'),
    alreadyErased: false,
  });

  // Everywhere she appears she now reads as erased; her neighbour, and the case itself, are untouched.
  const erasedWang = { personId: her!.personId, name: '[erased]', erased: true, userId: resident.id };
  const now = await look(mediator);
  t.match(now, {
    status: 'closed',
    title: '楼上漏水纠纷',
    parties: [erasedWang, { personId: neighbour!.personId, name: '刘*' }],
  });
  for (const field of ['phone', 'idNumber', 'address']) t.notOk(field in now.parties[0], `no ${field} left`);
  t.match(await look(resident), { parties: [erasedWang] }, 'she still follows her own case');
  t.match(
    await look(auditor, '?revision=0'),
    { status: 'submitted', parties: [erasedWang] },
    'time travel by revision',
  );
  t.match(
    await look(auditor, `?at=${encodeURIComponent(beijing('2026-03-03 12:00'))}`),
    {
      status: 'resolved',
      parties: [erasedWang],
    },
    'and by instant',
  );
  const reveal = await h.as(chair, {
    url: `/api/v1/cases/${caseId}/parties?reveal=true&reason=${encodeURIComponent('复查旧案，核对当事人')}`,
  });
  t.equal(reveal.statusCode, 200);
  t.match(reveal.json().parties, [erasedWang, { name: '刘建国' }], 'a reveal has nothing of hers to show');

  // The history is the one recorded before, byte for byte, and it still verifies.
  const after = await chainOf(h.service.store, stream);
  t.same(after.hashes, before.hashes, 'no event rewritten');
  t.ok(after.verifies, 'the history still verifies');
  t.ok((await chainOf(h.service.store, `person-${her!.personId}`)).verifies, 'so does the erasure itself');
  const events = bytesOf(join(h.dir, 'events.sqlite'));
  t.ok(events.includes(Buffer.from(caseId)), 'the log’s bytes hold the case');
  for (const value of PERSONAL) t.notOk(events.includes(Buffer.from(value)), `but not ${value}`);

  // The read models work as before, hold nothing of hers, and rebuild from the log without her key.
  await h.settle();
  const listed = async () => {
    const list = await h.as(mediator, { url: `/api/v1/cases?q=${encodeURIComponent('漏水')}` });
    t.equal(list.statusCode, 200);
    return list.json().items.map((item: { caseId: string }) => item.caseId);
  };
  t.same(await listed(), [caseId], 'the case list finds the case');
  t.equal((await h.as(chair, { url: '/api/v1/stats' })).statusCode, 200, 'the statistics answer');
  await rebuild(h.service.store, h.service.readModels, ALL_PROJECTIONS);
  t.same(await listed(), [caseId], 'and after a rebuild from the log');
  const models = bytesOf(join(h.dir, 'read-models.sqlite'));
  t.ok(models.includes(Buffer.from(caseId)), 'the read models hold the case');
  for (const value of [...PERSONAL, '刘建国'])
    t.notOk(models.includes(Buffer.from(value)), `but not ${value}`);
});
