// Hostile input over HTTP: whatever arrives — broken JSON, other media types, huge or deep bodies,
// prototype pollution, odd Unicode, absurd numbers, forged tokens, other communities' cases — the
// answer is a 4xx application/problem+json with a stable code (never a 5xx), or the input is stored
// exactly; and a refused request appends nothing to the log (DESIGN.md §8).
import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import t, { type Test } from 'tap';
import type { Actor } from '../../src/commands/actor.js';
import { readStreamToArray } from '../../src/events/event-store.js';
import { COMMANDS } from '../../src/http/command-table.js';
import { actors, liaison } from '../support/case-fixtures.js';
import { COMMAND_PATH_PARAMS, commandBodies } from '../support/command-samples.js';
import { type HttpHarness, httpHarness, JWT_SECRET } from '../support/http-fixtures.js';

type Body = Record<string, unknown>;

const riverChair: Actor = { id: 'chair-river', role: 'chair', scope: 'community-river' };

const intakeBody = (location = 'grid-1'): Body => ({
  kind: 'dispute',
  category: 'neighbour',
  title: '楼上漏水纠纷',
  description: '楼上住户装修后卫生间漏水，楼下天花板受损。',
  channel: 'buildingHead',
  location: { orgUnitId: location },
  parties: [{ role: 'complainant', kind: 'person', name: '张伟', userId: 'resident-zhang' }],
  urgency: 'normal',
});

interface Raw {
  readonly method?: 'POST' | 'DELETE' | 'PUT' | 'GET';
  readonly url: string;
  /** Sent as is: a string is never re-encoded. */
  readonly body?: string;
  /** null sends none. */
  readonly contentType?: string | null;
  /** The bearer token's actor; null sends no Authorization header. */
  readonly actor?: Actor | null;
  readonly headers?: Record<string, string>;
}

interface Sent {
  readonly res: LightMyRequestResponse;
  readonly appended: number;
}

async function send(h: HttpHarness, raw: Raw): Promise<Sent> {
  const before = (await h.service.store.headPosition()) ?? 0;
  const actor = raw.actor === undefined ? actors.mediator : raw.actor;
  const contentType = raw.contentType === undefined ? 'application/json' : raw.contentType;
  const res = await h.app.inject({
    method: raw.method ?? 'POST',
    url: raw.url,
    ...(raw.body === undefined ? {} : { payload: raw.body }),
    headers: {
      ...(actor ? { authorization: `Bearer ${h.token(actor)}` } : {}),
      ...(contentType === null || raw.body === undefined ? {} : { 'content-type': contentType }),
      ...(raw.headers ?? {}),
    },
  });
  const after = (await h.service.store.headPosition()) ?? 0;
  return { res, appended: after - before };
}

const json = (value: unknown): string => JSON.stringify(value);

/** A refusal: a 4xx (this one, when given), problem+json with a stable code, nothing appended. */
function refused(
  t: Test,
  sent: Sent,
  label: string,
  status?: number,
  code?: string,
): Record<string, unknown> {
  const { res, appended } = sent;
  const summary = `${label}: ${res.statusCode} ${res.body.slice(0, 200)}`;
  if (status === undefined) t.ok(res.statusCode >= 400 && res.statusCode < 500, `${summary} is a 4xx`);
  else t.equal(res.statusCode, status, summary);
  t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', `${label}: problem+json`);
  const body = res.json() as Record<string, unknown>;
  t.match(body.code, /^[a-z]+(_[a-z]+)*$/, `${label}: a stable code (${String(body.code)})`);
  if (code !== undefined) t.equal(body.code, code, `${label}: ${code}`);
  t.equal(body.status, res.statusCode, `${label}: the status in the body`);
  t.equal(appended, 0, `${label}: nothing appended`);
  return body;
}

