// The whole service on a temporary data directory with a fake clock, its fastify app, the fixture
// directory of handler-fixtures, and tokens for the people of case-fixtures.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Test } from 'tap';
import type { Actor } from '../../src/commands/actor.js';
import { parseConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { signToken } from '../../src/http/auth.js';
import { openService, type Service } from '../../src/service.js';
import { actors } from './case-fixtures.js';
import { DEPARTMENTS, FakeClock, ORG_UNITS } from './handler-fixtures.js';

export const JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long';

export interface HttpHarness {
  readonly app: FastifyInstance;
  readonly service: Service;
  readonly clock: FakeClock;
  readonly dir: string;
  token(actor: Actor, ttlSeconds?: number): string;
  /** A request with the actor's token; JSON bodies are sent as application/json. */
  as(actor: Actor | undefined, options: InjectOptions): Promise<LightMyRequestResponse>;
  /** Waits until the read models have applied everything in the log. */
  settle(): Promise<void>;
}

export async function httpHarness(
  t: Test,
  options: { rateLimitPerMinute?: number } = {},
): Promise<HttpHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'casetrail-http-'));
  const clock = new FakeClock();
  const config = parseConfig({ CASETRAIL_DATA_DIR: dir, LOG_LEVEL: 'silent' });
  const service = await openService(config, { clock: clock.read });
  const app = await buildApp({ service, config, jwtSecret: JWT_SECRET, logger: false, ...options });
  for (const unit of ORG_UNITS) await service.directory.handle({ type: 'CreateOrgUnit', unit }, actors.admin);
  for (const department of DEPARTMENTS)
    await service.directory.handle({ type: 'CreateDepartment', department }, actors.admin);
  t.teardown(async () => {
    await app.close();
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const token = (actor: Actor, ttl?: number) =>
    signToken(app, {
      sub: actor.id,
      role: actor.role,
      scope: actor.scope,
      ...(actor.dept ? { dept: actor.dept } : {}),
      ...(ttl ? { ttl } : {}),
    });
  return {
    app,
    service,
    clock,
    dir,
    token,
    as: (actor, inject) =>
      app.inject({
        ...inject,
        headers: { ...(actor ? { authorization: `Bearer ${token(actor)}` } : {}), ...(inject.headers ?? {}) },
      }),
    settle: async () => service.runner.waitFor((await service.store.headPosition()) ?? 0, 5000),
  };
}
