// `casetrail audit …` run as a user runs it, on a data directory with the service stopped.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import t, { type Test } from 'tap';
import { parseConfig } from '../../src/config.js';
import { openService } from '../../src/service.js';
import { actors } from '../support/case-fixtures.js';
import { DEPARTMENTS, intake, ORG_UNITS } from '../support/handler-fixtures.js';
import { changeOneByte, rewriteStream, rowAt } from './tamper.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** A data directory holding the directory and two cases (c-1: five events, c-2: two); the service stopped. */
async function dataDir(t: Test): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'casetrail-cli-audit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const service = await openService(parseConfig({ CASETRAIL_DATA_DIR: dir, LOG_LEVEL: 'silent' }), {
    live: false,
  });
  for (const unit of ORG_UNITS) await service.directory.handle({ type: 'CreateOrgUnit', unit }, actors.admin);
  for (const department of DEPARTMENTS)
    await service.directory.handle({ type: 'CreateDepartment', department }, actors.admin);
  const run = (caseId: string, command: Parameters<typeof service.cases.handle>[0]['command']) =>
    service.cases.handle({ caseId, command, actor: actors.mediator });
  for (const caseId of ['c-1', 'c-2']) {
    await run(caseId, intake({ caseId }));
    await run(caseId, { type: 'AcceptCase', handlingMode: 'onSite' });
  }
  for (const text of ['meeting at 10:00', 'both parties came', 'agreed to repaint'])
    await run('c-1', { type: 'AddNote', noteId: `n-${text.length}`, text });
  await service.close();
  return dir;
}

function audit(dir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { CASETRAIL_JWT_SECRET: _s, CASETRAIL_STORE: _store, CASETRAIL_KEYS_FILE: _k, ...env } = process.env;
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'audit', ...args],
      { cwd: ROOT, env: { ...env, CASETRAIL_DATA_DIR: dir, LOG_LEVEL: 'silent' }, timeout: 60_000 },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

t.test(
  'verify exits 0 when intact and 1 naming the broken stream and revision; a seal catches a rewrite',
  async (t) => {
    const dir = await dataDir(t);
    const events = join(dir, 'events.sqlite');
    const intact = await audit(dir, 'verify');
    t.equal(intact.code, 0, intact.stderr);
    t.match(intact.stdout, /^intact: 17 events in 12 streams up to position 17, verified in /);
    t.notMatch(intact.stderr, /\r/, 'no progress bar when standard error is not a terminal');

    const sealFile = join(dir, 'seal.json');
    const sealed = await audit(dir, 'seal', '--out', sealFile);
    t.equal(sealed.code, 0, sealed.stderr);
    const printed = JSON.parse(sealed.stdout);
    t.match(printed, { position: 17, streams: 12, events: 17, root: /^[0-9a-f]{64}$/ });
    t.notOk('leaves' in printed, 'the printed seal is short enough to copy by hand');
    const kept = JSON.parse(readFileSync(sealFile, 'utf8'));
    t.same({ ...kept, leaves: undefined }, { ...printed, leaves: undefined }, 'the file is the same seal…');
    t.equal(kept.leaves.length, 12, '…with its leaves');
    t.match(sealed.stderr, new RegExp(`root ${printed.root}`));
    const againstSeal = await audit(dir, 'verify', '--seal', sealFile);
    t.equal(againstSeal.code, 0, againstSeal.stdout);
    t.match(againstSeal.stdout, new RegExp(`seal ${printed.sealId} at position 17: intact`));

    changeOneByte(events, 'case-c-1', 2, '1', '2');
    const position = rowAt(events, 'case-c-1', 2).position;
    const broken = await audit(dir, 'verify');
    t.equal(broken.code, 1);
    t.match(broken.stdout, /^NOT INTACT: 1 problem\(s\)/);
    t.match(
      broken.stdout,
      new RegExp(`\\ncase-c-1 at revision 2 \\(position ${position}\\): hash_mismatch — stored hash`),
    );
    const oneCase = await audit(dir, 'verify', '--case', 'c-1');
    t.equal(oneCase.code, 1);
    t.match(oneCase.stdout, /^NOT INTACT: case-c-1 at revision 2 .*hash_mismatch/);
    t.equal((await audit(dir, 'verify', '--case', 'c-2')).code, 0, 'the other case is intact');

    // The attacker recomputes the whole chain: it verifies again, but not against the seal.
    rewriteStream(events, 'case-c-1', (data) => data);
    t.equal((await audit(dir, 'verify')).code, 0, 'the chain alone is consistent again');
    const caught = await audit(dir, 'verify', '--seal', sealFile);
    t.equal(caught.code, 1);
    t.match(caught.stdout, /^NOT INTACT: 1 problem\(s\)/);
    t.match(caught.stdout, /\ncase-c-1: head_changed — revision 4 was sealed with hash /);
  },
);

t.test('replay prints the case as it stood; export writes JSON Lines or CSV', async (t) => {
  const dir = await dataDir(t);
  const first = await audit(dir, 'replay', 'c-1', '--revision', '0');
  t.equal(first.code, 0, first.stderr);
  t.match(JSON.parse(first.stdout), {
    caseId: 'c-1',
    revision: 0,
    status: 'submitted',
    parties: [{ name: '张*' }],
  });
  const now = JSON.parse((await audit(dir, 'replay', 'c-1')).stdout);
  t.match(now, { revision: 4, status: 'accepted' });
  const before = await audit(dir, 'replay', 'c-1', '--at', '2020-01-01T00:00:00Z');
  t.equal(before.code, 1);
  t.match(before.stderr, /case c-1 did not exist yet then/);

  const csv = join(dir, 'c-1.csv');
  const exported = await audit(dir, 'export', '--case', 'c-1', '--format', 'csv', '--out', csv);
  t.equal(exported.code, 0, exported.stderr);
  t.match(exported.stderr, /exported 5 events of 1 case\(s\)/);
  const rows = readFileSync(csv, 'utf8').split('\r\n');
  t.match(rows[0], /^position,stream,caseId,revision,type,/);
  t.equal(rows.length, 1 + 5 + 1, 'a header, five rows, and the CRLF after the last');
  const lines = (await audit(dir, 'export')).stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  t.same(
    lines.map((line) => line.caseId),
    ['c-1', 'c-1', 'c-2', 'c-2', 'c-1', 'c-1', 'c-1'],
  );
});

t.test('a usage mistake exits 2 and says what is wrong', async (t) => {
  const dir = await dataDir(t);
  const cases = [
    [['frobnicate'], /audit takes verify, replay, export, seal/],
    [['verify', '--case', 'c-1', '--seal', 'x.json'], /give --seal or --case, not both/],
    [['export', '--format', 'xml'], /--format is jsonl or csv, not xml/],
    [['replay'], /give one case id/],
    [['verify', '--seal', join(dir, 'nope.json')], /cannot read/],
  ] as const;
  for (const [args, message] of cases) {
    const run = await audit(dir, ...args);
    t.equal(run.code, 2, args.join(' '));
    t.match(run.stderr, message);
  }
});
