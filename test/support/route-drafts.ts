// Requests for fuzzing a route, as drafts: the route's sample request; the sample with some of its
// parts replaced at random, or a request random altogether; and a request every part of which has an
// allowed shape but hostile content. The world (tokens, callers, ids) comes from the test.
import fc from 'fast-check';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { Actor } from '../../src/commands/actor.js';
import { badAuthorization } from './hostile-tokens.js';
import {
  anyText,
  deep,
  encodeLoose,
  headerText,
  NOT_JSON_TYPES,
  ODD_KEYS,
  serialize,
  shaped,
  shapedValue,
  spoiledObject,
  wire,
  withKey,
} from './hostile-values.js';
import { type JsonSchema, paramNames, type Route } from './route-catalog.js';

type Body = Record<string, unknown>;
const json = (value: unknown): string => JSON.stringify(value);

/** What the requests are made of, from the test's own world. */
export interface World {
  /** A good bearer token for the actor. */
  token(actor: Actor): string;
  /** Callers with good tokens, of every role and several scopes; the first is the default. */
  readonly callers: readonly [Actor, ...Actor[]];
  /** Ids worth trying in any path parameter: ones that exist, another community's case, an unknown one. */
  readonly ids: readonly string[];
}

export interface Draft {
  readonly method: string;
  /** Path parameters, already percent-encoded (or deliberately not). */
  readonly params: Readonly<Record<string, string>>;
  /** `key=value` pairs, already encoded. */
  readonly query: readonly string[];
  /** The Authorization header; undefined sends none. */
  readonly authorization?: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Sent as is. */
  readonly body?: string;
  /** undefined sends none. */
  readonly contentType?: string;
}

export function urlOf(route: Route, draft: Draft): string {
  const path = route.op.path.replace(/:(\w+)|\*/g, (_m, name?: string) => draft.params[name ?? '*'] ?? '');
  return draft.query.length === 0 ? path : `${path}?${draft.query.join('&')}`;
}

export function baseDraft(route: Route, world: World): Draft {
  const { sample } = route;
  const params = Object.fromEntries(
    Object.entries(sample.params ?? {}).map(([name, value]) => [
      name,
      name === '*' ? value : encodeLoose(value),
    ]),
  );
  const body =
    route.op.method === 'GET' || sample.body === undefined ? undefined : JSON.stringify(sample.body);
  return {
    method: route.op.method,
    params,
    query: [],
    headers: {},
    ...(sample.actor ? { authorization: `Bearer ${world.token(sample.actor)}` } : {}),
    ...(body === undefined ? {} : { body, contentType: 'application/json' }),
  };
}

/** A good token of anyone, the sample's own, or a bad one. */
export const anyAuthorization = (route: Route, world: World): fc.Arbitrary<string | undefined> =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom(...world.callers).map((actor) => `Bearer ${world.token(actor)}`),
    },
    {
      weight: 2,
      arbitrary: fc.constant(route.sample.actor ? baseDraft(route, world).authorization : undefined),
    },
    {
      weight: 2,
      arbitrary: badAuthorization(route.sample.actor ?? world.callers[0]).map((bad) => bad.value),
    },
  );

const JUNK_PARAMS = ['%', '%zz', '%ED%A0%80', '%00', '%2e%2e', '..', '%2F', '%C0%AF', '+', '%20'];
function anyParam(name: string, sampleValue: string, world: World): fc.Arbitrary<string> {
  if (name === '*')
    return fc.oneof(
      fc.constantFrom(
        'static/swagger-ui.css',
        'static/index.css',
        'static/favicon-32x32.png',
        'index.css',
        '',
      ),
      // Out of the static folder: up to the repository (package.json) or the root (/etc/passwd).
      fc
        .tuple(
          fc.integer({ min: 1, max: 8 }),
          fc.constantFrom(
            '../',
            '..%2f',
            '..%2F',
            '%2e%2e/',
            '%2e%2e%2f',
            '....//',
            '..\\',
            '..%5c',
            '.%2e/',
          ),
          fc.constantFrom('package.json', 'etc/passwd', '.env', 'src/cli.ts', 'data/jwt-secret'),
          fc.constantFrom('', 'static/'),
        )
        .map(([depth, up, target, start]) => `${start}${up.repeat(depth)}${target}`),
      fc
        .array(anyText.filter((s) => s.length < 200).map(encodeLoose), { minLength: 1, maxLength: 4 })
        .map((parts) => parts.join('/')),
    );
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(sampleValue, ...world.ids).map(encodeLoose),
    },
    { weight: 3, arbitrary: anyText.filter((s) => s.length > 0 && s.length < 300).map(encodeLoose) },
    { weight: 1, arbitrary: fc.constantFrom(...JUNK_PARAMS) },
  );
}

