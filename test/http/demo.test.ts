// `casetrail demo` for real: the service started as `casetrail serve` on a free port and a fresh data
// directory, the demo run against it as a separate process, and the cases it printed read back over HTTP.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import t from 'tap';
import { DEMO_PEOPLE } from '../../src/demo-directory.js';
import { loadJwtSecret, registerAuth, signToken } from '../../src/http/auth.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = ['--import', 'tsx', 'src/cli.ts'];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise((done) => server.close(done));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function environment(dir: string, port: number): NodeJS.ProcessEnv {
  const { CASETRAIL_JWT_SECRET: _secret, CASETRAIL_STORE: _store, ...rest } = process.env;
  return { ...rest, CASETRAIL_DATA_DIR: dir, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn' };
}

/** Runs the CLI to the end: its exit code and output. */
function cli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [...CLI, ...args],
      { cwd: ROOT, env, timeout: 40_000 },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function untilReady(base: string, server: ChildProcess): Promise<void> {
  const giveUp = Date.now() + 20_000;
  while (Date.now() < giveUp) {
    if (server.exitCode !== null) throw new Error(`casetrail serve exited with ${server.exitCode}`);
    const ready = await fetch(`${base}/ready`).catch(() => undefined);
    if (ready?.ok) return;
    await new Promise((wait) => setTimeout(wait, 200));
  }
  throw new Error(`${base}/ready did not answer within 20 s`);
}

/** A line the demo printed per story: its label, the case id and the state it left the case in. */
function storyLines(stdout: string): Array<{ label: string; caseId: string; line: string }> {
  const pattern =
    /^((?:story \d|new)\s.*?)\s+([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\s+(.*)$/gm;
  return [...stdout.matchAll(pattern)].map(([, label, caseId, line]) => ({
    label: label!.trim(),
    caseId: caseId!,
    line: line!,
  }));
}

t.test('casetrail demo plays the seed stories against a running service', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'casetrail-demo-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = environment(dir, port);
  const server = spawn(process.execPath, [...CLI, 'serve'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let serverLog = '';
  const keep = (chunk: Buffer) => {
    serverLog += String(chunk);
  };
  server.stdout?.on('data', keep);
  server.stderr?.on('data', keep);
  t.teardown(async () => {
    if (server.exitCode === null) {
      const exited = new Promise((done) => server.once('exit', done));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  await untilReady(base, server);

  const first = await cli(['demo', '--no-wait'], env);
  t.equal(first.code, 0, `the demo exits 0: ${first.stderr}`);
  t.match(first.stdout, /^directory {2}18 org units and departments created$/m);
  const played = storyLines(first.stdout);
  t.same(
    played.map((story) => story.label.split(/\s{2,}/)[0]),
    ['story 1', 'story 2', 'story 3', 'story 4', 'story 5', 'new'],
    'one line per story, and the fresh intake',
  );
  t.equal(new Set(played.map((story) => story.caseId)).size, 6, 'six different cases');
  t.match(first.stdout, /TOKEN=\$\(.*token --sub supervisor-kundulun --role supervisor --scope kundulun\)/);

  // Read every printed case back as the district supervisor would, with a token of the service's secret.
  const app = Fastify({ logger: false });
  await registerAuth(app, loadJwtSecret(dir, undefined));
  await app.ready();
  const token = signToken(app, DEMO_PEOPLE.districtSupervisor);
  await app.close();
  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const expected = ['closed', 'closed', 'resolved', 'accepted', 'resolved', 'submitted'];
  for (const [index, story] of played.entries()) {
    const { status, body } = await get(`/api/v1/cases/${story.caseId}`);
    t.equal(status, 200, `${story.label} can be opened`);
    t.equal(body.status, expected[index], `${story.label}: ${body.status}`);
    t.ok(
      story.line.startsWith(String(body.status)),
      `the demo printed what the service holds: ${story.line}`,
    );
  }
  const story4 = await get(`/api/v1/cases/${played[3]?.caseId}`);
  t.match(story4.body, {
    level: 'community',
    summons: [{ departmentId: 'property-qingba', status: 'pending' }],
  });
  const story5 = await get(`/api/v1/cases/${played[4]?.caseId}`);
  t.match(story5.body, {
    reopenCount: 1,
    feedback: [{ rating: 'dissatisfied' }, { rating: 'basicallySatisfied' }],
  });

  const list = await get('/api/v1/cases?limit=50');
  if (list.status === 200) {
    const listed = (list.body.items as Array<{ caseId: string }>).map((item) => item.caseId);
    t.ok(
      played.every((story) => listed.includes(story.caseId)),
      'the case list shows the demo cases',
    );
  }

  const second = await cli(['demo', '--no-wait'], env);
  t.equal(second.code, 0, `a second run is fine too: ${second.stderr}`);
  t.match(second.stdout, /^directory {2}0 of 18 created, the rest were there already$/m);
  const again = storyLines(second.stdout).map((story) => story.caseId);
  t.equal(again.length, 6, 'the stories are played again');
  t.notOk(
    again.some((id) => played.some((story) => story.caseId === id)),
    'as new cases',
  );
  t.notMatch(serverLog, /"level":(50|60)/, 'the service logged no error');
});

t.test('the demo says so when no service answers', { timeout: 30_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'casetrail-demo-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const result = await cli(['demo'], environment(dir, await freePort()));
  t.equal(result.code, 1);
  t.match(
    result.stderr,
    /casetrail demo: no casetrail service answers at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
  );
  t.notMatch(result.stderr, /at .*\.ts:\d+/, 'a message, not a stack trace');
});
