// The real server as a child process: `node --import tsx src/cli.ts serve` on a data directory, on a
// free loopback port, with a known JWT secret; and HS256 tokens signed with that secret. A started
// server is killed when the test that started it ends, when the test process exits, and — should the
// test process itself be killed — as soon as its stdin pipe from the test process closes.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';

export const SERVER_JWT_SECRET = 'crash-test-secret-that-is-at-least-32-characters';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
/** fastify's log message once the socket is bound: "Server listening at http://127.0.0.1:40123". */
const LISTENING = /^Server listening at http:\/\/127\.0\.0\.1:(\d+)$/;
const KEEP_LINES = 200;

/**
 * Preloaded into the server: its stdin is a pipe from this process, which nobody writes to; when it
 * ends, this process is gone (even if it was SIGKILLed or timed out), and the server kills itself.
 * The server itself never reads stdin, so this changes nothing else about it.
 */
const EXIT_WITH_PARENT =
  'data:text/javascript,process.stdin.on("end",()=>process.kill(process.pid,"SIGKILL")).resume();';

/** Every server still running, so that an exiting test process takes none of them with it. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The `msg` of a pino JSON line ('' for anything else). */
function pinoMessage(line: string): string {
  if (!line.startsWith('{')) return '';
  try {
    const { msg } = JSON.parse(line) as { msg?: unknown };
    return typeof msg === 'string' ? msg : '';
  } catch {
    return '';
  }
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  readonly pid: number;
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** Settles when the process has exited, however. */
  readonly exited: Promise<Exit>;
  /** The last lines the server wrote (stdout and stderr), for a failure's diagnostics. */
  tail(): string;
  /** SIGKILL, then wait for the exit: what a crash, the OOM killer or a pulled plug does. */
  kill(): Promise<Exit>;
  /** SIGTERM (a graceful stop), SIGKILL after `graceMs`; resolves with how it exited. */
  stop(graceMs?: number): Promise<Exit>;
}

export interface StartOptions {
  readonly dataDir: string;
  /** Added to (and overriding) the defaults below. */
  readonly env?: Readonly<Record<string, string>>;
  /** How long the server may take to listen before the start counts as failed (default 30 s). */
  readonly startTimeoutMs?: number;
}

/**
 * Starts `casetrail serve` with CASETRAIL_DATA_DIR, PORT=0, HOST=127.0.0.1, LOG_LEVEL=info and
 * SERVER_JWT_SECRET, and resolves once it listens. The server is SIGKILLed at the end of `t`.
 */
export async function startServer(t: Test, options: StartOptions): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', EXIT_WITH_PARENT, '--import', 'tsx', CLI, 'serve'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      CASETRAIL_DATA_DIR: options.dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      CASETRAIL_JWT_SECRET: SERVER_JWT_SECRET,
      ...(options.env ?? {}),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });

  // The pipes are always read to the end: a server whose stdout nobody drains blocks on its next log line.
  const lines: string[] = [];
  let partial = '';
  let onLine: ((line: string) => void) | undefined;
  const take = (chunk: Buffer): void => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      onLine?.(line);
    }
    if (lines.length > 2 * KEEP_LINES) lines.splice(0, lines.length - KEEP_LINES);
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const tail = (): string => [...lines.slice(-40), partial].join('\n');

  const timeoutMs = options.startTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    onLine = (line) => {
      const found = LISTENING.exec(pinoMessage(line));
      if (found) resolve(Number(found[1]));
    };
    for (const line of lines) onLine(line);
    void exited.then(({ code, signal }) =>
      reject(new Error(`the server exited (code ${code}, signal ${signal}) before listening:\n${tail()}`)),
    );
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not listen within ${timeoutMs} ms:\n${tail()}`));
    }, timeoutMs);
  }).finally(() => {
    clearTimeout(timer);
    onLine = undefined;
  });

  const signal = (name: NodeJS.Signals): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
  };
  return {
    pid: child.pid!,
    port,
    url: `http://127.0.0.1:${port}`,
    exited,
    tail,
    kill: async () => {
      signal('SIGKILL');
      return exited;
    },
    stop: async (graceMs = 15_000) => {
      signal('SIGTERM');
      const late = setTimeout(() => signal('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(late);
      }
    },
  };
}

export interface TokenClaims {
  readonly sub: string;
  readonly role: string;
  readonly scope: string;
  readonly dept?: string;
  readonly name?: string;
}

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An HS256 JWT with the claims of DESIGN.md §1, as the server verifies them (default: one hour). */
export function mintToken(claims: TokenClaims, secret = SERVER_JWT_SECRET, ttlSeconds = 3600): string {
  const now = Math.floor(Date.now() / 1000);
  const input = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url({ ...claims, iat: now, exp: now + ttlSeconds })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
