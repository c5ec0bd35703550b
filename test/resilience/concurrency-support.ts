// Many HTTP clients against a listening casetrail: a client per actor speaking fetch over loopback, a
// start line they cross together, tallies of what they were answered, and the check that a case as the
// service shows it (its answer, its list row, its chain) is exactly the fold of its log.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import type { Actor } from '../../src/commands/actor.js';
import { caseStream } from '../../src/commands/case/case-repository.js';
import { type CaseState, evolve, initialState } from '../../src/commands/case/state.js';
import { parseConfig } from '../../src/config.js';
import { decodeCaseEvent } from '../../src/events/case-codec.js';
import { readStreamToArray, type StoredEvent } from '../../src/events/event-store.js';
import { buildApp } from '../../src/http/app.js';
import { signToken } from '../../src/http/auth.js';
import { caseView } from '../../src/http/case-view.js';
import { getCaseRow } from '../../src/projections/case-list-query.js';
import { openService, type Service } from '../../src/service.js';
import { actors } from '../support/case-fixtures.js';
import { DEPARTMENTS, ORG_UNITS } from '../support/handler-fixtures.js';
import { type HttpHarness, JWT_SECRET } from '../support/http-fixtures.js';

/** What the checks below need of a running service: httpHarness gives it, so does `openInstance`. */
export type Instance = Pick<HttpHarness, 'service' | 'token' | 'settle' | 'dir'>;

export type Body = Record<string, unknown>;

export interface Answer {
  readonly status: number;
  readonly body: Body;
  readonly etag: string | null;
  readonly contentType: string;
}

export type Client = (
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: Body,
  headers?: Record<string, string>,
) => Promise<Answer>;

export const CLIENTS = 50;
/** No request may hang the test: each is aborted after this long (a failure, never a measurement). */
const REQUEST_TIMEOUT_MS = 20_000;

export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** A client with the actor's token, on one server. */
export function clientOf(base: string, token: string): Client {
  return async (method, path, body, headers = {}) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? (JSON.parse(text) as Body) : {},
      etag: response.headers.get('etag'),
      contentType: response.headers.get('content-type') ?? '',
    };
  };
}

/** n distinct people of one role: the 50 clients. */
export const people = (role: 'mediator' | 'chair' | 'gridWorker', n = CLIENTS): Actor[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `${role}-client-${i}`,
    role,
    scope: role === 'gridWorker' ? 'grid-1' : 'community-sunrise',
  }));

/** A start line: every caller of `arrive` waits until all n have arrived. */
export function startLine(n: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return () => {
    arrived += 1;
    if (arrived === n) open();
    return opened;
  };
}

export const isProblem = (answer: Answer): boolean =>
  answer.contentType.startsWith('application/problem+json');

