// Over HTTP: autocannon, from this process over loopback, against POST /api/v1/cases/{id}/notes of a
// durable casetrail server spread over a few hundred cases, beside a bare fastify route with a
// validated JSON body, each server in its own process, at 50 and 100 connections; and the projection
// lag under that load. BENCH_HTTP_SECONDS (10) per measured run, after 2 s of warm-up;
// BENCH_HTTP_CPU_PROF=<dir> writes a CPU profile of each server there; BENCH_HTTP_SYNCHRONOUS=NORMAL
// runs the casetrail server without the fsync of each commit.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autocannon, type LoadResult, Server } from './load.js';
import type { Figure } from './report.js';

const SECTION = 'HTTP';
const seconds = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
const WARM_UP_SECONDS = 2;
const CONNECTIONS = [50, 100] as const;
const synchronous = process.env.BENCH_HTTP_SYNCHRONOUS?.toUpperCase() ?? 'FULL';
/** BENCH_HTTP_SYNCHRONOUS=NORMAL shows what the fsync costs; such figures are not durable, and say so. */
const DURABILITY = synchronous === 'FULL' ? 'durable' : `synchronous=${synchronous}, not durable`;
const NOTE = JSON.stringify({ text: '网格员已上门劝导，约定周五前清理完毕。' });

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
  const name = `POST /api/v1/cases/{id}/notes, ${run.cases} cases, ${DURABILITY}, ${connections} connections`;
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
