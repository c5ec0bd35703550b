// Spoilers for fuzzing a route: each one alone is enough to refuse the route's valid sample request,
// with a known status and code — broken JSON (400), another media type (415), a body over the limit
// (413), a body its schema refuses (400), an unknown or malformed query parameter (400), a bad
// If-Match, Idempotency-Key or X-Request-Id (400), a bad token (401), an unknown id or another
// community's case (404), a path parameter too long (414).
import fc from 'fast-check';
import type { Actor } from '../../src/commands/actor.js';
import { badAuthorization } from './hostile-tokens.js';
import {
  anyText,
  deep,
  edgeText,
  encodeLoose,
  headerText,
  matches,
  NOT_JSON_TYPES,
  notMatching,
  ODD_KEYS,
  overLength,
  serialize,
  spoiledObject,
  wire,
} from './hostile-values.js';
import type { JsonSchema, Route } from './route-catalog.js';
import { baseDraft, type Draft, type World } from './route-drafts.js';

type Body = Record<string, unknown>;
const json = (value: unknown): string => JSON.stringify(value);

/** What spoiling needs besides the world of the drafts. */
export interface SpoilerWorld extends World {
  /** A case of another community, which none of `outsiders` may see. */
  readonly otherCommunityCase: string;
  readonly outsiders: readonly [Actor, ...Actor[]];
  /** Ids that exist, so never "unknown". */
  readonly existing: readonly string[];
  readonly bodyLimit: number;
}

export interface Expect {
  readonly status: number;
  readonly codes: readonly string[];
}
export interface Spoiler {
  readonly label: string;
  readonly expect: Expect;
  readonly apply: (draft: Draft) => Draft;
}
const expect = (status: number, ...codes: string[]): Expect => ({ status, codes });
const spoiler = (label: string, expected: Expect, apply: (draft: Draft) => Draft): Spoiler => ({
  label,
  expect: expected,
  apply,
});

const MALFORMED_TAILS = ['x', '}', ',', '{', '"', '[', 'null', '0'];

function bodySpoilers(route: Route, world: SpoilerWorld): fc.Arbitrary<Spoiler>[] {
  const sampleText = route.sample.body === undefined ? '{}' : json(route.sample.body);
  const withBody =
    (body: string, contentType: string | null = 'application/json') =>
    (draft: Draft): Draft => {
      const { contentType: _c, ...rest } = draft;
      return { ...rest, body, ...(contentType === null ? {} : { contentType }) };
    };
  const malformed = expect(400, 'malformed_json');
  const spoilers: fc.Arbitrary<Spoiler>[] = [
    fc
      .integer({ min: 1, max: sampleText.length - 1 })
      .map((end) => spoiler(`JSON cut at ${end}`, malformed, withBody(sampleText.slice(0, end)))),
    fc
      .constantFrom(...MALFORMED_TAILS)
      .map((tail) => spoiler(`JSON then ${tail}`, malformed, withBody(`${sampleText}${tail}`))),
    fc
      .constantFrom('x', ',', "'", ']', '}')
      .map((head) => spoiler(`${head} then JSON`, malformed, withBody(`${head}${sampleText}`))),
    fc
      .constantFrom('NaN', 'Infinity', 'undefined', 'tru', '01', '.5', '+1', '0x10', "'s'", '"\\x"')
      .map((value) => {
        const text = `${sampleText.slice(0, -1)}${sampleText.length > 2 ? ',' : ''}"k":${value}}`;
        return spoiler(`a value ${value}`, malformed, withBody(text));
      }),
    fc.constant(spoiler('a trailing comma', malformed, withBody(`${sampleText.slice(0, -1)},}`))),
    fc.constant(spoiler('a comment', malformed, withBody(`{/*c*/${sampleText.slice(1)}`))),
    fc.constant(
      spoiler(
        'single quotes',
        malformed,
        withBody(sampleText.length > 2 ? sampleText.replaceAll('"', "'") : "{'a':1}"),
      ),
    ),
    fc
      .oneof(
        fc.constantFrom<string | undefined>(...NOT_JSON_TYPES, undefined),
        fc
          .stringMatching(/^[a-z]{1,10}\/[a-z0-9.+-]{1,15}$/)
          .filter((type) => !/^application\/json$/i.test(type)),
      )
      .map((type) =>
        spoiler(
          `Content-Type ${type ?? '(none)'}`,
          expect(415, 'unsupported_media_type'),
          withBody(sampleText, type ?? null),
        ),
      ),
    fc
      .integer({ min: 1, max: 4096 })
      .map((extra) =>
        spoiler(
          `a body of ${world.bodyLimit + extra} bytes`,
          expect(413, 'body_too_large'),
          withBody(`{"x":"${'x'.repeat(world.bodyLimit + extra - 8)}"}`),
        ),
      ),
  ];
  const schema = route.op.body;
  if (schema && route.sample.body !== undefined) {
    spoilers.push(
      spoiledObject(schema, route.sample.body as Body).map((spoiled) =>
        spoiler(
          spoiled.label,
          spoiled.poison
            ? expect(400, 'validation_failed', 'malformed_json')
            : expect(400, 'validation_failed'),
          withBody(serialize(spoiled.value)),
        ),
      ),
      fc
        .oneof(
          fc.constantFrom('[]', '"x"', '42', 'null', 'true', '[{}]'),
          deep.map((marker) => serialize(marker)),
        )
        .map((text) =>
          spoiler(
            `a body ${text.slice(0, 12)}`,
            expect(400, 'validation_failed', 'malformed_json'),
            withBody(text),
          ),
        ),
    );
  }
  return spoilers;
}

