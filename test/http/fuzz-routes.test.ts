// Property-based fuzzing of every HTTP route (DESIGN.md §8): whatever arrives in the path, the query,
// the headers or the body — wrong types, huge strings, deep nesting, broken JSON, other media types,
// oversized bodies, prototype-pollution keys, Unicode edge cases, forged, expired or unsigned tokens,
// another community's cases — the answer is never a 5xx; a refusal is a 4xx application/problem+json
// with a stable code and appends nothing to the log; a read never writes.
//
// The routes come from the router itself and their parameters and schemas from the OpenAPI document
// (test/support/route-catalog.ts), so a new route fails the first test until it has a sample request
// here. Per route:
//   refused  — the sample request spoiled in one to three ways, each enough to refuse it; alone, each
//              spoiler must give its own status and code (a bad token 401, another community's case
//              404, a body over the limit 413, …);
//   shaped   — every part of an allowed shape but with hostile content, so that it reaches the handler;
//   anything — the sample with random parts replaced, or random altogether.
// and across routes, every kind of bad token. A failure prints the seed and the path that replay it.
// FUZZ_SEED=<n> tries another seed; FUZZ_SCALE=<k> runs k times the cases (about 30 s each; raise tap's
// 120 s limit for k > 2: FUZZ_SCALE=3 npx tap --timeout=600 test/http/fuzz-routes.test.ts).
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import t, { type Test } from 'tap';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { Actor } from '../../src/commands/actor.js';
import { COMMANDS } from '../../src/http/command-table.js';
import { actors, liaison } from '../support/case-fixtures.js';
import { COMMAND_PATH_PARAMS, commandBodies } from '../support/command-samples.js';
import { badAuthorization } from '../support/hostile-tokens.js';
import { httpHarness } from '../support/http-fixtures.js';
import {
  catalogOf,
  type Family,
  operationsOf,
  paramNames,
  type Route,
  routesOf,
  type Sample,
} from '../support/route-catalog.js';
import {
  baseDraft,
  type Draft,
  perturbedDraft,
  randomDraft,
  shapedDraft,
  urlOf,
} from '../support/route-drafts.js';
import { refusedDraft, type SpoilerWorld, spoilersOf } from '../support/route-spoilers.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20260302);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
/** Cases per route and property: about 15,000 requests, half a minute on two cores. */
const RUNS = Math.max(1, Math.round(100 * SCALE));

type Body = Record<string, unknown>;
const riverChair: Actor = { id: 'chair-river', role: 'chair', scope: 'community-river' };

// Given: case `a` in grid-1 (Sunrise), accepted and waiting for the police; case `river` in another
// community, which no one of Sunrise may see; and a seal.
const h = await httpHarness(t, { rateLimitPerMinute: 1_000_000_000 });
await h.app.ready();

async function created(actor: Actor, url: string, payload: Body): Promise<Body> {
  const res = await h.as(actor, { method: 'POST', url, payload });
  if (res.statusCode >= 300) throw new Error(`given ${url}: ${res.statusCode} ${res.body}`);
  return res.json() as Body;
}
const intakeBody = (orgUnitId: string): Body => ({
  kind: 'dispute',
  category: 'neighbour',
  title: '楼上漏水纠纷',
  description: '楼上住户装修后卫生间漏水，楼下天花板受损。',
  channel: 'buildingHead',
  location: { orgUnitId, address: '朝阳小区3号楼' },
  parties: [
    { role: 'complainant', kind: 'person', name: '张伟', phone: '13812345678', userId: 'resident-zhang' },
    { role: 'respondent', kind: 'person', name: '李娜' },
  ],
  urgency: 'normal',
});
const a = String((await created(actors.gridWorker, '/api/v1/cases', intakeBody('grid-1'))).caseId);
await created(actors.mediator, `/api/v1/cases/${a}/accept`, { handlingMode: 'onSite' });
await created(actors.mediator, `/api/v1/cases/${a}/whistle`, {
  departmentIds: ['police-east'],
  reason: '需到场',
});
const river = String((await created(riverChair, '/api/v1/cases', intakeBody('community-river'))).caseId);
const seal = String((await created(actors.auditor, '/api/v1/audit/seals', {})).sealId);
const GHOST = '0190c0de-0000-7000-8000-000000000000';