function anyQueryPair(route: Route): fc.Arbitrary<string> {
  const known = Object.entries(route.op.query);
  const value = (schema: JsonSchema | undefined) =>
    fc.oneof(
      { weight: 3, arbitrary: shaped(schema ?? {}) },
      { weight: 2, arbitrary: anyText.filter((s) => s.length < 5000) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('', '0', '1', '-1', 'true', '2026-03-02T09:00:00+08:00', '1e3'),
      },
    );
  const pair = (key: string, schema?: JsonSchema) =>
    value(schema)
      // A well-formed position ahead of the log waits 2 s and answers 503 projection_timeout, as
      // documented; the fuzzer only asks for positions the log has reached.
      .map((v) => (key === 'position' && /^[0-9]+$/.test(v) && Number(v) > 10 ? '10' : v))
      .map((v) => `${encodeLoose(key)}=${encodeLoose(v)}`);
  return fc.oneof(
    ...(known.length > 0
      ? [{ weight: 4, arbitrary: fc.constantFrom(...known).chain(([key, schema]) => pair(key, schema)) }]
      : []),
    {
      weight: 1,
      arbitrary: fc
        .oneof(fc.constantFrom(...ODD_KEYS), fc.string({ maxLength: 10 }))
        .chain((key) => pair(key)),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '&',
        '=',
        '==',
        '&=&',
        'a',
        '%',
        '%zz=1',
        'a=%ED%A0%80',
        '%00=%00',
        'a[b]=1',
        'a=1;b=2',
      ),
    },
  );
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/json;',
  'application/json; boundary=x; charset=utf-8',
  ' application/json',
  'application/json, text/plain',
  ...NOT_JSON_TYPES,
];
const HEADER_NAMES = [
  'if-match',
  'idempotency-key',
  'x-request-id',
  'accept',
  'accept-encoding',
  'content-encoding',
  'last-event-id',
  'origin',
  'cookie',
  'x-forwarded-for',
  'expect',
  'range',
  'if-none-match',
];
function anyHeaders(route: Route): fc.Arbitrary<Record<string, string>> {
  const value = fc.oneof(
    headerText(80).map(wire),
    fc.constantFrom(
      '"1"',
      '*',
      'W/"2"',
      '"999999999999999"',
      'gzip',
      'br',
      '100-continue',
      'bytes=0-1',
      '*/*',
      'text/event-stream',
      '0',
      '99999',
    ),
    fc.integer({ min: 256, max: 3000 }).map((n) => 'k'.repeat(n)),
  );
  const names = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...HEADER_NAMES) },
    { weight: 1, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/) },
  );
  return fc.dictionary(names, value, { maxKeys: 4 }).map((headers) => {
    // The stream route must not be opened: any Last-Event-ID it gets from here is one it refuses.
    if (route.sample.holdsOpen && headers['last-event-id'] !== undefined) headers['last-event-id'] = 'x';
    return headers;
  });
}

function anyBody(route: Route): fc.Arbitrary<string | undefined> {
  const sample = route.sample.body;
  const near = (
    sample !== undefined && typeof sample === 'object' && route.op.body
      ? fc.oneof(
          spoiledObject(route.op.body, sample as Body).map((spoiled) => serialize(spoiled.value)),
          fc
            .tuple(
              fc.constantFrom(...Object.keys(sample as Body)),
              fc.oneof(fc.jsonValue({ maxDepth: 3 }), anyText),
            )
            .map(([key, value]) => json(withKey(sample as Body, key, value))),
          fc.constant(json(sample)),
        )
      : fc.constant('{}')
  ) as fc.Arbitrary<string | undefined>;
  return fc.oneof(
    { weight: 4, arbitrary: near },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 5 }).map((value) => json(value)) },
    {
      weight: 1,
      arbitrary: fc
        .object({ key: fc.oneof(fc.constantFrom(...ODD_KEYS), fc.string({ maxLength: 8 })), maxDepth: 3 })
        .map((value) => json(value)),
    },
    { weight: 1, arbitrary: deep.map((marker) => serialize(marker)) },
    { weight: 1, arbitrary: anyText },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