/** Integer query parameters (but position, which waits for the log) are bounded at 2^31. */
const OUT_OF_RANGE = fc
  .integer({ min: 2 ** 31 + 1, max: Number.MAX_SAFE_INTEGER })
  .map((n) => String(n).slice(0, 15))
  .filter((s) => Number(s) > 2 ** 31);
const isIntegerParam = (schema: JsonSchema) => schema.pattern === '^[0-9]{1,15}$';

function querySpoilers(route: Route): fc.Arbitrary<Spoiler>[] {
  const known = Object.entries(route.op.query);
  if (known.length === 0) return [];
  const names = known.map(([name]) => name);
  const invalid = expect(400, 'validation_failed');
  const addPair =
    (pair: string) =>
    (draft: Draft): Draft => ({ ...draft, query: [...draft.query, pair] });
  const spoilers: fc.Arbitrary<Spoiler>[] = [
    fc
      .tuple(fc.oneof(fc.constantFrom(...ODD_KEYS), fc.string({ maxLength: 12 }), edgeText), anyText)
      .filter(([key]) => !names.includes(key))
      .map(([key, value]) =>
        spoiler(
          `unknown query key ${json(key).slice(0, 20)}`,
          invalid,
          addPair(`${encodeLoose(key)}=${encodeLoose(value)}`),
        ),
      ),
    fc
      .tuple(fc.constantFrom(...names), fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }))
      .map(([key, one, two]) =>
        spoiler(`${key} twice`, invalid, (draft) => ({
          ...draft,
          query: [...draft.query, `${key}=${encodeLoose(one)}`, `${key}=${encodeLoose(two)}`],
        })),
      ),
  ];
  for (const [name, schema] of known) {
    const values: fc.Arbitrary<string>[] = [];
    if ((schema.minLength ?? 0) > 0) values.push(fc.constant(''));
    if (schema.maxLength !== undefined) values.push(overLength(schema.maxLength).map(encodeLoose));
    if (schema.pattern !== undefined) {
      const pattern = schema.pattern;
      values.push(notMatching(pattern).map(encodeLoose));
      const decoded = (raw: string) => {
        try {
          return decodeURIComponent(raw);
        } catch {
          return raw;
        }
      };
      values.push(
        fc
          .constantFrom('%', '%zz', '%ED%A0%80', '%00', '%C0%AF', '%E0%A4%A', '+')
          .filter((raw) => !matches(pattern, raw) && !matches(pattern, decoded(raw))),
      );
    }
    if (isIntegerParam(schema) && name !== 'position') values.push(OUT_OF_RANGE);
    if (values.length > 0)
      spoilers.push(
        fc
          .oneof(...values)
          .map((value) => spoiler(`${name}=${value.slice(0, 20)}`, invalid, addPair(`${name}=${value}`))),
      );
  }
  return spoilers;
}

