// Sealing a party's personal data: AES-256-GCM under the person's key, the person id bound in as
// associated data; no key reads as erased; an envelope that does not authenticate is a clear error.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import {
  decodeCaseEvent,
  EventDecodingError,
  type PersonalDataVault,
  setPersonalDataVault,
} from '../../src/events/case-codec.js';
import type { Party, SealedParty } from '../../src/events/case-events.js';
import { sealedPartySchema } from '../../src/events/case-events.js';
import type { StoredEvent } from '../../src/events/event-store.js';
import type { PersonKeys } from '../../src/privacy/key-store.js';
import { KeyStoreVault, openParty, PersonalDataError, sealParty } from '../../src/privacy/personal-data.js';
import { submittedCase } from '../support/case-fixtures.js';

const zhang: Party = {
  personId: 'person-1',
  role: 'complainant',
  kind: 'person',
  name: '张伟',
  phone: '13812345678',
  idNumber: '110101199003078515',
  address: '朝阳小区3号楼2单元401',
  userId: 'resident-zhang',
};

/** Keys in memory, counting how often each is asked for. */
function memoryKeys(): PersonKeys & { keys: Map<string, Buffer>; reads: number } {
  const keys = new Map<string, Buffer>();
  return {
    keys,
    reads: 0,
    keyFor(personId) {
      if (!keys.has(personId)) keys.set(personId, randomBytes(32));
      return Buffer.from(keys.get(personId)!);
    },
    existingKey(personId) {
      this.reads += 1;
      const key = keys.get(personId);
      return key ? Buffer.from(key) : undefined;
    },
  };
}

/** The case-fixture intake as it would be stored, its parties sealed by the vault. */
function storedSubmission(vault: PersonalDataVault): StoredEvent {
  const [event] = submittedCase();
  if (event?.type !== 'CaseSubmitted') throw new Error('the fixture starts with CaseSubmitted');
  const data = { ...event.data, parties: event.data.parties.map((party) => vault.seal(party)) };
  return {
    id: '0190a0b0-0000-7000-8000-000000000001',
    type: 'CaseSubmitted',
    data: JSON.parse(JSON.stringify(data)),
    metadata: { schemaVersion: 2 },
    stream: 'case-case-0001',
    revision: 0,
    position: 1,
    recordedAt: new Date(),
  };
}

