// Over HTTP: autocannon, from this process over loopback, against POST /api/v1/cases/{id}/notes of a
// durable casetrail server spread over a few hundred cases, beside a bare fastify route with a
// validated JSON body, each server in its own process, at 50 and 100 connections; and the projection
// lag under that load. BENCH_HTTP_SECONDS (10) per measured run, after 2 s of warm-up;
// BENCH_HTTP_CPU_PROF=<dir> writes a CPU profile of each server there.
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Figure } from './report.js';

const SECTION = 'HTTP';
const seconds = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
const WARM_UP_SECONDS = 2;
const CONNECTIONS = [50, 100] as const;
const NOTE = JSON.stringify({ text: '网格员已上门劝导，约定周五前清理完毕。' });

interface LoadResult {
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly '2xx': number;
  readonly latency: { readonly p50: number; readonly p99: number };
  readonly statusCodeStats: Record<string, { readonly count: number }>;
}
interface LoadRequest {
  readonly method: 'POST';
  readonly setupRequest: (request: Record<string, unknown>) => Record<string, unknown>;
}
interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly duration: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly requests: readonly LoadRequest[];
}
// autocannon ships no types; this is the part of its API used here.
const autocannon = createRequire(import.meta.url)('autocannon') as (
  options: LoadOptions,
  done: (error: Error | null, result: LoadResult) => void,
) => unknown;

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A server in its own process, talking in JSON lines on stdout; killed for sure when stopped. */
class Server {
  private readonly lines: AsyncIterator<string>;
  private readonly exited: Promise<void>;
  private readonly killOnExit = (): void => void this.child.kill('SIGKILL');

  constructor(
    private readonly name: string,
    private readonly child: ChildProcess,
  ) {
    this.lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    process.once('exit', this.killOnExit);
  }