// ---------------------------------------------------------------------------------------------------
// The catalog: for every route, a request it accepts, and what kind of route it is.

const COMMAND_BODIES = commandBodies(GHOST);
const COMMAND_PARAMS: Readonly<Record<string, string>> = { id: a, ...COMMAND_PATH_PARAMS };
const caseNotFound = { param: 'id', code: 'case_not_found' } as const;

/** The department's own liaison answers a summons; the chair of Sunrise does everything else. */
const LIAISON_COMMANDS = ['reportIn', 'respond', 'decline', 'decideJudicialConfirmation'];

const SAMPLES = new Map<string, Sample>([
  ...COMMANDS.map((entry): [string, Sample] => [
    `${entry.method} /api/v1/cases/:id${entry.path}`,
    {
      family: 'case commands',
      actor: LIAISON_COMMANDS.includes(entry.name) ? liaison('police-east') : actors.chair,
      params: Object.fromEntries(paramNames(`:id${entry.path}`).map((n) => [n, COMMAND_PARAMS[n] ?? n])),
      ...(entry.method === 'POST' ? { body: COMMAND_BODIES[entry.name] } : {}),
      records: true,
      unknown: caseNotFound,
      caseScoped: true,
    },
  ]),
  [
    'POST /api/v1/cases',
    { family: 'case commands', actor: actors.gridWorker, body: intakeBody('grid-1'), records: true },
  ],
  ['GET /api/v1/cases', { family: 'queries', actor: actors.chair }],
  [
    'GET /api/v1/cases/:id',
    { family: 'queries', actor: actors.chair, params: { id: a }, unknown: caseNotFound, caseScoped: true },
  ],
  [
    'GET /api/v1/departments/:id/summons',
    {
      family: 'queries',
      actor: actors.mediator,
      params: { id: 'police-east' },
      unknown: { param: 'id', code: 'department_not_found' },
    },
  ],
  ['GET /api/v1/stats', { family: 'queries', actor: actors.chair }],
  ['GET /api/v1/org-units', { family: 'directory', actor: actors.chair }],
  ['GET /api/v1/departments', { family: 'directory', actor: actors.chair }],
  [
    'POST /api/v1/org-units',
    {
      family: 'directory',
      actor: actors.admin,
      body: {
        id: 'grid-9',
        name: '第九网格',
        kind: 'grid',
        parentId: 'community-sunrise',
        gridType: 'dedicated',
      },
      records: true,
    },
  ],
  [
    'POST /api/v1/departments',
    {
      family: 'directory',
      actor: actors.admin,
      body: { id: 'legal-aid-9', name: '法律援助中心', kind: 'legalAid', orgUnitId: 'district-1' },
      records: true,
    },
  ],
  [
    'GET /api/v1/cases/:id/history',
    { family: 'audit', actor: actors.chair, params: { id: a }, unknown: caseNotFound, caseScoped: true },
  ],
  [
    'GET /api/v1/cases/:id/verify',
    { family: 'audit', actor: actors.chair, params: { id: a }, unknown: caseNotFound, caseScoped: true },
  ],
  ['GET /api/v1/audit/verify', { family: 'audit', actor: actors.auditor }],
  [
    'POST /api/v1/audit/seals',
    // Every seal verifies the whole log and keeps a leaf per stream, and every read of seals reads
    // them all: a fifth of the cases keeps the file's time in bounds.
    { family: 'audit', actor: actors.auditor, records: true, share: 0.2 },
  ],
  ['GET /api/v1/audit/seals', { family: 'audit', actor: actors.auditor }],
  [
    'GET /api/v1/audit/seals/:sealId',
    {
      family: 'audit',
      actor: actors.auditor,
      params: { sealId: seal },
      unknown: { param: 'sealId', code: 'seal_not_found' },
    },
  ],
  [
    'GET /api/v1/cases/:id/parties',
    {
      family: 'personal data',
      actor: actors.chair,
      params: { id: a },
      unknown: caseNotFound,
      caseScoped: true,
    },
  ],
  ['GET /api/v1/audit/reveals', { family: 'personal data', actor: actors.auditor }],
  [
    'POST /api/v1/persons/:id/erase',
    {
      family: 'personal data',
      actor: actors.admin,
      params: { id: 'person-nobody' },
      records: true,
      unknown: { param: 'id', code: 'person_not_found' },
    },
  ],
  ['GET /api/v1/events/stream', { family: 'events', actor: actors.chair, holdsOpen: true }],
  // Outside /api/v1 nothing takes a token, a body or a parameter: only the "anything" property runs,
  // and the documents (built anew each time) with half the cases. The static files under /docs/* get
  // all of them: their path is the one input here, and a way out of the folder would be a leak.
  ['GET /health', { family: 'outside' }],
  ['GET /ready', { family: 'outside' }],
  ['GET /openapi.json', { family: 'outside', share: 0.5 }],
  ['GET /docs', { family: 'outside', share: 0.5 }],
  ['GET /docs/', { family: 'outside', share: 0.5 }],
  ['GET /docs/json', { family: 'outside', share: 0.5 }],
  ['GET /docs/yaml', { family: 'outside', share: 0.5 }],
  ['GET /docs/static/index.html', { family: 'outside', share: 0.5 }],
  ['GET /docs/static/swagger-initializer.js', { family: 'outside', share: 0.5 }],
  ['GET /docs/*', { family: 'outside', params: { '*': 'static/swagger-ui.css' } }],
]);