/** A request made entirely of random parts. */
export function randomDraft(route: Route, world: World): fc.Arbitrary<Draft> {
  const params = Object.fromEntries(
    paramNames(route.op.path).map((name) => [
      name,
      anyParam(name, route.sample.params?.[name] ?? name, world),
    ]),
  );
  return fc
    .record({
      method: fc.oneof(
        { weight: 12, arbitrary: fc.constant(route.op.method) },
        { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
      ),
      params: fc.record(params),
      query: fc.array(anyQueryPair(route), { maxLength: 4 }),
      authorization: anyAuthorization(route, world),
      headers: anyHeaders(route),
      body: anyBody(route),
      contentType: anyContentType,
    })
    .map(({ authorization, body, contentType, ...rest }) => ({
      ...rest,
      ...(authorization === undefined ? {} : { authorization }),
      ...(body === undefined ? {} : { body, ...(contentType === undefined ? {} : { contentType }) }),
    }));
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const anyContentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** Some of the route's query parameters, each of an allowed shape: what gets past validation. */
function shapedQuery(route: Route): fc.Arbitrary<string[]> {
  const known = Object.entries(route.op.query);
  if (known.length === 0) return fc.constant([]);
  return fc
    .subarray(known)
    .chain((picked) =>
      fc.tuple(...picked.map(([key, schema]) => shaped(schema).map((value) => [key, value] as const))),
    )
    .map((pairs) =>
      pairs.map(([key, value]) => {
        const safe = key === 'position' && Number(value) > 10 ? '10' : value;
        return `${key}=${encodeLoose(safe)}`;
      }),
    );
}

/** A change to one part of a draft, made with a value from `values`. */
const change = <T>(values: fc.Arbitrary<T>, apply: (draft: Draft, value: T) => Draft) =>
  values.map((value) => (draft: Draft) => apply(draft, value));

/** The sample request with up to four of its parts replaced at random: often still valid. */
export function perturbedDraft(route: Route, world: World): fc.Arbitrary<Draft> {
  // A read's query is most of what it takes: it is changed more often.
  const queryWeight = route.op.method === 'GET' ? 3 : 1;
  const changes = [
    change(fc.constantFrom(...METHODS), (draft, method) => ({ ...draft, method })),
    ...Array.from({ length: queryWeight }, () =>
      change(anyQueryPair(route), (draft, pair) => ({ ...draft, query: [...draft.query, pair] })),
    ),
    change(shapedQuery(route), (draft, query) => ({ ...draft, query })),
    change(anyHeaders(route), (draft, headers) => ({ ...draft, headers: { ...draft.headers, ...headers } })),
    change(anyAuthorization(route, world), ({ authorization: _a, ...draft }, authorization) =>
      authorization === undefined ? draft : { ...draft, authorization },
    ),
    change(
      fc.tuple(anyBody(route), anyContentType),
      ({ body: _b, contentType: _c, ...draft }, [body, type]) => ({
        ...draft,
        ...(body === undefined ? {} : { body }),
        ...(type === undefined ? {} : { contentType: type }),
      }),
    ),
    ...paramNames(route.op.path).map((name) =>
      change(anyParam(name, route.sample.params?.[name] ?? name, world), (draft, value) => ({
        ...draft,
        params: { ...draft.params, [name]: value },
      })),
    ),
  ];
  return fc
    .array(fc.oneof(...changes), { maxLength: 4 })
    .map((picked) => picked.reduce((draft, apply) => apply(draft), baseDraft(route, world)));
}

/** A value one time in `oneIn`, null otherwise. */
const sometimes = <T>(values: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: values });

/** A request every part of which has an allowed shape, with hostile content: what reaches the handlers. */
export function shapedDraft(route: Route, world: World): fc.Arbitrary<Draft> {
  const { sample, op } = route;
  const body =
    op.method === 'GET'
      ? fc.constant(undefined)
      : op.body
        ? shapedValue(op.body, sample.body)
            .filter((value) => Value.Check(op.body as TSchema, value))
            .map((value) => json(value))
        : fc.constantFrom(undefined, '{}', '[]', 'null', '"x"');
  const params = Object.fromEntries(
    Object.entries(op.pathParams).map(([name, schema]) => {
      const given = sample.params?.[name] ?? name;
      const value = fc.oneof(
        { weight: 4, arbitrary: fc.constant(given) },
        { weight: 1, arbitrary: fc.constantFrom(...world.ids) },
        { weight: 1, arbitrary: shaped(schema) },
      );
      return [name, value.map(encodeLoose)];
    }),
  );
  const caller = fc.oneof(
    { weight: 3, arbitrary: fc.constant(sample.actor ?? world.callers[0]) },
    { weight: 1, arbitrary: fc.constantFrom(...world.callers) },
  );
  // Now and then a retry key, a condition on the revision (mostly stale) or a request id of our own.
  const headers = fc
    .tuple(
      sometimes(
        headerText(255).filter((key) => key.length > 0 && wire(key).length <= 255),
        3,
      ),
      sometimes(fc.integer({ min: 0, max: 30 }), 6),
      sometimes(fc.stringMatching(/^[\x21-\x7e]{1,200}$/), 3),
    )
    .map(([key, revision, requestId]) => ({
      ...(key === null ? {} : { 'idempotency-key': wire(key) }),
      ...(revision === null ? {} : { 'if-match': `"${revision}"` }),
      ...(requestId === null ? {} : { 'x-request-id': requestId }),
    }));
  return fc
    .record({ body, params: fc.record(params), caller, headers, query: shapedQuery(route) })
    .map(({ body: text, params: encoded, caller: actor, headers: extra, query }) => ({
      method: op.method,
      params: encoded,
      query,
      headers: extra,
      authorization: `Bearer ${world.token(actor)}`,
      ...(text === undefined ? {} : { body: text, contentType: 'application/json' }),
    }));
}