/** The last event of a case: what an accepted request stored. */
async function lastEvent(h: HttpHarness, caseId: string) {
  return (await readStreamToArray(h.service.store, `case-${caseId}`)).at(-1);
}

async function created(h: HttpHarness, actor: Actor, url: string, payload: Body): Promise<Body> {
  const res = await h.as(actor, { method: 'POST', url, payload });
  if (res.statusCode >= 300) throw new Error(`given ${url}: ${res.statusCode} ${res.body}`);
  return res.json() as Body;
}

// Given: case `a` in grid-1, accepted and waiting for the police; case `river` in another community.
const h = await httpHarness(t);
const a = String((await created(h, actors.gridWorker, '/api/v1/cases', intakeBody())).caseId);
await created(h, actors.mediator, `/api/v1/cases/${a}/accept`, { handlingMode: 'onSite' });
await created(h, actors.mediator, `/api/v1/cases/${a}/whistle`, {
  departmentIds: ['police-east'],
  reason: '需到场',
});
const river = String((await created(h, riverChair, '/api/v1/cases', intakeBody('community-river'))).caseId);
const notes = `/api/v1/cases/${a}/notes`;

t.test('malformed JSON is a 400 malformed_json', async (t) => {
  const bodies = [
    '{"text":',
    '{text: "x"}',
    "{'text': 'x'}",
    '{"text":"x"}}',
    '{"text":"x",}',
    '{"text":NaN}',
    '{"text":"\\x"}',
    '{"text":"x"} and more',
    '\u0000',
  ];
  for (const body of bodies)
    refused(t, await send(h, { url: notes, body }), json(body), 400, 'malformed_json');
  refused(t, await send(h, { url: notes, body: '' }), 'an empty body', 400, 'empty_body');
});

t.test('bodies that are not JSON are a 415', async (t) => {
  const types = [
    'text/plain',
    'text/plain; charset=utf-8',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=xyz',
    'application/xml',
    'application/vnd.api+json',
    null,
  ];
  for (const contentType of types) {
    const label = `Content-Type ${contentType ?? '(none)'}`;
    refused(
      t,
      await send(h, { url: notes, body: 'text=hello', contentType }),
      label,
      415,
      'unsupported_media_type',
    );
    const intake = { url: '/api/v1/cases', body: json(intakeBody()), contentType, actor: actors.gridWorker };
    refused(t, await send(h, intake), `intake, ${label}`, 415, 'unsupported_media_type');
  }
  // JSON declared in another charset would be read as UTF-8 and stored garbled.
  for (const contentType of ['application/json; charset=utf-16', 'application/json; charset="latin1"']) {
    const note = { url: notes, body: json({ text: '上门走访' }), contentType };
    refused(t, await send(h, note), contentType, 415, 'unsupported_media_type');
  }
  for (const contentType of ['application/json; charset=UTF-8', 'application/json;charset="utf-8"']) {
    const sent = await send(h, { url: notes, body: json({ text: '上门走访' }), contentType });
    t.equal(sent.res.statusCode, 201, `${contentType} is UTF-8: accepted (${sent.res.body.slice(0, 200)})`);
  }
  const leave = { method: 'DELETE' as const, url: `/api/v1/cases/${a}/participants/x`, body: 'x' };
  refused(
    t,
    await send(h, { ...leave, contentType: 'text/plain' }),
    'DELETE with text',
    415,
    'unsupported_media_type',
  );
});

t.test('a body over 1 MiB is a 413', async (t) => {
  const big = json({ text: 'x'.repeat(1024 * 1024) });
  refused(t, await send(h, { url: notes, body: big }), 'a 1 MiB note', 413, 'body_too_large');
  const intake = { ...intakeBody(), description: '漏'.repeat(400_000) };
  const sent = await send(h, { url: '/api/v1/cases', body: json(intake), actor: actors.gridWorker });
  refused(t, sent, '1.2 MB of Chinese', 413, 'body_too_large');
});