  static start(file: string, name: string, env: Record<string, string> = {}): Server {
    const path = fileURLToPath(new URL(file, import.meta.url));
    const cpuProf = process.env.BENCH_HTTP_CPU_PROF;
    const profile = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : [];
    const child = fork(path, [], {
      execArgv: ['--import', 'tsx', ...profile],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    return new Server(name, child);
  }

  /** The next JSON line the server prints. */
  async message<T>(timeoutMs: number, what: string): Promise<T> {
    const read = async (): Promise<T> => {
      for (;;) {
        const line = await this.lines.next();
        if (line.done) throw new Error(`the ${this.name} exited before ${what}`);
        if (line.value.startsWith('{')) return JSON.parse(line.value) as T;
      }
    };
    return within(read(), timeoutMs, `the ${this.name} (${what})`);
  }

  send(message: string): void {
    if (this.child.connected) this.child.send(message);
  }

  /** Asks the server to stop, reads its last line (when it prints one), and kills it if it lingers. */
  async stop<T>(): Promise<T | undefined> {
    try {
      this.send('stop');
      const last = await this.message<T>(10_000, 'its last report').catch(() => undefined);
      await within(this.exited, 10_000, `the ${this.name} (exit)`).catch(() => undefined);
      return last;
    } finally {
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
      process.off('exit', this.killOnExit);
    }
  }
}

interface Target {
  readonly port: number;
  readonly token: string;
  readonly caseIds: readonly string[];
}

function load(target: Target, connections: number, duration: number): Promise<LoadResult> {
  const path = (): string =>
    `/api/v1/cases/${target.caseIds[Math.floor(Math.random() * target.caseIds.length)]}/notes`;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${target.port}`,
        connections,
        duration,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${target.token}` },
        body: NOTE,
        requests: [{ method: 'POST', setupRequest: (request) => ({ ...request, path: path() }) }],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

interface LagReport {
  readonly lag: { readonly p50: number; readonly p99: number; readonly worstP99: number };
  readonly running: boolean;
}

interface NotesRun {
  readonly result: LoadResult;
  readonly lag: LagReport;
  readonly cases: number;
}

/** The bare route: started once, warmed up, then loaded at each connection count. */
async function measureBare(): Promise<Map<number, LoadResult>> {
  const server = Server.start('./bare-server.ts', 'bare server');
  try {
    const { port } = await server.message<{ port: number }>(30_000, 'it was ready');
    // Requests shaped like the casetrail ones; the bare route reads only the body.
    const caseIds = Array.from({ length: 300 }, (_, i) => `http-${i}`);
    const target = { port, token: randomBytes(150).toString('base64url'), caseIds };
    await load(target, CONNECTIONS[0], WARM_UP_SECONDS);
    const results = new Map<number, LoadResult>();
    for (const connections of CONNECTIONS) results.set(connections, await load(target, connections, seconds));
    return results;
  } finally {
    await server.stop();
  }
}

/**
 * A fresh casetrail server per connection count, so that neither run inherits the notes of the other
 * (a command costs more as its case grows); warmed up at the same connection count.
 */
async function measureNotes(connections: number): Promise<NotesRun> {
  // The data directory is ours, so that it goes even when the server is killed.
  const dataDir = mkdtempSync(join(tmpdir(), 'casetrail-bench-http-'));
  const server = Server.start('./http-server.ts', 'casetrail server', { BENCH_HTTP_DATA_DIR: dataDir });
  try {
    const target = await server.message<Target>(120_000, 'it was ready');
    await load(target, connections, WARM_UP_SECONDS);
    server.send('sampleLag');
    const result = await load(target, connections, seconds);
    const lag = await server.stop<LagReport>();
    if (!lag) throw new Error('the casetrail server did not report its projection lag');
    if (!lag.running) throw new Error('the projection runner stopped during the HTTP load');
    return { result, lag, cases: target.caseIds.length };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const perSecond = (result: LoadResult): number => result['2xx'] / result.duration;

function failures(result: LoadResult): string {
  const codes = Object.entries(result.statusCodeStats)
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, { count }]) => `${code}×${count}`);
  const parts = [`${result.errors} errors (${result.timeouts} timeouts)`, ...codes];
  return result.errors + result.non2xx === 0 ? '' : ` (${parts.join(', ')})`;
}

function bareFigures(connections: number, result: LoadResult): Figure[] {
  const name = `bare fastify POST, validated JSON body, ${connections} connections`;
  return [
    { section: SECTION, name, value: perSecond(result), unit: 'requests/s' },
    { section: SECTION, name: `${name}: p99 latency`, value: result.latency.p99, unit: 'ms' },
  ];
}

function notesFigures(connections: number, run: NotesRun, bare: LoadResult): Figure[] {
  const { result, lag } = run;
  const targeted = connections === CONNECTIONS[0];
  const name = `POST /api/v1/cases/{id}/notes, ${run.cases} cases, durable, ${connections} connections`;
  const when = <T>(value: T): { target?: T } => (targeted ? { target: value } : {});
  return [
    {
      section: SECTION,
      name,
      value: perSecond(result),
      unit: 'requests/s',
      baseline: { name: `bare, ${connections} connections`, value: perSecond(bare) },
      ...when('≥ 25% of bare'),
    },
    {
      section: SECTION,
      name: `${name}: p99 latency`,
      value: result.latency.p99,
      unit: 'ms',
      ...when('≤ 50 ms'),
    },
    {
      section: SECTION,
      name: `${name}: errors + non-2xx${failures(result)}`,
      value: result.errors + result.non2xx,
      unit: 'responses',
      ...when('0'),
    },
    {
      section: SECTION,
      name: `projection lag under that load, ${connections} connections: p99 (worst 250 ms window)`,
      value: lag.lag.worstP99,
      unit: 'ms',
      target: '≤ 100 ms',
    },
    {
      section: SECTION,
      name: `projection lag under that load, ${connections} connections: p50 (last 2,000 events)`,
      value: lag.lag.p50,
      unit: 'ms',
    },
  ];
}

export async function benchHttp(): Promise<Figure[]> {
  const bare = await measureBare();
  const notes = new Map<number, NotesRun>();
  for (const connections of CONNECTIONS) notes.set(connections, await measureNotes(connections));
  return [
    ...CONNECTIONS.flatMap((connections) => bareFigures(connections, bare.get(connections)!)),
    ...CONNECTIONS.flatMap((connections) =>
      notesFigures(connections, notes.get(connections)!, bare.get(connections)!),
    ),
  ];
}
