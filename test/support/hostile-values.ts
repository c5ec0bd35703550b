// Hostile values for fuzzing HTTP routes: text with Unicode edge cases, and values derived from a
// route's JSON schemas, either refused by construction (a wrong type, a length or pattern broken, an
// unknown or prototype-pollution key, absurd nesting) or of an allowed shape with hostile content.
import fc from 'fast-check';
import type { JsonSchema } from './route-catalog.js';

type Body = Record<string, unknown>;
const json = (value: unknown): string => JSON.stringify(value);

/** Percent-encodes text as a browser would, and a lone surrogate as the bytes it would be in WTF-8. */
export function encodeLoose(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) {
      const bytes = [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
      out += bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else out += encodeURIComponent(char);
  }
  return out;
}

/** What a header value becomes on the wire: its UTF-8 bytes, read back as Latin-1 by Node. */
export const wire = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

const EDGES = [
  '\ud800', // a lone high surrogate
  '\udfff', // a lone low surrogate
  '\u0000',
  '\u202e', // right-to-left override
  '\u200f', // right-to-left mark
  '\u200b', // zero-width space
  '\ufeff',
  '\uffff',
  '\u{10ffff}',
  '\u2028',
  '\u3000',
  '😀',
  '👨‍👩‍👧‍👦',
  '🇨🇳',
  'e\u0301\u0302',
  '漏',
  '%',
  '%ED%A0%80',
  '"',
  '\\',
  "'",
  '../',
  '<script>',
  '\u0024{x}',
  '__proto__',
];
export const edgeText = fc
  .array(fc.oneof(fc.constantFrom(...EDGES), fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: 10 })
  .map((parts) => parts.join(''));
/** Up to 200,000 characters: built by repeat, since generating them one by one would stall the event loop. */
export const hugeText = fc
  .tuple(
    fc.constantFrom('x', '漏', '😀', ' ', '\u0000', '\ud800', 'ab'),
    fc.integer({ min: 1000, max: 200_000 }),
  )
  .map(([unit, count]) => unit.repeat(count));
export const anyText = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 4, arbitrary: edgeText },
  { weight: 1, arbitrary: hugeText },
);
/** Text a header can carry (no control characters); Unicode goes on the wire as its UTF-8 bytes. */
export const headerText = (maxLength = 60) =>
  fc
    .oneof(
      fc.string({ unit: 'grapheme', maxLength }),
      fc.string({ unit: 'grapheme-ascii', maxLength }),
      edgeText,
    )
    .map((text) => [...text].filter((char) => char === '\t' || (char >= ' ' && char !== '\u007f')).join(''));
export const POISON_KEYS = ['__proto__', 'constructor', 'prototype'];
export const ODD_KEYS = [
  ...POISON_KEYS,
  'toString',
  'hasOwnProperty',
  'valueOf',
  '',
  ' ',
  '😀',
  '\u202ekey',
  'a.b',
  'x[]',
];

/** Media types that are not JSON, which the API refuses with a 415. */
export const NOT_JSON_TYPES = [
  'text/plain',
  'text/plain; charset=utf-8',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/vnd.api+json',
  'application/problem+json',
  'application/jsonx',
  'application/octet-stream',
  'image/png',
];

// Values a schema refuses, by construction.

/** A deep value: valid for no property of any route (a nested array, or objects under key `a`). */
const DEEP = /"@@deep:(array|object):(\d+)@@"/g;
export const deep = fc
  .tuple(fc.constantFrom('array', 'object'), fc.integer({ min: 2, max: 20_000 }))
  .map(([kind, depth]) => `@@deep:${kind}:${depth}@@`);
/** JSON text of a value, with deep markers expanded (JSON.stringify would recurse that deep). */
export const serialize = (value: unknown): string =>
  json(value).replace(DEEP, (_m, kind: string, depth: string) => {
    const n = Number(depth);
    return kind === 'array' ? `${'['.repeat(n)}${']'.repeat(n)}` : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
  });

const typeOf = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'array'
      : typeof value === 'number' && Number.isInteger(value)
        ? 'integer'
        : typeof value;
const otherJson = (type: string | undefined): fc.Arbitrary<unknown> =>
  fc
    .oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom<unknown>(null, true, 0, -1, 1.5, 1e308, '', '1', 'true', [], {}, [null]),
      deep,
    )
    .filter((value) => {
      const actual = typeOf(value);
      if (typeof value === 'string' && value.startsWith('@@deep:')) return true;
      if (type === 'integer') return actual !== 'integer';
      if (type === 'number') return actual !== 'integer' && actual !== 'number';
      return actual !== type;
    });