t.test('absurdly nested JSON is refused, not a crash', async (t) => {
  const arrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const objects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  const bodies = {
    '10,000 nested arrays': arrays(10_000),
    '100,000 nested arrays': arrays(100_000),
    '10,000 nested objects in a field': `{"text":${objects(10_000)}}`,
    '100,000 nested objects in a field': `{"text":${objects(100_000)}}`,
  };
  for (const [label, body] of Object.entries(bodies)) refused(t, await send(h, { url: notes, body }), label);
  const parties = `[${'{"name":'.repeat(10_000)}"x"${'}'.repeat(10_000)}]`;
  const intake = json(intakeBody()).replace(/"parties":\[.*?\]/, `"parties":${parties}`);
  refused(t, await send(h, { url: '/api/v1/cases', body: intake, actor: actors.gridWorker }), 'deep parties');
});

t.test('__proto__ and constructor.prototype keys are a 400 and pollute nothing', async (t) => {
  const intake = json(intakeBody());
  const bodies = {
    'top-level __proto__': '{"text":"x","__proto__":{"polluted":true}}',
    'top-level constructor.prototype': '{"text":"x","constructor":{"prototype":{"polluted":true}}}',
    '__proto__ in the location': intake.replace('"location":{', '"location":{"__proto__":{"polluted":true},'),
    '__proto__ in a party': intake.replace('"parties":[{', '"parties":[{"__proto__":{"polluted":true},'),
    'constructor.prototype in a party': intake.replace(
      '"parties":[{',
      '"parties":[{"constructor":{"prototype":{"polluted":true}},',
    ),
  };
  for (const [label, body] of Object.entries(bodies)) {
    const url = body.includes('"parties"') ? '/api/v1/cases' : notes;
    refused(t, await send(h, { url, body, actor: actors.gridWorker }), label, 400);
  }
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is untouched');
});

t.test('unknown properties are a 400 naming them', async (t) => {
  const intake = intakeBody();
  const bodies: ReadonlyArray<[string, string, Body, string]> = [
    ['a note', notes, { text: 'x', pinned: true }, 'body.pinned'],
    ['the intake', '/api/v1/cases', { ...intake, priority: 1 }, 'body.priority'],
    [
      'the location',
      '/api/v1/cases',
      { ...intake, location: { orgUnitId: 'grid-1', floor: 3 } },
      'body.location.floor',
    ],
    [
      'a party',
      '/api/v1/cases',
      { ...intake, parties: [{ role: 'complainant', kind: 'person', name: '张伟', age: 40 }] },
      'body.parties.0.age',
    ],
  ];
  for (const [label, url, body, field] of bodies) {
    const problem = refused(
      t,
      await send(h, { url, body: json(body), actor: actors.gridWorker }),
      label,
      400,
    );
    t.match(problem, { code: 'validation_failed', errors: [{ field }] }, `${label}: names ${field}`);
  }
});