const IF_MATCH = /^\s*(?:W\/)?"(\d{1,15})"\s*$/;
function headerSpoilers(route: Route): fc.Arbitrary<Spoiler>[] {
  const setHeader =
    (name: string, value: string) =>
    (draft: Draft): Draft => ({ ...draft, headers: { ...draft.headers, [name]: value } });
  const spoilers: fc.Arbitrary<Spoiler>[] = [];
  if (route.sample.records) {
    spoilers.push(
      fc
        .oneof(
          headerText(40),
          fc.constantFrom(
            'abc',
            '"1", "2"',
            '"-1"',
            'W/"x"',
            '3',
            '""',
            '"1.5"',
            `"${'9'.repeat(16)}"`,
            '*, "1"',
            ' ',
          ),
        )
        .map(wire)
        .filter((value) => value.trim() !== '*' && !IF_MATCH.test(value))
        .map((value) =>
          spoiler(
            `If-Match ${json(value).slice(0, 30)}`,
            expect(400, 'invalid_if_match'),
            setHeader('if-match', value),
          ),
        ),
      fc
        .oneof(
          fc.constant(''),
          fc
            .tuple(fc.constantFrom('k', '漏', '😀'), fc.integer({ min: 256, max: 4000 }))
            .map(([unit, n]) => wire(unit.repeat(n)).slice(0, n)),
        )
        .map((value) =>
          spoiler(
            `an Idempotency-Key of ${value.length} characters`,
            expect(400, 'validation_failed', 'invalid_idempotency_key'),
            setHeader('idempotency-key', value),
          ),
        ),
      fc
        .oneof(
          fc.integer({ min: 201, max: 2000 }).map((n) => 'r'.repeat(n)),
          headerText(40)
            .map(wire)
            .filter((value) => value !== '' && !/^[\x21-\x7e]{1,200}$/.test(value)),
        )
        .map((value) =>
          spoiler(
            `X-Request-Id ${json(value).slice(0, 30)}`,
            expect(400, 'invalid_request_id'),
            setHeader('x-request-id', value),
          ),
        ),
    );
  }
  if (route.sample.holdsOpen) {
    spoilers.push(
      headerText(30)
        .map(wire)
        .filter((value) => !/^[0-9]{1,15}$/.test(value))
        .map((value) =>
          spoiler(
            `Last-Event-ID ${json(value)}`,
            expect(400, 'validation_failed'),
            setHeader('last-event-id', value),
          ),
        ),
    );
  }
  if (route.sample.actor) {
    spoilers.push(
      badAuthorization(route.sample.actor).map((bad) =>
        spoiler(`token: ${bad.label}`, expect(401, 'unauthorized'), (draft) => {
          const { authorization: _a, ...rest } = draft;
          return bad.value === undefined ? rest : { ...rest, authorization: bad.value };
        }),
      ),
    );
  }
  return spoilers;
}

/** An unknown value matching a parameter's schema (so it reaches the route), and not an existing one. */
function unknownValue(schema: JsonSchema, existing: readonly string[]): fc.Arbitrary<string> {
  const max = Math.min(schema.maxLength ?? 100, 100);
  const text =
    schema.pattern !== undefined
      ? fc.stringMatching(new RegExp(schema.pattern), { size: 'small' })
      : fc
          .string({
            unit: fc.constantFrom('a', 'Z', '7', '-', '_', ':', '漏', '😀', 'é', '\u202e'),
            minLength: 1,
            maxLength: 40,
          })
          .filter((s) => /^[a-zA-Z0-9漏😀é]/u.test(s));
  return text.filter((value) => value.length >= 1 && value.length <= max && !existing.includes(value));
}