const ROUTES = catalogOf(h.app, SAMPLES);
const routeAt = (method: string, path: string): Route | undefined =>
  ROUTES.find((route) => route.key === `${method === 'HEAD' ? 'GET' : method} ${path}`);

// ---------------------------------------------------------------------------------------------------
// Requests: a draft, spoiled or randomised, then sent.

const WORLD: SpoilerWorld = {
  token: (actor) => h.token(actor),
  callers: [
    actors.chair,
    actors.resident,
    actors.otherResident,
    actors.gridWorker,
    actors.mediator,
    actors.streetSupervisor,
    actors.districtSupervisor,
    actors.auditor,
    actors.admin,
    liaison('police-east'),
    liaison('court-1'),
    riverChair,
  ],
  ids: [a, river, GHOST, 'police-east', 'court-1', 'lawyer-wu'],
  otherCommunityCase: river,
  outsiders: [actors.chair, actors.streetSupervisor],
  existing: [a, river, seal, 'police-east', 'court-1', 'heating-co'],
  bodyLimit: 1024 * 1024,
};

interface Sent {
  readonly res: LightMyRequestResponse;
  readonly appended: number;
  readonly url: string;
}

/** No request may hang: a server-sent event stream opened by mistake fails the property instead. */
const ANSWER_WITHIN_MS = 10_000;