t.test('Unicode edge cases are stored exactly or refused, never a 5xx', async (t) => {
  const texts = {
    'a lone high surrogate': 'before\ud800after',
    'a lone low surrogate': 'before\udfffafter',
    'surrogates in the wrong order': '\udc00\ud800',
    'U+0000': 'nul\u0000byte',
    'RTL override and marks': '\u202eevil.exe\u202c \u200fمرحبا\u200e',
    'emoji with ZWJ and skin tones': '👨‍👩‍👧‍👦 👍🏽 🇨🇳',
    'combining marks': 'e\u0301\u0302\u0303',
    'a BOM in the middle': 'a\ufeffb',
    noncharacters: '\uffff\ufffe\u{10ffff}',
    'line and paragraph separators': 'a\u2028b\u2029c',
    'zero-width only': '\u200b',
    'ten thousand emoji (the most code points a note holds)': '😀'.repeat(10_000),
  };
  const outcomes: string[] = [];
  for (const [label, text] of Object.entries(texts)) {
    const sent = await send(h, { url: notes, body: json({ text }), actor: actors.gridWorker });
    t.ok(sent.res.statusCode < 500, `${label}: not a 5xx (${sent.res.statusCode})`);
    if (sent.res.statusCode < 300) {
      const event = await lastEvent(h, a);
      t.equal(event?.revision, sent.res.json().revision, `${label}: the answer names the stored event`);
      t.equal(event?.data.text, text, `${label}: stored exactly`);
      outcomes.push(`${label}: stored`);
    } else {
      refused(t, sent, label);
      outcomes.push(`${label}: ${sent.res.json().code}`);
    }
  }
  t.comment(outcomes.join('; '));
  const tooLong: ReadonlyArray<[string, string, Body, string]> = [
    [
      'a 10,000-character title (max 200)',
      '/api/v1/cases',
      { ...intakeBody(), title: '漏'.repeat(10_000) },
      'body.title',
    ],
    ['a 10,001-emoji note (max 10,000)', notes, { text: '😀'.repeat(10_001) }, 'body.text'],
    ['ideographic spaces only', notes, { text: '\u3000\u3000' }, 'body.text'],
    ['a Chinese id', `/api/v1/cases/${a}/assign`, { assigneeId: '刘调解员' }, 'body.assigneeId'],
    ['U+0000 in an id', `/api/v1/cases/${a}/assign`, { assigneeId: 'liu\u0000' }, 'body.assigneeId'],
  ];
  for (const [label, url, body, field] of tooLong) {
    const problem = refused(t, await send(h, { url, body: json(body), actor: actors.chair }), label, 400);
    t.match(problem, { code: 'validation_failed', errors: [{ field }] }, `${label}: names ${field}`);
  }
});

t.test('out-of-range numbers are a 400 naming the field', async (t) => {
  const whistle = `/api/v1/cases/${a}/whistle`;
  const attach = `/api/v1/cases/${a}/attachments`;
  const file = { name: 'a.jpg', contentType: 'image/jpeg', sha256: 'ab'.repeat(32) };
  const minutes = [
    '0',
    '-1',
    '-0',
    '10081',
    '1.5',
    '1e308',
    '1e400',
    '"30"',
    '9007199254740993',
    'true',
    'null',
  ];
  for (const value of minutes) {
    const body = `{"departmentIds":["heating-co"],"reason":"吹哨","reportInMinutes":${value}}`;
    const problem = refused(t, await send(h, { url: whistle, body }), `reportInMinutes ${value}`, 400);
    t.match(problem, { code: 'validation_failed', errors: [{ field: 'body.reportInMinutes' }] });
  }
  for (const value of ['-1', '104857601', '2.5', '1e400', '"1"']) {
    const body = json(file).replace(/}$/, `,"size":${value}}`);
    const problem = refused(t, await send(h, { url: attach, body }), `size ${value}`, 400);
    t.match(problem, { code: 'validation_failed', errors: [{ field: 'body.size' }] });
  }
  for (const value of ['0', '1000001', '2.5', '"80"']) {
    const body = json(intakeBody()).replace(/}$/, `,"peopleInvolved":${value}}`);
    const problem = refused(
      t,
      await send(h, { url: '/api/v1/cases', body, actor: actors.gridWorker }),
      `people ${value}`,
    );
    t.match(problem, { code: 'validation_failed', errors: [{ field: 'body.peopleInvolved' }] });
  }
  for (const size of [0, 104_857_600]) {
    const sent = await send(h, { url: attach, body: json({ ...file, size }), actor: actors.gridWorker });
    t.equal(sent.res.statusCode, 201, `size ${size} is in range`);
    t.match(await lastEvent(h, a), { type: 'AttachmentAdded', data: { size } });
  }
});

const b64 = (value: unknown): string => Buffer.from(json(value)).toString('base64url');

