import { Writable } from 'node:stream';
import t from 'tap';
import { parseConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { signToken } from '../../src/http/auth.js';
import { actors } from '../support/case-fixtures.js';
import { httpHarness, JWT_SECRET } from '../support/http-fixtures.js';

t.test('log lines carry the request id and no personal data or token', async (t) => {
  const h = await httpHarness(t);
  const lines: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const config = parseConfig({ CASETRAIL_DATA_DIR: h.dir, LOG_LEVEL: 'debug' });
  const app = await buildApp({ service: h.service, config, jwtSecret: JWT_SECRET, logStream });
  t.teardown(() => app.close());
  const token = signToken(app, { sub: actors.gridWorker.id, role: 'gridWorker', scope: 'grid-1' });
  const intake = {
    kind: 'dispute',
    category: 'neighbour',
    title: '邻里纠纷',
    description: '张伟与李娜因噪音发生争执',
    channel: 'walkIn',
    location: { orgUnitId: 'grid-1', address: '朝阳小区3号楼2单元501' },
    parties: [
      {
        role: 'complainant',
        kind: 'person',
        name: '张伟',
        phone: '13812345678',
        idNumber: '110101199003071234',
      },
    ],
    urgency: 'normal',
  };
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/cases',
    payload: intake,
    headers: { authorization: `Bearer ${token}`, 'x-request-id': 'req-trace-42' },
  });
  t.equal(created.statusCode, 201);
  await app.inject({ url: '/api/v1/cases?q=张伟', headers: { authorization: `Bearer ${token}` } });
  await app.inject({
    method: 'POST',
    url: '/api/v1/cases',
    payload: { ...intake, urgency: 'whenever' },
    headers: { authorization: `Bearer ${token}` },
  });
  const log = lines.join('');
  t.ok(lines.length >= 4, 'requests were logged');
  t.match(log, /"requestId":"req-trace-42"/, 'the request id is on the line');
  for (const secret of [
    '13812345678',
    '110101199003071234',
    '张伟',
    '李娜',
    '501',
    token,
    encodeURIComponent('张伟'),
  ]) {
    t.notOk(log.includes(secret), `${secret.slice(0, 12)}… is not in the log`);
  }
});
