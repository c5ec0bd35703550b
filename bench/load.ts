// What the HTTP benchmark and the soak share: autocannon's typing, a bound on waiting, and a server in
// its own process that talks in JSON lines on stdout and takes messages over IPC.
import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface LoadResult {
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly '2xx': number;
  readonly latency: { readonly p50: number; readonly p99: number };
  readonly statusCodeStats: Record<string, { readonly count: number }>;
}
export interface LoadRequest {
  readonly method: 'POST' | 'GET';
  readonly setupRequest: (request: Record<string, unknown>) => Record<string, unknown>;
}
export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly duration: number;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** Requests per second over all connections; without it, as fast as the server answers. */
  readonly overallRate?: number;
  readonly requests: readonly LoadRequest[];
}
// autocannon ships no types; this is the part of its API used here.
export const autocannon = createRequire(import.meta.url)('autocannon') as (
  options: LoadOptions,
  done: (error: Error | null, result: LoadResult) => void,
) => unknown;

export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A server in its own process, talking in JSON lines on stdout; killed for sure when stopped. */
export class Server {
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

  static start(
    file: string,
    name: string,
    env: Record<string, string> = {},
    nodeOptions: readonly string[] = [],
  ): Server {
    const path = fileURLToPath(new URL(file, import.meta.url));
    const cpuProf = process.env.BENCH_HTTP_CPU_PROF;
    const profile = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : [];
    const child = fork(path, [], {
      execArgv: ['--import', 'tsx', ...profile, ...nodeOptions],
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
