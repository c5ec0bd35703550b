// Bearer tokens: JWTs verified by @fastify/jwt (HS256 with the service's secret), whose claims
// (DESIGN.md §1) become the actor of every command. Anything else — no token, `alg: none`, a wrong
// signature, an expired token, an unknown role — is a 401.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Actor, ROLES, type Role } from '../commands/actor.js';
import { ASYMMETRIC_ALGORITHMS, type JwksOptions, secretResolver } from './jwks.js';
import { HttpProblem, problem } from './problem.js';

/** Roles a token may carry: the service's own `system` role is never handed out. */
const TOKEN_ROLES: readonly Role[] = ROLES.filter((role) => role !== 'system');

export interface Claims {
  readonly sub: string;
  readonly name?: string;
  readonly role: Role;
  readonly scope: string;
  readonly dept?: string;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: Claims;
    user: Claims;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
}

/** The secret from CASETRAIL_JWT_SECRET, or one generated into the data directory on first start. */
export function loadJwtSecret(dataDir: string, fromEnv: string | undefined): string {
  if (fromEnv) return fromEnv;
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

export async function registerAuth(app: FastifyInstance, secret: string, jwks?: JwksOptions): Promise<void> {
  await app.register(fastifyJwt, {
    secret: jwks ? secretResolver(secret, jwks) : secret,
    sign: { algorithm: 'HS256', key: secret },
    // A verified token is cached (never past its expiry), so a client's next request skips the HMAC.
    verify: { algorithms: jwks ? ['HS256', ...ASYMMETRIC_ALGORITHMS] : ['HS256'], cache: 10_000 },
    decode: { complete: true },
  });
}

const unauthorized = (detail: string) => new HttpProblem(problem(401, 'unauthorized', detail));

/** Org unit and department ids are slugs (DESIGN.md §8). */
const ORG_UNIT_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

function actorOf(claims: Partial<Claims>): Actor {
  const { sub, role, scope, dept } = claims;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 200)
    throw unauthorized('the token has no subject');
  if (typeof role !== 'string' || !TOKEN_ROLES.includes(role))
    throw unauthorized('the token names no role casetrail knows');
  // A scope is an org unit id (a slug): '*', everything, belongs to the service's own system actor alone.
  if (typeof scope !== 'string' || !ORG_UNIT_ID.test(scope))
    throw unauthorized('the token has no scope, or one that is not an org unit id');
  if (dept !== undefined && (typeof dept !== 'string' || !ORG_UNIT_ID.test(dept)))
    throw unauthorized('the token names a dept that is not a department id');
  if (role === 'liaison' && dept === undefined) throw unauthorized('a liaison token needs a dept');
  return dept === undefined ? { id: sub, role, scope } : { id: sub, role, scope, dept };
}

/** Verifies the bearer token and returns the actor; throws a 401 problem otherwise. */
export async function authenticate(request: FastifyRequest): Promise<Actor> {
  if (request.actor) return request.actor;
  const header = request.headers.authorization;
  // The scheme is case-insensitive (RFC 9110 §11.1), as @fastify/jwt reads it.
  if (!header || !/^Bearer\s/i.test(header)) throw unauthorized('send Authorization: Bearer <token>');
  try {
    await request.jwtVerify();
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    const expired = code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED';
    throw unauthorized(expired ? 'the token has expired' : 'the token is not valid');
  }
  request.actor = actorOf(request.user);
  return request.actor;
}

export interface TokenRequest {
  readonly sub: string;
  readonly role: string;
  readonly scope: string;
  readonly dept?: string;
  readonly name?: string;
  /** Seconds; default one day. */
  readonly ttl?: number;
}

/** Mints a token with the same secret and claims the service verifies (`casetrail token`). */
export function signToken(app: FastifyInstance, request: TokenRequest): string {
  const claims = actorOf({
    sub: request.sub,
    role: request.role as Role,
    scope: request.scope,
    ...(request.dept ? { dept: request.dept } : {}),
  });
  const payload: Claims = {
    sub: claims.id,
    role: claims.role,
    scope: claims.scope,
    ...(claims.dept ? { dept: claims.dept } : {}),
    ...(request.name ? { name: request.name } : {}),
  };
  return app.jwt.sign(payload, { expiresIn: request.ttl ?? 86_400 });
}