/** Counts by status, printed as the scenario's line; returns the counts. */
export function tally(t: Test, label: string, answers: readonly Answer[]): Record<string, number> {
  const counts: Record<string, number> = { requests: answers.length, '2xx': 0, '409': 0, '412': 0, other: 0 };
  for (const { status } of answers) {
    const key =
      status >= 200 && status < 300 ? '2xx' : status === 409 || status === 412 ? `${status}` : 'other';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  const others = [...new Set(answers.map((a) => a.status).filter((s) => s !== 409 && s !== 412 && s >= 300))];
  t.comment(
    `${label}: ${counts.requests} requests, ${counts['2xx']} 2xx, ${counts['409']} 409, ${counts['412']} 412` +
      (counts.other ? `, ${counts.other} other (${others.join(', ')})` : ''),
  );
  return counts;
}

/** Every answer is a problem with this status and code. */
export function allRefused(t: Test, answers: readonly Answer[], status: number, code: string): void {
  const wrong = answers.filter((a) => a.status !== status || a.body.code !== code || !isProblem(a));
  t.same(
    wrong.map((a) => ({ status: a.status, code: a.body.code, contentType: a.contentType })),
    [],
    `all ${answers.length} refusals are ${status} ${code} problems`,
  );
}

export const intakeBody = (title: string, location = 'grid-1'): Body => ({
  kind: 'dispute',
  category: 'neighbour',
  title,
  description: '楼上住户装修后卫生间漏水，楼下天花板受损，双方协商未果。',
  channel: 'buildingHead',
  location: { orgUnitId: location, address: '朝阳小区3号楼2单元' },
  parties: [
    { role: 'complainant', kind: 'person', name: '张伟', phone: '13812345678', userId: 'resident-zhang' },
    { role: 'respondent', kind: 'person', name: '李娜' },
  ],
  urgency: 'normal',
});

export const casePath = (caseId: string, action = ''): string => `/api/v1/cases/${caseId}${action}`;

export async function logOf(h: Instance, caseId: string): Promise<StoredEvent[]> {
  return readStreamToArray(h.service.store, caseStream(caseId));
}

/** The case folded from scratch out of its log, as the domain folds it. */
export async function replay(h: Instance, caseId: string): Promise<{ state: CaseState; revision: number }> {
  let state = initialState();
  let revision = -1;
  for (const stored of await logOf(h, caseId)) {
    state = evolve(state, decodeCaseEvent(stored));
    revision = stored.revision;
  }
  return { state, revision };
}

/**
 * What each server answers for the case, its row in the case list and its hash chain all agree with
 * a replay of the log. `bases` are the servers asked (each keeps its own cache of folded cases).
 */
export async function matchesReplay(
  t: Test,
  h: Instance,
  bases: readonly string[],
  caseId: string,
): Promise<CaseState> {
  const { state, revision } = await replay(h, caseId);
  if (state.status === 'initial') throw new Error(`case ${caseId} has no log`);
  const expected = JSON.parse(JSON.stringify(caseView(state, revision))) as Body;
  for (const base of bases) {
    const answer = await clientOf(base, h.token(actors.chair))('GET', casePath(caseId));
    t.equal(answer.status, 200, `${base} answers the case`);
    t.equal(answer.etag, `"${revision}"`, `${base}: the ETag is the log's last revision`);
    t.strictSame(answer.body, expected, `${base}: the case answered is the replay of its log`);
    // Two instances share one read-model file: neither may have stopped its projections over it.
    const ready = await clientOf(base, h.token(actors.chair))('GET', '/ready');
    t.equal(ready.status, 200, `${base}: ready, its read models running ${String(ready.body.detail ?? '')}`);
  }
  await h.settle();
  t.match(
    getCaseRow(h.service.readModels.db, caseId),
    {
      status: state.status,
      level: state.level,
      handlingOrgUnitId: state.orgUnitId,
      assigneeId: state.assigneeId ?? null,
      revision,
    },
    'the case list row is the replay of the log',
  );
  const verified = await clientOf(bases[0]!, h.token(actors.auditor))('GET', casePath(caseId, '/verify'));
  t.match(verified.body, { intact: true, events: revision + 1 }, 'the hash chain is intact');
  return state;
}

/**
 * The service on a fresh data directory with the real clock (a second process running `casetrail
 * serve` on the same directory keeps real time too, and must not find the cases' deadlines long past),
 * listening on loopback, with the fixture directory.
 */
export async function openInstance(t: Test): Promise<Instance & { base: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'casetrail-concurrency-'));
  const config = parseConfig({ CASETRAIL_DATA_DIR: dir, LOG_LEVEL: 'silent' });
  const service: Service = await openService(config);
  const app = await buildApp({ service, config, jwtSecret: JWT_SECRET, logger: false });
  t.teardown(async () => {
    await app.close();
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  });
  for (const unit of ORG_UNITS) await service.directory.handle({ type: 'CreateOrgUnit', unit }, actors.admin);
  for (const department of DEPARTMENTS)
    await service.directory.handle({ type: 'CreateDepartment', department }, actors.admin);
  const token = (actor: Actor) =>
    signToken(app, {
      sub: actor.id,
      role: actor.role,
      scope: actor.scope,
      ...(actor.dept ? { dept: actor.dept } : {}),
    });
  const settle = async () => service.runner.waitFor((await service.store.headPosition()) ?? 0, 5000);
  return { service, dir, token, settle, base: await listen(app) };
}

const SERVE = fileURLToPath(new URL('./concurrency-serve.ts', import.meta.url));
const START_TIMEOUT_MS = 30_000;

export interface Child {
  readonly base: string;
  /** The command ids whose append the child's store refused because the case had moved on. */
  readonly collided: ReadonlySet<string>;
}

/**
 * `casetrail serve` in a child process on the data directory (concurrency-serve.ts); resolves once it
 * listens. The child is stopped (SIGTERM, then SIGKILL) when the test ends, whatever happened.
 */
export async function serveInChild(t: Test, dir: string): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVE], {
    env: {
      ...process.env,
      CASETRAIL_DATA_DIR: dir,
      CASETRAIL_JWT_SECRET: JWT_SECRET,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
    },
    // Its standard input stays open for as long as this process lives (see concurrency-serve.ts).
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(kill);
  });
  const collided = new Set<string>();
  let stderr = '';
  createInterface({ input: child.stderr }).on('line', (line) => {
    if (line.startsWith('collision ')) collided.add(line.slice('collision '.length));
    else stderr += `${line}\n`;
  });
  // Every log line is read, so that the child never blocks on a full pipe.
  const lines = createInterface({ input: child.stdout });
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`casetrail serve did not listen within ${START_TIMEOUT_MS} ms: ${stderr}`)),
      START_TIMEOUT_MS,
    );
    lines.on('line', (line) => {
      const listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (!listening) return;
      clearTimeout(timer);
      resolve(listening[1]!);
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`casetrail serve exited before listening (${child.exitCode}): ${stderr}`));
    });
  });
  return { base, collided };
}