const flipFirstByte = (base64: string): string => {
  const bytes = Buffer.from(base64, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0xff;
  return bytes.toString('base64');
};

t.test('a sealed party opens to what was sealed, and holds nothing personal in clear', async (t) => {
  const key = randomBytes(32);
  const sealed = sealParty(zhang, key);
  t.ok(sealedPartySchema.safeParse(sealed).success, 'the stored shape the schema accepts');
  t.same(Object.keys(sealed).sort(), ['kind', 'personId', 'personal', 'role', 'userId']);
  const stored = JSON.stringify(sealed);
  for (const value of [zhang.name, zhang.phone, zhang.idNumber, zhang.address]) {
    t.notOk(stored.includes(String(value)), `${value} is not in the stored party`);
  }
  t.same(openParty(sealed, key), zhang, 'the round trip gives the party back');
  const again = sealParty(zhang, key);
  t.not(again.personal.iv, sealed.personal.iv, 'a fresh IV each time');
  t.not(again.personal.ct, sealed.personal.ct, 'so the same data never seals to the same bytes');
  const organisation = sealParty(
    { personId: 'org-1', role: 'respondent', kind: 'organization', name: '物业公司' },
    key,
  );
  t.same(openParty(organisation, key), {
    personId: 'org-1',
    role: 'respondent',
    kind: 'organization',
    name: '物业公司',
  });
});

t.test('without its key a party reads as erased: who and in what role, nothing personal', async (t) => {
  const sealed = sealParty(zhang, randomBytes(32));
  t.same(openParty(sealed, undefined), {
    personId: 'person-1',
    role: 'complainant',
    kind: 'person',
    userId: 'resident-zhang',
    name: '[erased]',
    erased: true,
  });
  t.throws(
    () => sealParty({ ...zhang, name: '[erased]', erased: true }, randomBytes(32)),
    PersonalDataError,
    'an erased party is never sealed again as if it were data',
  );
});

t.test('an envelope that does not authenticate is a PersonalDataError naming the person', async (t) => {
  const key = randomBytes(32);
  const sealed = sealParty(zhang, key);
  const altered: Array<[string, SealedParty]> = [
    [
      'the ciphertext altered',
      { ...sealed, personal: { ...sealed.personal, ct: flipFirstByte(sealed.personal.ct) } },
    ],
    [
      'the tag altered',
      { ...sealed, personal: { ...sealed.personal, tag: flipFirstByte(sealed.personal.tag) } },
    ],
    [
      'the IV altered',
      { ...sealed, personal: { ...sealed.personal, iv: flipFirstByte(sealed.personal.iv) } },
    ],
    ['the envelope moved onto another person', { ...sealed, personId: 'person-2' }],
  ];
  for (const [what, party] of altered) {
    t.throws(
      () => openParty(party, key),
      { name: 'PersonalDataError', code: 'personal_data_unreadable', message: /person person-[12]/ },
      what,
    );
  }
  t.throws(() => openParty(sealed, randomBytes(32)), PersonalDataError, 'another key');
});

t.test('decodeCaseEvent opens parties through the installed vault', async (t) => {
  const keys = memoryKeys();
  const vault = new KeyStoreVault(keys);
  const stored = storedSubmission(vault);
  t.teardown(() => void setPersonalDataVault(undefined));

  t.match(
    decodeCaseEvent(stored).data,
    { parties: [{ name: '[withheld]', withheld: true }] },
    'no vault: withheld',
  );
  t.notOk(JSON.stringify(decodeCaseEvent(stored).data).includes('personal'), 'and no envelope either');

  setPersonalDataVault(vault);
  const opened = decodeCaseEvent(stored);
  t.match(opened.data, {
    parties: [
      { personId: 'person-1', name: '张伟', phone: '13812345678', userId: 'resident-zhang' },
      { personId: 'person-2', name: '李娜' },
    ],
  });

  const before = keys.reads;
  const withheld = decodeCaseEvent(stored, { personalData: 'withhold' });
  t.match(withheld.data, { parties: [{ name: '[withheld]' }, { name: '[withheld]' }] });
  t.equal(keys.reads, before, 'withholding reads no key (the projections rebuild without the key store)');

  keys.keys.delete('person-1');
  t.match(decodeCaseEvent(stored).data, {
    parties: [{ personId: 'person-1', name: '[erased]', erased: true }, { name: '李娜' }],
  });
});

t.test('a tampered envelope in the log is an EventDecodingError naming the event, not a crash', async (t) => {
  const vault = new KeyStoreVault(memoryKeys());
  const stored = storedSubmission(vault);
  setPersonalDataVault(vault);
  t.teardown(() => void setPersonalDataVault(undefined));
  const parties = stored.data.parties as unknown as SealedParty[];
  const first = parties[0]!;
  const tampered = {
    ...stored,
    data: {
      ...stored.data,
      parties: [
        { ...first, personal: { ...first.personal, ct: flipFirstByte(first.personal.ct) } },
        ...parties.slice(1),
      ],
    },
  } as StoredEvent;
  t.throws(() => decodeCaseEvent(tampered), {
    name: 'EventDecodingError',
    code: 'event_decoding_failed',
    message: /CaseSubmitted at case-case-0001@0 \(position 1\).*person person-1.*does not authenticate/,
  });
  const malformed = {
    ...stored,
    data: { ...stored.data, parties: [{ ...first, personal: { v: 1 } }] },
  } as StoredEvent;
  t.throws(() => decodeCaseEvent(malformed), EventDecodingError, 'a malformed envelope too');
});

t.test('parties stored in clear (before encryption) read as they are', async (t) => {
  setPersonalDataVault(new KeyStoreVault(memoryKeys()));
  t.teardown(() => void setPersonalDataVault(undefined));
  const [event] = submittedCase();
  const stored = {
    id: '0190a0b0-0000-7000-8000-000000000002',
    type: 'CaseSubmitted',
    data: JSON.parse(JSON.stringify(event?.data)),
    metadata: { schemaVersion: 2 },
    stream: 'case-case-0001',
    revision: 0,
    position: 1,
    recordedAt: new Date(),
  } satisfies StoredEvent;
  t.same(decodeCaseEvent(stored).data, event?.data);
});
