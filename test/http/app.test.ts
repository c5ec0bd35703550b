import t from 'tap';
import { actors } from '../support/case-fixtures.js';
import { intake } from '../support/handler-fixtures.js';
import { httpHarness } from '../support/http-fixtures.js';

const body = () => {
  const {
    type: _type,
    caseId: _caseId,
    ...rest
  } = intake() as Extract<ReturnType<typeof intake>, { type: 'SubmitCase' }>;
  return {
    ...rest,
    parties: rest.parties.map(({ personId: _p, ...party }) => ({ ...party, phone: '13812345678' })),
  };
};

t.test('/health and /ready', async (t) => {
  const h = await httpHarness(t);
  t.same((await h.app.inject({ url: '/health' })).json(), { status: 'ok' });
  await h.settle();
  const ready = await h.app.inject({ url: '/ready' });
  t.equal(ready.statusCode, 200);
  t.match(ready.json(), { status: 'ready', store: { reachable: true }, projections: { behind: 0 } });

  // Read models past the log's head were built from another log, or the log lost events.
  h.service.readModels.db.prepare('UPDATE checkpoints SET position = position + 5').run();
  const ahead = await h.app.inject({ url: '/ready' });
  t.equal(ahead.statusCode, 503, ahead.body);
  t.equal(ahead.json().code, 'projections_ahead');
});

t.test('a command through HTTP: 201 with ids, ETag, and the case read back masked', async (t) => {
  const h = await httpHarness(t);
  const created = await h.as(actors.gridWorker, { method: 'POST', url: '/api/v1/cases', payload: body() });
  t.equal(created.statusCode, 201, created.body);
  const answer = created.json();
  t.match(answer, {
    caseId: /^[0-9a-f-]{36}$/,
    revision: 0,
    position: Number,
    parties: [{ personId: /^[0-9a-f-]{36}$/, role: 'complainant' }],
  });
  t.equal(created.headers.etag, '"0"');
  const read = await h.as(actors.mediator, { url: `/api/v1/cases/${answer.caseId}` });
  t.equal(read.statusCode, 200);
  t.match(read.json(), {
    caseId: answer.caseId,
    status: 'submitted',
    revision: 0,
    parties: [{ name: '张*', phone: '138****5678' }],
  });
  t.notMatch(read.body, /13812345678|张伟/, 'no personal data in the answer');
  const accepted = await h.as(actors.mediator, {
    method: 'POST',
    url: `/api/v1/cases/${answer.caseId}/accept`,
    payload: { handlingMode: 'onSite' },
    headers: { 'if-match': '"0"' },
  });
  t.equal(accepted.statusCode, 200, accepted.body);
  t.same(accepted.json(), { caseId: answer.caseId, revision: 1, position: accepted.json().position });
  const stale = await h.as(actors.mediator, {
    method: 'POST',
    url: `/api/v1/cases/${answer.caseId}/notes`,
    payload: { text: '迟到的记录' },
    headers: { 'if-match': '"0"' },
  });
  t.equal(stale.statusCode, 412);
  t.match(stale.json(), { code: 'revision_mismatch', status: 412 });
  t.equal(stale.headers['content-type'], 'application/problem+json; charset=utf-8');
});

t.test('no token, a bad token, an unknown role: 401 problem+json', async (t) => {
  const h = await httpHarness(t);
  const none = await h.app.inject({ method: 'POST', url: '/api/v1/cases', payload: body() });
  t.match([none.statusCode, none.json().code], [401, 'unauthorized']);
  const forged = await h.app.inject({
    url: '/api/v1/cases/x',
    headers: { authorization: 'Bearer abc.def.ghi' },
  });
  t.equal(forged.statusCode, 401);
  const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', role: 'chair', scope: 'district-1' })).toString('base64url')}.`;
  t.equal(
    (await h.app.inject({ url: '/api/v1/cases/x', headers: { authorization: `Bearer ${unsigned}` } }))
      .statusCode,
    401,
    'alg: none',
  );
  const wrongRole = h.app.jwt.sign({ sub: 'x', role: 'emperor' as 'chair', scope: 'district-1' });
  t.equal(
    (await h.app.inject({ url: '/api/v1/cases/x', headers: { authorization: `Bearer ${wrongRole}` } }))
      .statusCode,
    401,
    'unknown role',
  );
  const system = h.app.jwt.sign({ sub: 'x', role: 'system', scope: '*' });
  t.equal(
    (await h.app.inject({ url: '/api/v1/cases/x', headers: { authorization: `Bearer ${system}` } }))
      .statusCode,
    401,
    'no token carries the system role',
  );
});