export const matches = (pattern: string, text: string): boolean => new RegExp(pattern, 'u').test(text);
/** Strings that fail a pattern: built to fail most patterns, and checked. */
export const notMatching = (pattern: string): fc.Arbitrary<string> =>
  fc
    .oneof(
      fc.constantFrom(' ', '\t', '\u3000 ', '\u200b'),
      fc
        .tuple(
          fc.string({ maxLength: 8 }),
          fc.constantFrom(' ', '/', '%', '漏', '😀', '\u0000', '#', '?', 'A', '.'),
          fc.string({ maxLength: 8 }),
        )
        .map((parts) => parts.join('')),
      edgeText,
      fc.string({ unit: 'binary', maxLength: 20 }),
    )
    .filter((text) => !matches(pattern, text));
export const overLength = (maxLength: number) =>
  fc
    .tuple(fc.constantFrom('x', '漏', '😀'), fc.integer({ min: 1, max: 50 }))
    .map(([unit, extra]) => unit.repeat(maxLength + extra));

/** A value this schema refuses. */
export function refusedBy(schema: JsonSchema, sample: unknown): fc.Arbitrary<unknown> {
  const options: fc.Arbitrary<unknown>[] = [otherJson(schema.type)];
  if (schema.type === 'string') {
    if ((schema.minLength ?? 0) > 0) options.push(fc.constant(''));
    if (schema.maxLength !== undefined) options.push(overLength(schema.maxLength));
    if (schema.pattern !== undefined) options.push(notMatching(schema.pattern));
    if (schema.enum !== undefined) {
      const allowed = schema.enum;
      options.push(
        fc
          .oneof(
            fc.string({ maxLength: 12 }),
            fc.constantFrom(...allowed.map((v) => String(v).toUpperCase())),
          )
          .filter((text) => !allowed.includes(text)),
      );
    }
    if (schema.format === 'date-time')
      options.push(fc.constantFrom('tomorrow', '2026-03-04', '12:00:00Z', 'not a date'));
  }
  if (schema.type === 'integer') {
    if (schema.minimum !== undefined) options.push(fc.integer({ min: -1e9, max: schema.minimum - 1 }));
    if (schema.maximum !== undefined)
      options.push(fc.integer({ min: schema.maximum + 1, max: schema.maximum + 1e9 }));
    options.push(fc.integer({ min: 1, max: 1000 }).map((n) => n + 0.5));
  }
  if (schema.type === 'array' && schema.items) {
    const item = Array.isArray(sample) ? sample[0] : undefined;
    if ((schema.minItems ?? 0) > 0) options.push(fc.constant([]));
    if (schema.maxItems !== undefined && item !== undefined)
      options.push(
        fc.constant(
          Array.from({ length: schema.maxItems + 1 }, (_v, i) =>
            typeof item === 'string' ? `${item}-${i}` : item,
          ),
        ),
      );
    if (schema.uniqueItems && item !== undefined) options.push(fc.constant([item, item]));
    const items = schema.items;
    options.push(refusedBy(items, item).map((bad) => [bad]));
  }
  if (schema.type === 'object' && schema.properties)
    options.push(spoiledObject(schema, (sample ?? {}) as Body).map((m) => m.value));
  return fc.oneof(...options);
}

/** Sets a key, even `__proto__`, as an own enumerable property (as JSON.parse would). */
export function withKey(object: Body, key: string, value: unknown): Body {
  const copy: Body = {};
  for (const [k, v] of Object.entries(object))
    if (k !== key)
      Object.defineProperty(copy, k, { value: v, enumerable: true, writable: true, configurable: true });
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

interface Spoiled {
  readonly value: Body;
  readonly label: string;
  /** A prototype-pollution key: the JSON parser may refuse it before the schema does. */
  readonly poison: boolean;
}

/** An object this schema refuses: an unknown key, a missing required one, or one property refused. */
export function spoiledObject(schema: JsonSchema, sample: Body): fc.Arbitrary<Spoiled> {
  const properties = schema.properties ?? {};
  const names = Object.keys(properties);
  const options: fc.Arbitrary<Spoiled>[] = [];
  if (schema.additionalProperties === false) {
    const key = fc
      .oneof(fc.constantFrom(...ODD_KEYS), fc.string({ maxLength: 12 }))
      .filter((k) => !names.includes(k));
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constant({ polluted: true, isAdmin: true }),
      fc.constant({ prototype: { polluted: true } }),
    );
    options.push(
      fc.tuple(key, value).map(([k, v]) => ({
        value: withKey(sample, k, v),
        label: `unknown key ${json(k)}`,
        poison: POISON_KEYS.includes(k),
      })),
    );
  }
  const required = (schema.required ?? []).filter((name) => name in sample);
  if (required.length > 0)
    options.push(
      fc.constantFrom(...required).map((name) => ({
        value: Object.fromEntries(Object.entries(sample).filter(([k]) => k !== name)),
        label: `no ${name}`,
        poison: false,
      })),
    );
  if (names.length > 0)
    options.push(
      fc.constantFrom(...names).chain((name) => {
        const property = properties[name] ?? {};
        return refusedBy(property, sample[name]).map((bad) => ({
          value: withKey(sample, name, bad),
          label: `${name} refused`,
          poison: false,
        }));
      }),
    );
  return fc.oneof(...options);
}

