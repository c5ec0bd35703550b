// The person keys: one per person, created on first use, kept across restarts; erasing one leaves no
// copy of it in the file, and the person stays known as erased.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { KEY_BYTES, PersonErasedError, PersonKeyStore } from '../../src/privacy/key-store.js';
import { FakeClock } from '../support/handler-fixtures.js';

function keyStore(t: Test) {
  const dir = mkdtempSync(join(tmpdir(), 'casetrail-keys-'));
  const file = join(dir, 'keys.sqlite');
  const clock = new FakeClock();
  const state = { keys: new PersonKeyStore(file, clock.read) };
  t.teardown(() => {
    state.keys.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    file,
    clock,
    get keys() {
      return state.keys;
    },
    reopen() {
      state.keys.close();
      state.keys = new PersonKeyStore(file, clock.read);
    },
    /** Every byte SQLite keeps for the store: the database and its write-ahead log. */
    bytes(): Buffer {
      const parts = [file, `${file}-wal`].filter(existsSync).map((path) => readFileSync(path));
      return Buffer.concat(parts);
    },
  };
}

t.test('a key per person, created on first use and the same ever after, across restarts', async (t) => {
  const s = keyStore(t);
  t.equal(s.keys.existingKey('person-1'), undefined, 'no key before first use');
  t.equal(s.keys.status('person-1'), undefined, 'an unknown person');
  const key = s.keys.keyFor('person-1');
  t.equal(key.length, KEY_BYTES);
  t.same(s.keys.keyFor('person-1'), key, 'the same key the second time');
  t.same(s.keys.existingKey('person-1'), key);
  t.notSame(s.keys.keyFor('person-2'), key, 'another person, another key');
  t.same(s.keys.status('person-1'), { personId: 'person-1', createdAt: s.clock.read().toISOString() });
  s.reopen();
  t.same(s.keys.existingKey('person-1'), key, 'kept across a restart');
  t.equal(statSync(s.file).mode & 0o777, 0o600, 'the file is readable by its owner only');
});

t.test('erasing a key leaves no copy of it in the file; the person stays known as erased', async (t) => {
  const s = keyStore(t);
  const key = s.keys.keyFor('person-1');
  const other = s.keys.keyFor('person-2');
  t.ok(s.bytes().includes(key), 'before erasure the key is in the file (so the search below can find it)');
  const createdAt = s.clock.read().toISOString();
  s.clock.advance(60);
  const erasedAt = s.clock.read().toISOString();
  t.same(s.keys.erase('person-1'), { personId: 'person-1', createdAt, erasedAt });
  t.notOk(s.bytes().includes(key), 'no byte sequence of the erased key is left in the database or its log');
  t.ok(s.bytes().includes(other), 'the other person’s key is untouched');
  t.equal(s.keys.existingKey('person-1'), undefined);
  t.same(s.keys.existingKey('person-2'), other);
  t.throws(() => s.keys.keyFor('person-1'), PersonErasedError, 'new data for an erased person is refused');
  t.throws(() => s.keys.keyFor('person-1'), { code: 'person_erased' });

  s.clock.advance(60);
  t.equal(s.keys.erase('person-1')?.erasedAt, erasedAt, 'erasing again keeps the first erasure’s time');
  t.equal(s.keys.erase('nobody'), undefined, 'an unknown person cannot be erased');
  s.reopen();
  t.equal(s.keys.status('person-1')?.erasedAt, erasedAt, 'still erased after a restart');
  t.throws(() => s.keys.keyFor('person-1'), PersonErasedError, 'and still refused');
});