function paramSpoilers(route: Route, world: SpoilerWorld): fc.Arbitrary<Spoiler>[] {
  const { sample, op } = route;
  const setParam =
    (name: string, encoded: string) =>
    (draft: Draft): Draft => ({ ...draft, params: { ...draft.params, [name]: encoded } });
  const spoilers: fc.Arbitrary<Spoiler>[] = [];
  const ifMatch = fc.option(
    fc.integer({ min: 0, max: 20 }).map((n) => `"${n}"`),
    { freq: 2 },
  );
  const withIfMatch =
    (value: string | null) =>
    (draft: Draft): Draft =>
      value === null || !sample.records
        ? draft
        : { ...draft, headers: { ...draft.headers, 'if-match': value } };
  if (sample.unknown) {
    const { param, code } = sample.unknown;
    spoilers.push(
      fc
        .tuple(unknownValue(op.pathParams[param] ?? {}, world.existing), ifMatch)
        .map(([value, revision]) =>
          spoiler(
            `unknown ${param} ${json(value)}${revision ? ` with If-Match ${revision}` : ''}`,
            expect(404, code),
            (draft) => withIfMatch(revision)(setParam(param, encodeLoose(value))(draft)),
          ),
        ),
    );
  }
  if (sample.caseScoped) {
    spoilers.push(
      fc.tuple(fc.constantFrom(...world.outsiders), ifMatch).map(([actor, revision]) =>
        spoiler(
          `another community's case, as ${actor.id}${revision ? ` with If-Match ${revision}` : ''}`,
          expect(404, 'case_not_found'),
          (draft) => ({
            ...withIfMatch(revision)(setParam('id', world.otherCommunityCase)(draft)),
            authorization: `Bearer ${world.token(actor)}`,
          }),
        ),
      ),
    );
  }
  for (const [name, schema] of Object.entries(op.pathParams)) {
    spoilers.push(
      fc
        .integer({ min: 101, max: 400 })
        .map((length) =>
          spoiler(
            `${name} of ${length} characters`,
            expect(414, 'uri_too_long'),
            setParam(name, 'a'.repeat(length)),
          ),
        ),
    );
    const pattern = schema.pattern;
    if (pattern === undefined) continue;
    spoilers.push(
      fc
        .tuple(
          fc.stringMatching(/^[a-z0-9]{1,10}$/),
          fc.constantFrom(' ', '/', '%', '漏', '😀', '\u0000', '#', '?', '\ud800', '\u202e', 'A', '..', '\\'),
          fc.nat(10),
        )
        // One character a parameter never holds, put after the first (a leading dot would be a path step).
        .map(([valid, bad, at]) => {
          const cut = 1 + (at % valid.length);
          return `${valid.slice(0, cut)}${bad}${valid.slice(cut)}`;
        })
        .filter((value) => !matches(pattern, value))
        .map((value) =>
          spoiler(
            `${name} ${json(value)}`,
            expect(400, 'validation_failed', 'bad_url'),
            setParam(name, encodeLoose(value)),
          ),
        ),
    );
  }
  return spoilers;
}

export function spoilersOf(route: Route, world: SpoilerWorld): fc.Arbitrary<Spoiler>[] {
  return [
    ...(route.op.method === 'GET' ? [] : bodySpoilers(route, world)),
    ...querySpoilers(route),
    ...headerSpoilers(route),
    ...paramSpoilers(route, world),
  ];
}

/** A sample request with one spoiler (mostly), or two or three. */
export function refusedDraft(route: Route, world: SpoilerWorld): fc.Arbitrary<[Draft, Spoiler[]]> {
  const one = fc.oneof(...spoilersOf(route, world));
  return fc
    .oneof(
      { weight: 4, arbitrary: one.map((s) => [s]) },
      { weight: 1, arbitrary: fc.array(one, { minLength: 2, maxLength: 3 }) },
    )
    .map((spoilers): [Draft, Spoiler[]] => [
      spoilers.reduce((draft, s) => s.apply(draft), baseDraft(route, world)),
      spoilers,
    ]);
}