// Values a schema accepts, with hostile content.

/** A value of the shape a parameter's schema allows (so it reaches the handler), with hostile content. */
export function shaped(schema: JsonSchema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? 5000;
  const pattern = schema.pattern;
  if (pattern?.startsWith('^')) {
    const random = fc.stringMatching(new RegExp(pattern), { size: 'small' });
    // Random digits are mostly out of range and random instants mostly not real dates: plausible
    // values go further into the handler.
    const plausible = [
      ...(matches(pattern, '120')
        ? [fc.nat(120).map(String), fc.constantFrom('2147483647', '2147483648')]
        : []),
      ...(matches(pattern, '2026-03-02T09:00:00+08:00') ? [realInstant] : []),
    ];
    return fc
      .oneof(random, ...plausible)
      .filter((value) => matches(pattern, value) && [...value].length >= min && [...value].length <= max);
  }
  // Hostile text cut to the longest allowed (a boundary worth hitting), padded to the shortest.
  return fc
    .oneof(edgeText, fc.string({ unit: 'binary', maxLength: 40 }), hugeText)
    .map((value) => [...value].slice(0, max).join('').padEnd(min, '漏'))
    .filter((value) => pattern === undefined || matches(pattern, value));
}

/** A real instant anywhere in years 0 to 9999, in UTC or at an offset, to the minute or the nanosecond. */
export const realInstant = fc
  .tuple(
    fc.date({
      min: new Date('0000-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59Z'),
      noInvalidDate: true,
    }),
    fc.constantFrom('Z', '+08:00', '-12:00', '+14:00'),
    fc.constantFrom('minute', 'second', 'nanosecond'),
  )
  .map(([date, offset, precision]) => {
    const iso = date.toISOString().slice(0, precision === 'minute' ? 16 : 19);
    return `${iso}${precision === 'nanosecond' ? '.123456789' : ''}${offset}`;
  });

/** A value this schema accepts, with hostile content wherever the schema leaves room for it. */
export function shapedValue(schema: JsonSchema, sample?: unknown): fc.Arbitrary<unknown> {
  const own = ((): fc.Arbitrary<unknown> => {
    if (schema.enum) return fc.constantFrom(...schema.enum);
    if (schema.type === 'string' && schema.format === 'date-time')
      return fc
        .date({
          min: new Date('1970-01-01T00:00:00Z'),
          max: new Date('2100-01-01T00:00:00Z'),
          noInvalidDate: true,
        })
        .map((date) => date.toISOString());
    if (schema.type === 'string') return shaped(schema);
    if (schema.type === 'integer')
      return fc.integer({ min: schema.minimum ?? -1e9, max: schema.maximum ?? 1e9 });
    if (schema.type === 'boolean') return fc.boolean();
    if (schema.type === 'array') {
      const items = Array.isArray(sample) ? sample : [];
      const item = shapedValue(schema.items ?? {}, items[0]);
      const size = { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 4, 4) };
      return schema.uniqueItems ? fc.uniqueArray(item, { ...size, selector: json }) : fc.array(item, size);
    }
    if (schema.type === 'object') {
      const given = (sample ?? {}) as Body;
      const properties = Object.entries(schema.properties ?? {}).map(
        ([key, property]) => [key, shapedValue(property, given[key])] as const,
      );
      return fc.record(Object.fromEntries(properties), { requiredKeys: [...(schema.required ?? [])] });
    }
    return fc.jsonValue({ maxDepth: 2 });
  })();
  // Half the time the sample's own value, so that the other fields have a chance to reach the domain.
  return sample === undefined ? own : fc.oneof(fc.constant(sample), own);
}
