// The casetrail server the HTTP benchmark loads, in its own process: the service on a temp data
// directory (BENCH_HTTP_DATA_DIR, or a new one; embedded SQLite, synchronous FULL), the app without
// logging and with a rate limit out of reach, the directory and BENCH_HTTP_CASES (300) accepted cases.
// Prints { port, token, caseIds } as one JSON line when ready. Messages: 'sampleLag' starts watching
// the projection lag; 'status' prints memory, log size and lag (the soak), 'forgetCases' the same after
// dropping the cache of folded cases; 'stop' (also SIGTERM, or losing the parent) prints the lag as one JSON line,
// closes everything and exits.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '../src/commands/actor.js';
import { parseConfig } from '../src/config.js';
import { buildApp } from '../src/http/app.js';
import { signToken } from '../src/http/auth.js';
import { openService, type Service } from '../src/service.js';
import { benchIntake } from './fixtures.js';

const admin: Actor = { id: 'admin', role: 'admin', scope: 'district-1' };
const gridWorker: Actor = { id: 'grid-wang', role: 'gridWorker', scope: 'grid-1' };
const mediator = { sub: 'mediator-liu', role: 'mediator', scope: 'community-sunrise' } as const;
const caseCount = Number(process.env.BENCH_HTTP_CASES ?? 300);

async function createDirectory(service: Service): Promise<void> {
  const units = [
    { id: 'district-1', name: '和平区', kind: 'district' },
    { id: 'street-east', name: '东街道', kind: 'street', parentId: 'district-1' },
    { id: 'community-sunrise', name: '朝阳社区', kind: 'community', parentId: 'street-east' },
    { id: 'grid-1', name: '第一网格', kind: 'grid', parentId: 'community-sunrise' },
  ] as const;
  for (const unit of units) await service.directory.handle({ type: 'CreateOrgUnit', unit }, admin);
}

/** Accepted cases in grid-1, where the mediator of community-sunrise may add notes. */
async function createCases(service: Service): Promise<string[]> {
  const actor: Actor = { id: mediator.sub, role: mediator.role, scope: mediator.scope };
  const open = async (caseId: string): Promise<void> => {
    await service.cases.handle({ caseId, command: benchIntake(caseId), actor: gridWorker });
    await service.cases.handle({ caseId, command: { type: 'AcceptCase', handlingMode: 'onSite' }, actor });
  };
  const caseIds = Array.from({ length: caseCount }, (_, i) => `http-${i}`);
  for (let i = 0; i < caseIds.length; i += 50) await Promise.all(caseIds.slice(i, i + 50).map(open));
  return caseIds;
}

/**
 * The runner keeps the lag of its last 2,000 events, which under load is well under a second; polling
 * it every 250 ms while the load runs keeps the worst p99 of any window, not only the last one.
 */
class LagWatch {
  private worstP99 = 0;
  private windows = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly service: Service) {}

  start(): void {
    this.timer ??= setInterval(() => {
      const { p99, samples } = this.service.runner.status().lagMs;
      if (samples === 0) return;
      this.windows += 1;
      this.worstP99 = Math.max(this.worstP99, p99);
    }, 250);
  }

  report(): Record<string, unknown> {
    clearInterval(this.timer);
    const status = this.service.runner.status();
    return {
      lag: { ...status.lagMs, worstP99: this.worstP99, windows: this.windows },
      running: status.running,
    };
  }
}

/**
 * For the soak: memory (after a full collection when node runs with --expose-gc, so that what is left
 * is what the server holds on to), the events in the log and the projection lag, as one JSON line.
 */
async function printStatus(): Promise<void> {
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  const memory = process.memoryUsage();
  const status = service.runner.status();
  const events = (await service.store.headPosition()) ?? 0;
  console.log(
    JSON.stringify({
      rssMiB: memory.rss / 2 ** 20,
      heapUsedMiB: memory.heapUsed / 2 ** 20,
      collected: collect !== undefined,
      events,
      lagMs: status.lagMs,
      running: status.running,
    }),
  );
}

const dir = process.env.BENCH_HTTP_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'casetrail-bench-http-'));
const config = parseConfig({
  CASETRAIL_DATA_DIR: dir,
  // FULL unless BENCH_HTTP_SYNCHRONOUS says otherwise (to see what the fsync costs, not to publish).
  CASETRAIL_SQLITE_SYNCHRONOUS: process.env.BENCH_HTTP_SYNCHRONOUS ?? 'FULL',
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'silent',
});
const service = await openService(config);
const app = await buildApp({
  service,
  config,
  jwtSecret: randomBytes(32).toString('base64url'),
  logger: false,
  rateLimitPerMinute: 1_000_000_000,
});
const lag = new LagWatch(service);

let stopping = false;
async function stop(failed = false): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (!failed) console.log(JSON.stringify(lag.report()));
  setTimeout(() => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  }, 10_000).unref();
  await app.close();
  await service.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(failed ? 1 : 0);
}
// The parent may be gone when the lag is printed.
process.stdout.on('error', () => undefined);
process.on('message', (message) => {
  if (message === 'sampleLag') lag.start();
  else if (message === 'status') void printStatus();
  else if (message === 'forgetCases') {
    service.cases.cases.forgetAll();
    void printStatus();
  } else void stop();
});
process.on('disconnect', () => void stop());
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());

try {
  await createDirectory(service);
  await app.listen({ host: config.host, port: config.port });
  const caseIds = await createCases(service);
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP port');
  console.log(JSON.stringify({ port: address.port, token: signToken(app, mediator), caseIds }));
} catch (error) {
  console.error('casetrail bench server failed to start:', error);
  await stop(true);
}