async function send(route: Route, draft: Draft): Promise<Sent> {
  const url = urlOf(route, draft);
  const headers: Record<string, string> = { ...draft.headers };
  if (draft.authorization !== undefined) headers.authorization = draft.authorization;
  if (draft.contentType !== undefined) headers['content-type'] = draft.contentType;
  const options: InjectOptions = {
    method: draft.method as InjectOptions['method'],
    url,
    headers,
    ...(draft.body === undefined ? {} : { payload: draft.body }),
  };
  // A request that reaches a server crosses the event loop; app.inject over a synchronous store need
  // not, and a long run of such requests starves the loop, which @fastify/under-pressure then reads as
  // an overload (503). Letting the loop turn once per request keeps the fuzzer honest about that.
  await new Promise((resolve) => setImmediate(resolve));
  const before = (await h.service.store.headPosition()) ?? 0;
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_WITHIN_MS} ms`)), ANSWER_WITHIN_MS);
  });
  try {
    const res = await Promise.race([h.app.inject(options), hung]);
    const after = (await h.service.store.headPosition()) ?? 0;
    return { res, appended: after - before, url };
  } finally {
    clearTimeout(timer);
  }
}

/** The sample with random parts, or random altogether; for the event stream, only what it refuses. */
function anyDraft(route: Route): fc.Arbitrary<Draft> {
  if (route.sample.holdsOpen) return refusedDraft(route, WORLD).map(([draft]) => draft);
  return fc.oneof(
    { weight: 2, arbitrary: perturbedDraft(route, WORLD) },
    { weight: 1, arbitrary: randomDraft(route, WORLD) },
  );
}

// ---------------------------------------------------------------------------------------------------
// What every answer must keep.

const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';
const describe = (sent: Sent, draft: Draft) =>
  `${draft.method} ${sent.url.slice(0, 300)} → ${sent.res.statusCode} ${sent.res.body.slice(0, 300)}`;

/** The promises of every answer; throws (for fast-check to shrink) when one is broken. */
function judge(sent: Sent, draft: Draft): void {
  const { res, appended } = sent;
  if (res.statusCode >= 500) throw new Error(`a ${res.statusCode}: ${describe(sent, draft)}`);
  if (res.statusCode >= 400) {
    if (res.headers['content-type'] !== PROBLEM_TYPE)
      throw new Error(
        `a ${res.statusCode} that is not problem+json (${res.headers['content-type']}): ${describe(sent, draft)}`,
      );
    if (draft.method === 'HEAD') {
      if (appended !== 0)
        throw new Error(`${appended} events appended by a refusal: ${describe(sent, draft)}`);
      return;
    }
    const problem = res.json() as Body;
    if (
      typeof problem.code !== 'string' ||
      !/^[a-z]+(_[a-z]+)*$/.test(problem.code) ||
      problem.status !== res.statusCode
    )
      throw new Error(`a problem without a stable code or its status: ${describe(sent, draft)}`);
    if (appended !== 0) throw new Error(`${appended} events appended by a refusal: ${describe(sent, draft)}`);
  }
}

/** Text of files a static route must never serve: the repository's package.json, /etc/passwd. */
const LEAKED = /"name": "casetrail"|root:x:0:0:|"allowScripts"/;

/** What an accepted request may have done: a read writes nothing (but a recorded reveal), a write matches its schema. */
function judgeAccepted(route: Route, sent: Sent, draft: Draft): void {
  if (sent.res.statusCode >= 400) return;
  const hit = routeAt(draft.method, route.op.path);
  if (!hit)
    throw new Error(`answered ${sent.res.statusCode} by no route of the catalog: ${describe(sent, draft)}`);
  if (hit.key === 'GET /docs/*' && LEAKED.test(sent.res.body))
    throw new Error(`a file from outside the static folder: ${describe(sent, draft)}`);
  if (hit.op.method === 'GET') {
    const parties = hit.key === 'GET /api/v1/cases/:id/parties';
    const revealed = parties && (draft.method === 'HEAD' || (sent.res.json() as Body).revealed === true);
    if (sent.appended > (revealed ? 1 : 0))
      throw new Error(`a read appended ${sent.appended} events: ${describe(sent, draft)}`);
    return;
  }
  if (hit.op.body && sent.res.statusCode < 300) {
    let body: unknown;
    try {
      body = JSON.parse(draft.body ?? '');
    } catch {
      throw new Error(`accepted a body that is not JSON: ${describe(sent, draft)}`);
    }
    if (!Value.Check(hit.op.body as TSchema, body))
      throw new Error(
        `accepted a body its schema refuses: ${describe(sent, draft)} for ${draft.body?.slice(0, 300)}`,
      );
  }
}

// ---------------------------------------------------------------------------------------------------
// The tests.

const tried = new Map<string, number>();
const count = (family: Family, property: string) => {
  const key = `${family} / ${property}`;
  tried.set(key, (tried.get(key) ?? 0) + 1);
};

/** Runs a property for a route; a failure names the route, what broke, and the seed and path to replay it. */
async function holdsFor<T>(
  t: Test,
  label: string,
  property: fc.IAsyncProperty<[T]>,
  numRuns: number,
): Promise<void> {
  const details = await fc.check(property, { numRuns, seed: SEED });
  if (!details.failed) {
    t.pass(`${label}: ${details.numRuns} cases`);
    return;
  }
  const error =
    details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  t.fail(`${label}: ${error}`, {
    seed: details.seed,
    path: details.counterexamplePath,
    shrunk: details.numShrinks,
  });
}

const runsFor = (route: Route, times = 1): number =>
  Math.max(1, Math.round(RUNS * times * (route.sample.share ?? 1)));

const outcomes = new Map<Family, { accepted: number; refused: number }>();
function tally(family: Family, sent: Sent): void {
  const seen = outcomes.get(family) ?? { accepted: 0, refused: 0 };
  if (sent.res.statusCode >= 400) seen.refused += 1;
  else seen.accepted += 1;
  outcomes.set(family, seen);
}

/** The own properties of the built-in prototypes a polluted merge would write to. */
const prototypes = () =>
  [Object.prototype, Array.prototype, Function.prototype, String.prototype].map((proto) =>
    Object.getOwnPropertyNames(proto).sort(),
  );
const prototypesBefore = prototypes();

t.test('the fuzzer knows every route the router answers', async (t) => {
  const routes = routesOf(h.app);
  const operations = operationsOf(h.app);
  t.ok(routes.length >= 40, `the router answers ${routes.length} routes`);
  t.same(
    routes.filter((key) => !SAMPLES.has(key)),
    [],
    'every route has a sample request here',
  );
  t.same(
    [...SAMPLES.keys()].filter((key) => !routes.includes(key)),
    [],
    'every sample names a route',
  );
  t.same(
    ROUTES.filter((route) => route.sample.family !== 'outside' && !operations.has(route.key)).map(
      (r) => r.key,
    ),
    [],
    'every route of /api/v1 is in the OpenAPI document, where the fuzzer reads its parameters and schemas',
  );
  t.same(
    COMMANDS.filter((entry) => entry.method === 'POST' && !(entry.name in COMMAND_BODIES)).map((e) => e.name),
    [],
    'a body for every command',
  );
  for (const route of ROUTES) {
    if (route.sample.body === undefined || !route.op.body) continue;
    t.ok(Value.Check(route.op.body as TSchema, route.sample.body), `${route.key}: the sample body is valid`);
  }
});

t.test('every sample read is answered, so that a spoiled one is refused for its spoiler', async (t) => {
  for (const route of ROUTES) {
    if (route.sample.holdsOpen || route.op.method !== 'GET') continue;
    const sent = await send(route, baseDraft(route, WORLD));
    t.ok(sent.res.statusCode >= 200 && sent.res.statusCode < 400, `${route.key}: ${sent.res.statusCode}`);
    t.equal(sent.appended, 0, `${route.key}: nothing appended`);
  }
});

t.test('refused: a valid request spoiled in any way is a 4xx problem that appends nothing', async (t) => {
  for (const route of ROUTES) {
    if (spoilersOf(route, WORLD).length === 0) continue;
    const property = fc.asyncProperty(refusedDraft(route, WORLD), async ([draft, applied]) => {
      count(route.sample.family, 'refused');
      const sent = await send(route, draft);
      tally(route.sample.family, sent);
      judge(sent, draft);
      const labels = applied.map((s) => s.label).join('; ');
      if (sent.res.statusCode < 400) throw new Error(`not refused (${labels}): ${describe(sent, draft)}`);
      const alone = applied.length === 1 ? applied[0] : undefined;
      const code = String((sent.res.json() as Body).code);
      if (alone && (sent.res.statusCode !== alone.expect.status || !alone.expect.codes.includes(code)))
        throw new Error(
          `${alone.label}: expected ${alone.expect.status} ${alone.expect.codes.join(' or ')}, got ${describe(sent, draft)}`,
        );
      if (sent.res.statusCode === 401 && sent.res.headers['www-authenticate'] !== 'Bearer')
        throw new Error(`a 401 without WWW-Authenticate: Bearer (${labels})`);
    });
    await holdsFor(t, `${route.key}: spoiled requests refused`, property, runsFor(route));
  }
});

t.test('shaped: allowed shapes with hostile content reach the handlers, and never a 5xx', async (t) => {
  for (const route of ROUTES) {
    // Outside /api/v1 nothing takes input; a well-formed request to the event stream holds it open.
    if (route.sample.family === 'outside' || route.sample.holdsOpen) continue;
    const property = fc.asyncProperty(shapedDraft(route, WORLD), async (draft) => {
      count(route.sample.family, 'shaped');
      const sent = await send(route, draft);
      tally(route.sample.family, sent);
      judge(sent, draft);
      judgeAccepted(route, sent, draft);
    });
    // Query parameters multiply the shapes to try: such a route gets twice the cases.
    const runs = runsFor(route, Object.keys(route.op.query).length > 0 ? 2 : 1);
    await holdsFor(t, `${route.key}: well-shaped requests`, property, runs);
  }
});

t.test('anything: never a 5xx, a refusal appends nothing, a read writes nothing', async (t) => {
  for (const route of ROUTES) {
    const property = fc.asyncProperty(anyDraft(route), async (draft) => {
      count(route.sample.family, 'anything');
      const sent = await send(route, draft);
      tally(route.sample.family, sent);
      judge(sent, draft);
      judgeAccepted(route, sent, draft);
    });
    await holdsFor(t, `${route.key}: random requests`, property, runsFor(route));
  }
});

t.test('tokens: every kind of bad token is a 401 on every route that takes one', async (t) => {
  const signedIn = ROUTES.filter((route) => route.sample.actor !== undefined);
  const cases = fc
    .constantFrom(...signedIn)
    .chain((route) => badAuthorization(route.sample.actor ?? actors.chair).map((bad) => ({ route, bad })));
  const property = fc.asyncProperty(cases, async ({ route, bad }) => {
    count(route.sample.family, 'tokens');
    const { authorization: _a, ...rest } = baseDraft(route, WORLD);
    const draft = bad.value === undefined ? rest : { ...rest, authorization: bad.value };
    const sent = await send(route, draft);
    tally(route.sample.family, sent);
    judge(sent, draft);
    const { code } = sent.res.json() as Body;
    if (
      sent.res.statusCode !== 401 ||
      code !== 'unauthorized' ||
      sent.res.headers['www-authenticate'] !== 'Bearer'
    )
      throw new Error(`${bad.label}: expected 401 unauthorized, got ${describe(sent, draft)}`);
  });
  await holdsFor(t, `bad tokens on ${signedIn.length} routes`, property, RUNS * 10);
});

t.test('afterwards: no prototype polluted, the log intact, and the service answers as before', async (t) => {
  t.same(prototypes(), prototypesBefore, 'the built-in prototypes have no new properties');
  const probe = {} as Body;
  t.equal(probe.polluted, undefined, '({}).polluted is undefined');
  t.equal(probe.isAdmin, undefined, '({}).isAdmin is undefined');

  const caseId = String((await created(actors.gridWorker, '/api/v1/cases', intakeBody('grid-1'))).caseId);
  const note = await created(actors.gridWorker, `/api/v1/cases/${caseId}/notes`, { text: '回访：双方满意' });
  const read = await h.as(actors.chair, {
    method: 'GET',
    url: `/api/v1/cases/${caseId}?position=${note.position}`,
  });
  t.equal(read.statusCode, 200, 'a new case reads back');
  t.match(read.json(), { caseId, status: 'submitted', revision: note.revision, title: '楼上漏水纠纷' });
  const list = await h.as(actors.chair, {
    method: 'GET',
    url: `/api/v1/cases?position=${note.position}&limit=100`,
  });
  t.ok(
    (list.json() as { items: Body[] }).items.some((item) => item.caseId === caseId),
    'the case list shows it',
  );
  const verify = await h.as(actors.auditor, { method: 'GET', url: '/api/v1/audit/verify' });
  const summary = JSON.parse(verify.body.trim().split('\n').at(-1) ?? '{}') as Body;
  t.match(
    summary,
    { type: 'summary', intact: true, breaks: [] },
    `the log verifies: ${summary.events} events`,
  );

  const total = [...tried.values()].reduce((sum, n) => sum + n, 0);
  t.comment(`${total} requests over ${ROUTES.length} routes (seed ${SEED}, ${RUNS} per route and property)`);
  for (const [family, seen] of outcomes) {
    const properties = [...tried]
      .filter(([key]) => key.startsWith(`${family} / `))
      .map(([key, n]) => `${key.slice(family.length + 3)} ${n}`);
    t.comment(`${family}: ${properties.join(', ')}; ${seen.accepted} accepted, ${seen.refused} refused`);
  }
});