/** A JWT made by hand, so that every part of it can be wrong. */
function jwt(header: Body, payload: Body, secret: string | null, hash = 'sha256'): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${secret === null ? '' : createHmac(hash, secret).update(input).digest('base64url')}`;
}

t.test('forged, expired, unsigned and wrongly signed tokens are a 401', async (t) => {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: 'chair-chen', role: 'chair', scope: 'community-sunrise', iat: now, exp: now + 600 };
  const hs256 = { alg: 'HS256', typ: 'JWT' };
  const good = jwt(hs256, claims, JWT_SECRET);
  const body = json({ text: '凭令牌写入' });
  const withAuthorization = (authorization: string | undefined) =>
    send(h, { url: notes, body, actor: null, headers: authorization === undefined ? {} : { authorization } });

  const accepted = await withAuthorization(`Bearer ${good}`);
  t.equal(accepted.res.statusCode, 201, 'a token made the same way, correctly signed, is accepted');
  t.equal((await withAuthorization(`bearer ${good}`)).res.statusCode, 201, 'the scheme is case-insensitive');
  const [header, payload] = good.split('.');
  const tampered = `${header}.${b64({ ...claims, role: 'supervisor', scope: 'district-1' })}.${good.split('.')[2]}`;

  const tokens: Record<string, string | undefined> = {
    'no Authorization header': undefined,
    'Bearer and nothing': 'Bearer ',
    'Basic credentials': `Basic ${Buffer.from('admin:admin').toString('base64')}`,
    'a token without its scheme': good,
    'three dots of nonsense': 'Bearer abc.def.ghi',
    'random bytes': `Bearer ${randomBytes(48).toString('base64url')}`,
    'a header and payload only': `Bearer ${header}.${payload}`,
    'alg none': `Bearer ${jwt({ alg: 'none', typ: 'JWT' }, claims, null)}`,
    'alg None with a signature': `Bearer ${jwt({ alg: 'None' }, claims, JWT_SECRET)}`,
    'alg NONE': `Bearer ${jwt({ alg: 'NONE' }, claims, null)}`,
    'signed with another secret': `Bearer ${jwt(hs256, claims, 'another-secret-that-is-at-least-32-characters')}`,
    'HS512 with the right secret': `Bearer ${jwt({ alg: 'HS512', typ: 'JWT' }, claims, JWT_SECRET, 'sha512')}`,
    'RS256 in the header, HMAC-signed': `Bearer ${jwt({ alg: 'RS256', typ: 'JWT' }, claims, JWT_SECRET)}`,
    'claims changed after signing': `Bearer ${tampered}`,
    expired: `Bearer ${jwt(hs256, { ...claims, iat: now - 7200, exp: now - 60 }, JWT_SECRET)}`,
    'not valid yet': `Bearer ${jwt(hs256, { ...claims, nbf: now + 3600 }, JWT_SECRET)}`,
    'exp that is not a number': `Bearer ${jwt(hs256, { ...claims, exp: 'tomorrow' }, JWT_SECRET)}`,
  };
  const claimsThatLie: Record<string, Body> = {
    'no subject': { role: 'chair', scope: 'community-sunrise' },
    'a 201-character subject': { sub: 'x'.repeat(201), role: 'chair', scope: 'community-sunrise' },
    'an unknown role': { sub: 'x', role: 'emperor', scope: 'community-sunrise' },
    'two roles': { sub: 'x', role: ['chair', 'admin'], scope: 'community-sunrise' },
    'the system role': { sub: 'x', role: 'system', scope: 'district-1' },
    'scope *': { sub: 'x', role: 'chair', scope: '*' },
    'a scope that is no org unit id': { sub: 'x', role: 'chair', scope: 'Community Sunrise' },
    'no scope': { sub: 'x', role: 'chair' },
    'a liaison without a dept': { sub: 'x', role: 'liaison', scope: 'district-1' },
    'a dept that is a number': { sub: 'x', role: 'liaison', scope: 'district-1', dept: 42 },
    'a dept that is an object': { sub: 'x', role: 'chair', scope: 'district-1', dept: { id: 'police-east' } },
  };
  for (const [label, lie] of Object.entries(claimsThatLie)) {
    tokens[label] = `Bearer ${jwt(hs256, { iat: now, exp: now + 600, ...lie }, JWT_SECRET)}`;
  }
  for (const [label, authorization] of Object.entries(tokens)) {
    const sent = await withAuthorization(authorization);
    refused(t, sent, label, 401, 'unauthorized');
    t.equal(sent.res.headers['www-authenticate'], 'Bearer', `${label}: WWW-Authenticate`);
  }
});

/** A valid body for every route, so that only the case makes the difference. */
const SAMPLES = commandBodies(a);
const PARAMS = COMMAND_PATH_PARAMS;

const routeOf = (path: string, caseId: string) =>
  `/api/v1/cases/${caseId}${path.replace(/:(\w+)/g, (_m, name: string) => PARAMS[name] ?? name)}`;

t.test("another community's case is a 404 on every route, as is a case that does not exist", async (t) => {
  t.same(
    COMMANDS.filter((entry) => entry.method === 'POST' && !(entry.name in SAMPLES)).map((e) => e.name),
    [],
    'a sample body for every route that takes one',
  );
  const callers: ReadonlyArray<[string, Actor]> = [
    ['the chair of Sunrise', actors.chair],
    ['a police liaison not summoned to it', liaison('police-east')],
    ['a resident who is no party to it', actors.otherResident],
  ];
  const ghost = '0190c0de-0000-7000-8000-000000000000';
  for (const entry of COMMANDS) {
    const sample = SAMPLES[entry.name];
    const body = sample === undefined ? {} : { body: json(sample) };
    for (const [who, actor] of callers) {
      const sent = await send(h, { method: entry.method, url: routeOf(entry.path, river), actor, ...body });
      refused(t, sent, `${entry.name} by ${who}`, 404, 'case_not_found');
    }
    const missing = await send(h, {
      method: entry.method,
      url: routeOf(entry.path, ghost),
      actor: actors.chair,
      ...body,
    });
    refused(t, missing, `${entry.name} on a case that does not exist`, 404, 'case_not_found');
  }
  const id = await send(h, { url: `/api/v1/cases/a%20b/notes`, body: json({ text: 'x' }) });
  t.match(refused(t, id, 'a case id with a space', 400), { errors: [{ field: 'params.id' }] });
  const dept = await send(h, { url: `/api/v1/cases/${a}/summons/police%00east/report-in`, body: '{}' });
  t.match(refused(t, dept, 'a department id with U+0000', 400), {
    errors: [{ field: 'params.departmentId' }],
  });
  // The router refuses these before any route runs; app.ts hands them to frameworkProblem.
  const routerRefusals: ReadonlyArray<[string, string, number]> = [
    ['an over-long case id', `/api/v1/cases/${'a'.repeat(150)}/notes`, 414],
    ['a broken percent-encoding', '/api/v1/cases/%E0%A4%A/notes', 400],
  ];
  for (const [label, url, status] of routerRefusals) {
    const sent = await send(h, { url, body: json({ text: 'x' }) });
    t.equal(sent.res.statusCode, status, `${label}: ${status}`);
    t.equal(sent.appended, 0, `${label}: nothing appended`);
    t.equal(sent.res.headers['content-type'], 'application/problem+json; charset=utf-8', label);
  }
});

t.test('bad headers and unknown routes are refused as problems', async (t) => {
  const body = json({ text: '记录' });
  for (const ifMatch of ['abc', '"1", "2"', '"-1"', 'W/"x"', '3']) {
    const sent = await send(h, { url: notes, body, headers: { 'if-match': ifMatch } });
    refused(t, sent, `If-Match ${ifMatch}`, 400, 'invalid_if_match');
  }
  const future = await send(h, { url: notes, body, headers: { 'if-match': '"999999999999999"' } });
  refused(t, future, 'If-Match of a revision never reached', 412, 'revision_mismatch');
  refused(t, await send(h, { url: notes, body, headers: { 'idempotency-key': '' } }), 'an empty key', 400);
  const longKey = { 'idempotency-key': 'k'.repeat(256) };
  refused(t, await send(h, { url: notes, body, headers: longKey }), 'a 256-character key', 400);
  const requestId = { 'x-request-id': 'r'.repeat(201) };
  refused(
    t,
    await send(h, { url: notes, body, headers: requestId }),
    'a 201-character request id',
    400,
    'invalid_request_id',
  );
  const unknown = [
    { url: `/api/v1/cases/${a}/explode` },
    { method: 'PUT' as const, url: `/api/v1/cases/${a}/accept` },
    { method: 'GET' as const, url: `/api/v1/cases/${a}/accept` },
    { url: `/api/v1/cases/${a}/summons/police-east` },
  ];
  for (const route of unknown) {
    const sent = await send(h, { ...route, ...(route.method === 'GET' ? {} : { body }) });
    refused(t, sent, `${route.method ?? 'POST'} ${route.url}`, 404, 'not_found');
  }
});

// Random bodies: some valid, most near-valid (each field valid, random JSON, or absent; now and then
// an extra key), some any JSON at all.
const surrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const oddSpace = fc.constantFrom(' ', '\u3000', '\u0000', '\t', '\u200b', '漏');
const someText = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ unit: surrogate, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.string({ unit: oddSpace, maxLength: 8 }) },
);
const mostly = <T, U>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<U>) =>
  fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: other });
const field = (valid: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 16, arbitrary: valid },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
const nearly = (fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc
    .tuple(
      fc.record(Object.fromEntries(Object.entries(fields).map(([key, valid]) => [key, field(valid)]))),
      fc.option(fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }), {
        freq: 8,
      }),
    )
    .map(([body, extra]) => ({ ...(extra ?? {}), ...body }));
const bodies = (fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.record(fields) },
    { weight: 4, arbitrary: nearly(fields) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  );

interface Fuzzed {
  readonly name: string;
  readonly actor: Actor;
  readonly bodies: fc.Arbitrary<unknown>;
  /** Where a body goes: a fresh case for a command that succeeds once per case. */
  readonly url: () => Promise<string>;
  /** For an accepted body: the event and the fields that must have been stored exactly. */
  readonly stored: (body: Body) => { type: string; data: Body };
}

/** A new case in grid-1, accepted. */
async function acceptedCase(): Promise<string> {
  const caseId = String((await created(h, actors.gridWorker, '/api/v1/cases', intakeBody())).caseId);
  await created(h, actors.mediator, `/api/v1/cases/${caseId}/accept`, { handlingMode: 'online' });
  return caseId;
}

const FUZZED: readonly Fuzzed[] = [
  {
    name: 'intake',
    url: async () => '/api/v1/cases',
    actor: actors.gridWorker,
    bodies: bodies({
      kind: fc.constantFrom('dispute', 'complaint', 'help'),
      category: fc.constantFrom('neighbour', '噪音'),
      title: someText,
      description: someText,
      channel: fc.constantFrom('walkIn', 'hotline'),
      location: fc.record({
        orgUnitId: mostly(fc.constant('grid-1'), fc.constantFrom('grid-2', 'community-river', 'nowhere')),
      }),
      parties: fc.array(
        fc.record({ role: fc.constant('complainant'), kind: fc.constant('person'), name: someText }),
        { minLength: 1, maxLength: 3 },
      ),
      urgency: fc.constantFrom('emergency', 'normal'),
      peopleInvolved: mostly(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: -5, max: 2_000_000 })),
    }),
    stored: (body) => ({ type: 'CaseSubmitted', data: { title: body.title, description: body.description } }),
  },
  {
    name: 'notes',
    url: async () => notes,
    actor: actors.gridWorker,
    bodies: bodies({ text: someText }),
    stored: (body) => ({ type: 'NoteAdded', data: { text: body.text } }),
  },
  {
    name: 'whistle',
    url: async () => `/api/v1/cases/${await acceptedCase()}/whistle`,
    actor: actors.mediator,
    bodies: bodies({
      departmentIds: mostly(
        fc.uniqueArray(fc.constantFrom('heating-co', 'court-1', 'police-east'), { minLength: 1 }),
        fc.array(fc.constantFrom('heating-co', 'nobody', 'Police East'), { maxLength: 3 }),
      ),
      reason: someText,
      reportInMinutes: mostly(fc.integer({ min: 1, max: 10_080 }), fc.oneof(fc.integer(), fc.double())),
    }),
    stored: (body) => ({ type: 'DepartmentsSummoned', data: { reason: body.reason } }),
  },
  {
    name: 'attachments',
    url: async () => `/api/v1/cases/${a}/attachments`,
    actor: actors.gridWorker,
    bodies: bodies({
      name: someText,
      contentType: mostly(fc.constantFrom('image/jpeg', 'application/pdf'), fc.constantFrom('jpeg', 'a/b c')),
      sha256: mostly(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string({ maxLength: 70 })),
      size: mostly(fc.integer({ min: 0, max: 104_857_600 }), fc.oneof(fc.integer(), fc.double())),
    }),
    stored: (body) => ({
      type: 'AttachmentAdded',
      data: { name: body.name, sha256: body.sha256, size: body.size },
    }),
  },
];

/** Throws (for fast-check to shrink) unless the answer keeps the promise of this file. */
async function check(route: Fuzzed, body: unknown, sent: Sent): Promise<'accepted' | 'refused'> {
  const { statusCode } = sent.res;
  if (statusCode >= 500) throw new Error(`${statusCode} for ${json(body)}: ${sent.res.body}`);
  if (statusCode >= 400) {
    const problem = sent.res.json() as Body;
    if (sent.res.headers['content-type'] !== 'application/problem+json; charset=utf-8' || !problem.code)
      throw new Error(`not a problem: ${sent.res.body}`);
    if (sent.appended !== 0) throw new Error(`${sent.appended} events appended by a ${statusCode}`);
    return 'refused';
  }
  const answer = sent.res.json() as Body;
  const event = await lastEvent(h, String(answer.caseId));
  const expected = route.stored(body as Body);
  if (!event || sent.appended < 1 || event.revision !== answer.revision || event.type !== expected.type)
    throw new Error(`accepted but not stored: ${json(body)}`);
  for (const [key, value] of Object.entries(expected.data)) {
    if (event.data[key] !== value)
      throw new Error(`${key} stored as ${json(event.data[key])}, sent ${json(value)}`);
  }
  return 'accepted';
}

t.test(
  'random bodies: a refusal is a problem that appends nothing; an acceptance is stored exactly',
  async (t) => {
    for (const route of FUZZED) {
      const seen = { accepted: 0, refused: 0 };
      await fc.assert(
        fc.asyncProperty(route.bodies, async (body) => {
          const url = await route.url();
          const sent = await send(h, { url, body: json(body), actor: route.actor });
          seen[await check(route, body, sent)] += 1;
        }),
        { numRuns: 100 },
      );
      const tried = seen.accepted + seen.refused;
      t.comment(
        `${route.name}: tried ${tried} random bodies, ${seen.accepted} accepted, ${seen.refused} refused`,
      );
      t.ok(tried >= 100, `${route.name}: ${tried} bodies tried`);
      t.ok(seen.accepted > 0 && seen.refused > 0, `${route.name}: both accepted and refused bodies`);
    }
  },
);
