// Bearer tokens every one of which casetrail must refuse with a 401: no token or another scheme,
// junk, forged or missing signatures, `alg: none` and algorithms it does not take, expired or not yet
// valid, and correctly signed tokens whose claims lie (an unknown role, the system role, no subject,
// a scope that is no org unit).
import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { type Actor, ROLES } from '../../src/commands/actor.js';
import { headerText, wire } from './hostile-values.js';
import { JWT_SECRET } from './http-fixtures.js';

type Body = Record<string, unknown>;
const json = (value: unknown): string => JSON.stringify(value);

const b64 = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : json(value)).toString('base64url');
function jwt(header: unknown, payload: unknown, secret: string | null = JWT_SECRET, hash = 'sha256'): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${secret === null ? '' : createHmac(hash, secret).update(input).digest('base64url')}`;
}
const HS256 = { alg: 'HS256', typ: 'JWT' };
const TOKEN_ROLES: readonly string[] = ROLES.filter((role) => role !== 'system');
const claimsOf = (actor: Actor, now: number): Body => ({
  sub: actor.id,
  role: actor.role,
  scope: actor.scope,
  ...(actor.dept ? { dept: actor.dept } : {}),
  iat: now,
  exp: now + 600,
});
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Claims a correctly signed token may not carry. */
const lyingClaims = (claims: Body): fc.Arbitrary<[string, Body]> =>
  fc.oneof(
    fc
      .oneof(
        fc.string({ maxLength: 20 }).filter((role) => !TOKEN_ROLES.includes(role)),
        fc.constantFrom<unknown>('system', 'ADMIN', 'Chair', ['chair', 'admin'], 42, null, { role: 'admin' }),
      )
      .map((role): [string, Body] => [`role ${json(role)}`, { ...claims, role }]),
    fc
      .subarray(['sub', 'role', 'scope'], { minLength: 1 })
      .map((missing): [string, Body] => [
        `no ${missing.join(', ')}`,
        Object.fromEntries(Object.entries(claims).filter(([key]) => !missing.includes(key))),
      ]),
    fc
      .constantFrom<unknown>('', 'x'.repeat(201), 42, null, ['a'], { id: 'x' })
      .map((sub): [string, Body] => [`sub ${json(sub).slice(0, 20)}`, { ...claims, sub }]),
    fc
      .oneof(
        fc.string({ maxLength: 30 }).filter((scope) => !/^[a-z0-9][a-z0-9-]{0,63}$/.test(scope)),
        fc.constantFrom<unknown>('*', 'District-1', 'district 1', null, 7, ['district-1']),
      )
      .map((scope): [string, Body] => [`scope ${json(scope)}`, { ...claims, scope }]),
    fc
      .constantFrom<unknown>(42, { id: 'police-east' }, 'Police East', '', '*')
      .map((dept): [string, Body] => [`dept ${json(dept)}`, { ...claims, dept }]),
    fc.constant<[string, Body]>([
      'a liaison without a dept',
      { ...claims, role: 'liaison', dept: undefined },
    ]),
  );

/** A bad Authorization header for this actor's request (undefined: none at all). */
export function badAuthorization(actor: Actor): fc.Arbitrary<{ label: string; value: string | undefined }> {
  const made = (label: string, value: string | undefined) => ({ label, value });
  const claims = () => claimsOf(actor, nowSeconds());
  const good = () => jwt(HS256, claims());
  return fc.oneof(
    fc.constant(made('no Authorization', undefined)),
    fc
      .constantFrom('Basic ', 'Token ', 'JWT ', '', 'Bearer', 'Bearer:', 'Bearer=', 'Bearer\u00a0')
      .map((scheme) => made(`scheme ${json(scheme)}`, wire(`${scheme}${good()}`))),
    fc
      .constantFrom('Basic YWRtaW46YWRtaW4=', 'Bearer', 'Bearer ', '', ' ', 'Bearer null', 'Bearer undefined')
      .map((value) => made(`Authorization ${json(value)}`, value)),
    headerText(300).map((junk) => made('Bearer and junk', wire(`Bearer ${junk.replace(/\s/g, '')}`))),
    fc
      .array(fc.base64String({ maxLength: 40 }), { minLength: 1, maxLength: 6 })
      .map((parts) => made(`${parts.length} random segments`, `Bearer ${parts.join('.').replace(/=/g, '')}`)),
    fc
      .constantFrom('another secret', 'random signature', 'no signature', 'a flipped character')
      .map((how) => {
        const [header, payload, signature = ''] = good().split('.');
        const forged = {
          'another secret': () => jwt(HS256, claims(), 'another-secret-that-is-at-least-32-characters'),
          'random signature': () => `${header}.${payload}.${randomBytes(32).toString('base64url')}`,
          'no signature': () => `${header}.${payload}.`,
          'a flipped character': () => {
            const at = 10;
            const flipped = signature[at] === 'A' ? 'B' : 'A';
            return `${header}.${payload}.${signature.slice(0, at)}${flipped}${signature.slice(at + 1)}`;
          },
        }[how]();
        return made(`forged: ${how}`, `Bearer ${forged}`);
      }),
    fc
      .tuple(fc.constantFrom('none', 'None', 'NONE', 'nOnE', ''), fc.boolean())
      .map(([alg, signed]) =>
        made(`alg ${json(alg)}`, `Bearer ${jwt({ alg, typ: 'JWT' }, claims(), signed ? JWT_SECRET : null)}`),
      ),
    fc
      .constantFrom<[string, string]>(
        ['HS384', 'sha384'],
        ['HS512', 'sha512'],
        ['RS256', 'sha256'],
        ['ES256', 'sha256'],
        ['PS256', 'sha256'],
      )
      .map(([alg, hash]) =>
        made(`alg ${alg}`, `Bearer ${jwt({ alg, typ: 'JWT' }, claims(), JWT_SECRET, hash)}`),
      ),
    fc.integer({ min: 1, max: 10 * 365 * 86_400 }).map((ago) => {
      const now = nowSeconds();
      return made(
        `expired ${ago}s ago`,
        `Bearer ${jwt(HS256, { ...claims(), iat: now - ago - 60, exp: now - ago })}`,
      );
    }),
    fc
      .integer({ min: 60, max: 86_400 })
      .map((later) =>
        made(`not valid for ${later}s`, `Bearer ${jwt(HS256, { ...claims(), nbf: nowSeconds() + later })}`),
      ),
    fc
      .constantFrom<unknown>('tomorrow', null, '9999999999', [1])
      .map((exp) => made(`exp ${json(exp)}`, `Bearer ${jwt(HS256, { ...claims(), exp })}`)),
    fc
      .constant(null)
      .chain(() => lyingClaims(claims()))
      .map(([label, lie]) => made(label, `Bearer ${jwt(HS256, lie)}`)),
    fc.constant(null).map(() => {
      const [header, , signature] = good().split('.');
      const raised = { ...claims(), role: 'supervisor', scope: 'district-1' };
      return made('claims changed after signing', `Bearer ${header}.${b64(raised)}.${signature}`);
    }),
    fc.constantFrom<unknown>('null', '42', '"x"', '[]', 'true', '{', '').map((payload) => {
      const input = `${b64(HS256)}.${Buffer.from(String(payload)).toString('base64url')}`;
      const signature = createHmac('sha256', JWT_SECRET).update(input).digest('base64url');
      return made(`payload ${String(payload)}`, `Bearer ${input}.${signature}`);
    }),
    fc.constantFrom('null', '[]', '{', '"HS256"', '{"alg":null}', '{"typ":"JWT"}').map((header) => {
      const input = `${Buffer.from(header).toString('base64url')}.${b64(claims())}`;
      const signature = createHmac('sha256', JWT_SECRET).update(input).digest('base64url');
      return made(`header ${header}`, `Bearer ${input}.${signature}`);
    }),
  );
}
