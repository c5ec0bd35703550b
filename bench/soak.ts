// `npm run soak`: a steady load on a durable casetrail server over loopback for a few minutes, printing
// after every window the throughput, the latency, the server's memory (after a full collection), the
// size of the log and the projection lag, so that a reader can see whether any of them grows. Reported,
// not asserted.
//
// SOAK_SECONDS (180) in windows of SOAK_WINDOW_SECONDS (15), at SOAK_RATE requests/s (1,000) over
// SOAK_CONNECTIONS (20): half POST notes, half GET the case, spread over BENCH_HTTP_CASES (300) cases.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autocannon, type LoadResult, Server } from './load.js';
import { machine } from './report.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 180);
const WINDOW_SECONDS = Number(process.env.SOAK_WINDOW_SECONDS ?? 15);
const RATE = Number(process.env.SOAK_RATE ?? 1000);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 20);
const NOTE = JSON.stringify({ text: '网格员已上门劝导，约定周五前清理完毕。' });

interface Target {
  readonly port: number;
  readonly token: string;
  readonly caseIds: readonly string[];
}

interface Status {
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  readonly collected: boolean;
  readonly events: number;
  readonly lagMs: { readonly p50: number; readonly p99: number };
  readonly running: boolean;
}

interface Window {
  readonly elapsed: number;
  readonly result: LoadResult;
  readonly status: Status;
}

function loadWindow(target: Target): Promise<LoadResult> {
  const caseId = (): string => target.caseIds[Math.floor(Math.random() * target.caseIds.length)]!;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${target.port}`,
        connections: CONNECTIONS,
        duration: WINDOW_SECONDS,
        overallRate: RATE,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${target.token}` },
        requests: [
          {
            method: 'POST',
            setupRequest: (request) => ({ ...request, path: `/api/v1/cases/${caseId()}/notes`, body: NOTE }),
          },
          {
            method: 'GET',
            setupRequest: (request) => {
              const { body: _body, ...rest } = request;
              return { ...rest, path: `/api/v1/cases/${caseId()}` };
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

const cells = (values: readonly (string | number)[]): string => `| ${values.join(' | ')} |`;
const mib = (value: number): string => value.toFixed(1);

function row(window: Window): string {
  const { result, status } = window;
  return cells([
    window.elapsed,
    Math.round((result['2xx'] + result.non2xx) / result.duration),
    result.latency.p50,
    result.latency.p99,
    result.errors + result.non2xx,
    mib(status.rssMiB),
    mib(status.heapUsedMiB),
    status.events.toLocaleString('en-US'),
    status.lagMs.p99,
  ]);
}

/** First and last thirds compared: a figure that keeps growing shows here, noise mostly does not. */
function summary(windows: readonly Window[]): string[] {
  const third = Math.max(1, Math.floor(windows.length / 3));
  const mean = (list: readonly Window[], pick: (window: Window) => number): number =>
    list.reduce((sum, window) => sum + pick(window), 0) / list.length;
  const first = windows.slice(0, third);
  const last = windows.slice(-third);
  const compare = (name: string, unit: string, pick: (window: Window) => number): string =>
    `- ${name}: ${mean(first, pick).toFixed(1)} ${unit} in the first third, ${mean(last, pick).toFixed(1)} ${unit} in the last`;
  return [
    compare('p99 latency', 'ms', (window) => window.result.latency.p99),
    compare('heap after a full collection', 'MiB', (window) => window.status.heapUsedMiB),
    compare('resident memory', 'MiB', (window) => window.status.rssMiB),
    compare('projection lag p99', 'ms', (window) => window.status.lagMs.p99),
    `- errors and non-2xx answers over the whole soak: ${windows.reduce((sum, w) => sum + w.result.errors + w.result.non2xx, 0)}`,
  ];
}

async function soak(): Promise<void> {
  console.log(`casetrail soak — ${machine()}`);
  console.log(
    `command: npm run soak (SOAK_SECONDS=${SECONDS}, SOAK_WINDOW_SECONDS=${WINDOW_SECONDS}, SOAK_RATE=${RATE}, SOAK_CONNECTIONS=${CONNECTIONS})`,
  );
  console.log('load: half POST /api/v1/cases/{id}/notes (durable), half GET /api/v1/cases/{id}\n');
  const dataDir = mkdtempSync(join(tmpdir(), 'casetrail-soak-'));
  const server = Server.start('./http-server.ts', 'casetrail server', { BENCH_HTTP_DATA_DIR: dataDir }, [
    '--expose-gc',
  ]);
  try {
    const target = await server.message<Target>(120_000, 'it was ready');
    server.send('status');
    const start = await server.message<Status>(10_000, 'its status');
    console.log(
      `before the load: ${target.caseIds.length} cases, ${start.events} events, heap ${mib(start.heapUsedMiB)} MiB, RSS ${mib(start.rssMiB)} MiB\n`,
    );
    console.log(
      cells(['s', 'requests/s', 'p50 ms', 'p99 ms', 'errors', 'RSS MiB', 'heap MiB', 'events', 'lag p99 ms']),
    );
    console.log(cells(Array.from({ length: 9 }, () => '---')));
    const windows: Window[] = [];
    for (let elapsed = WINDOW_SECONDS; elapsed <= SECONDS; elapsed += WINDOW_SECONDS) {
      const result = await loadWindow(target);
      server.send('status');
      const status = await server.message<Status>(10_000, 'its status');
      if (!status.running) throw new Error('the projection runner stopped during the soak');
      const window = { elapsed, result, status };
      windows.push(window);
      console.log(row(window));
    }
    console.log('');
    for (const line of summary(windows)) console.log(line);
    // What the heap gained is either the cache of folded cases (bounded: 10,000 cases) or a leak.
    server.send('forgetCases');
    const forgotten = await server.message<Status>(10_000, 'its status without the case cache');
    console.log(
      `- heap after a full collection once the cache of folded cases is dropped: ${mib(forgotten.heapUsedMiB)} MiB (${mib(start.heapUsedMiB)} MiB before the load)`,
    );
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await soak();
