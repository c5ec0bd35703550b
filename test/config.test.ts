import { resolve } from 'node:path';
import t from 'tap';
import { describeConfig, parseConfig } from '../src/config.js';

t.test('defaults: the embedded store under ./data, durable, on loopback', async (t) => {
  const config = parseConfig({});
  t.equal(config.dataDir, resolve('./data'));
  t.same(config.store, { kind: 'sqlite', file: resolve('./data/events.sqlite'), synchronous: 'FULL' });
  t.equal(config.host, '127.0.0.1');
  t.equal(config.port, 3000);
  t.equal(config.maxEventBytes, 1024 * 1024);
});

t.test(
  'a kurrentdb:// connection string selects KurrentDB, and its credentials never reach a log',
  async (t) => {
    const config = parseConfig({ CASETRAIL_STORE: 'kurrentdb://admin:changeit@db:2113?tls=false' });
    t.same(config.store, {
      kind: 'kurrentdb',
      connectionString: 'kurrentdb://admin:changeit@db:2113?tls=false',
    });
    t.notMatch(JSON.stringify(describeConfig(config)), /changeit/);
    t.equal(parseConfig({ CASETRAIL_STORE: 'kurrentdb+discover://a:2113,b:2113' }).store.kind, 'kurrentdb');
  },
);

t.test('a bad value is refused with a message that names the variable', async (t) => {
  t.throws(() => parseConfig({ PORT: 'abc' }), /PORT="abc" is not valid: expected a whole number/);
  t.throws(() => parseConfig({ PORT: '70000' }), /PORT/);
  t.throws(() => parseConfig({ CASETRAIL_STORE: 'postgres://x' }), /CASETRAIL_STORE="postgres:\/\/x"/);
  t.throws(() => parseConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL="loud" is not valid: expected one of fatal/);
  t.throws(() => parseConfig({ CASETRAIL_SQLITE_SYNCHRONOUS: 'OFF' }), /CASETRAIL_SQLITE_SYNCHRONOUS/);
});

t.test(
  'the person keys live in the data directory unless CASETRAIL_KEYS_FILE puts them elsewhere',
  async (t) => {
    t.equal(
      parseConfig({ CASETRAIL_DATA_DIR: '/srv/casetrail' }).keysFile,
      resolve('/srv/casetrail/keys.sqlite'),
    );
    const shared = parseConfig({
      CASETRAIL_DATA_DIR: '/srv/a',
      CASETRAIL_KEYS_FILE: '/mnt/keys/keys.sqlite',
    });
    t.equal(
      shared.keysFile,
      resolve('/mnt/keys/keys.sqlite'),
      'one file every instance of a deployment shares',
    );
  },
);
