// The service seals personal data before it is chained and stored: the log's bytes never hold a name,
// phone, ID number or address, nor the keys; erasing a key leaves every hash intact, and every reader
// (the command handler's cache included) then reads the person as erased.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { CaseRepository, caseStream } from '../../src/commands/case/case-repository.js';
import { parseConfig } from '../../src/config.js';
import type { Party } from '../../src/events/case-events.js';
import { type EventStore, readStreamToArray } from '../../src/events/event-store.js';
import { ChainVerifier } from '../../src/events/hash-chain.js';
import { openService, type Service } from '../../src/service.js';
import { actors, submitCommand } from '../support/case-fixtures.js';
import { DEPARTMENTS, FakeClock, ORG_UNITS } from '../support/handler-fixtures.js';

const resident: Party = {
  personId: 'person-wang',
  role: 'complainant',
  kind: 'person',
  name: '王秀英',
  phone: '13912345678',
  idNumber: '110101198807074321',
  address: '河畔小区7号楼302',
  userId: 'resident-zhang',
};
const neighbour: Party = { personId: 'person-zhao', role: 'respondent', kind: 'person', name: '赵德胜' };
const PERSONAL = [resident.name, resident.phone, resident.idNumber, resident.address, neighbour.name].map(
  String,
);

async function service(
  t: Test,
): Promise<{ service: Service; dir: string; clock: FakeClock; files: () => Buffer }> {
  const dir = mkdtempSync(join(tmpdir(), 'casetrail-privacy-'));
  const clock = new FakeClock();
  const config = parseConfig({ CASETRAIL_DATA_DIR: dir, LOG_LEVEL: 'silent' });
  const opened = await openService(config, { clock: clock.read, live: false });
  for (const unit of ORG_UNITS) await opened.directory.handle({ type: 'CreateOrgUnit', unit }, actors.admin);
  for (const department of DEPARTMENTS)
    await opened.directory.handle({ type: 'CreateDepartment', department }, actors.admin);
  t.teardown(async () => {
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, 'events.sqlite');
  const files = () =>
    Buffer.concat([file, `${file}-wal`].filter(existsSync).map((path) => readFileSync(path)));
  return { service: opened, dir, clock, files };
}

const submit = (s: Service, caseId: string, parties: readonly Party[]) =>
  s.cases.handle({ caseId, command: submitCommand({ caseId, parties }), actor: actors.gridWorker });

async function verifies(store: EventStore, stream: string): Promise<boolean> {
  const verifier = new ChainVerifier();
  const events = await readStreamToArray(store, stream);
  return events.length > 0 && events.every((event) => verifier.check(event) === undefined);
}

t.test('the raw event log never holds a party’s personal data, only its envelope', async (t) => {
  const { service: s, dir, files } = await service(t);
  await submit(s, 'case-1', [resident, neighbour]);
  const bytes = files();
  t.ok(
    bytes.includes(Buffer.from('楼上漏水纠纷')),
    'the log’s bytes are searchable: the title is there in clear',
  );
  t.ok(bytes.includes(Buffer.from(resident.personId)), 'and so are the person ids');
  for (const value of PERSONAL)
    t.notOk(bytes.includes(Buffer.from(value)), `${value} is not in events.sqlite`);
  const [stored] = await readStreamToArray(s.store, caseStream('case-1'));
  t.match(stored?.data, {
    parties: [{ personId: 'person-wang', userId: 'resident-zhang', personal: { v: 1 } }],
  });
  t.notOk(
    'name' in ((stored?.data.parties as object[] | undefined)?.[0] ?? {}),
    'no name beside the envelope',
  );

  const keys = readFileSync(join(dir, 'keys.sqlite'));
  for (const value of PERSONAL) t.notOk(keys.includes(Buffer.from(value)), `${value} is not in keys.sqlite`);
  const key = s.privacy.keys.existingKey(resident.personId);
  t.ok(key, 'the person has a key');
  t.notOk(bytes.includes(key!), 'and the key is not in the log');

  const { state } = await new CaseRepository(s.store).load('case-1');
  t.match(
    state,
    { parties: [{ name: '王秀英', phone: '13912345678' }, { name: '赵德胜' }] },
    'it reads back whole',
  );
});

t.test('after erasure the person reads as erased everywhere, and every hash still verifies', async (t) => {
  const { service: s, clock } = await service(t);
  await submit(s, 'case-1', [resident, neighbour]);
  await s.cases.handle({
    caseId: 'case-1',
    command: { type: 'AcceptCase', handlingMode: 'onSite' },
    actor: actors.mediator,
  });
  const before = await readStreamToArray(s.store, caseStream('case-1'));
  t.match((await s.cases.cases.load('case-1')).state, { parties: [{ name: '王秀英' }] }, 'cached whole');

  clock.advance(30);
  const erased = await s.privacy.erasure.erase({
    personId: resident.personId,
    actor: actors.admin,
    commandId: 'erase-1',
    correlationId: 'request-1',
  });
  t.match(erased, {
    personId: 'person-wang',
    erasedAt: clock.read().toISOString(),
    revision: 0,
    alreadyErased: false,
  });

  const after = await readStreamToArray(s.store, caseStream('case-1'));
  t.same(after, before, 'the case’s stream is untouched: not one byte rewritten');
  t.ok(await verifies(s.store, caseStream('case-1')), 'its chain verifies');
  t.ok(await verifies(s.store, 'person-person-wang'), 'so does the erasure’s own stream');

  const erasedParty = { personId: 'person-wang', name: '[erased]', erased: true, userId: 'resident-zhang' };
  const { state } = await s.cases.cases.load('case-1');
  t.match(
    state,
    { parties: [erasedParty, { name: '赵德胜' }] },
    'the handler’s cache no longer serves the name',
  );
  t.notOk('phone' in (state.status === 'initial' ? {} : (state.parties[0] ?? {})), 'nor the phone');
  const fresh = await new CaseRepository(s.store).load('case-1');
  t.match(fresh.state, { parties: [erasedParty] }, 'a fresh fold reads it erased');

  const again = submit(s, 'case-2', [resident]);
  await t.rejects(again, { code: 'person_erased' }, 'new personal data for an erased person is refused');
  t.same(await readStreamToArray(s.store, caseStream('case-2')), [], 'and nothing is recorded');
});

t.test('a case read while a key was erased is never cached with what it read', async (t) => {
  const { service: s } = await service(t);
  await submit(s, 'case-1', [resident]);
  const reads: number[] = [];
  const store: EventStore = Object.create(s.store, {
    readStream: {
      value: (stream: string, options?: { fromRevision?: number }) => {
        reads.push(options?.fromRevision ?? 0);
        return s.store.readStream(stream, options);
      },
    },
    knownRevision: { value: () => undefined },
  });
  const repository = new CaseRepository(store);
  const stale = await repository.load('case-1');
  repository.remember('case-1', stale);
  await repository.load('case-1');
  t.same(reads, [0, 1], 'a remembered case reads only its tail');

  reads.length = 0;
  const inFlight = await repository.load('case-1');
  repository.forgetAll();
  repository.remember('case-1', inFlight);
  await repository.load('case-1');
  t.same(
    reads,
    [1, 0],
    'state read before the erasure is not remembered: the next load folds from the start',
  );
});
