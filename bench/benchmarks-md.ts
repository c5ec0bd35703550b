// BENCHMARKS.md: the figures of one full `npm run bench`, with the machine, the versions and the
// command that produced them, and how to read each section.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import Database from 'better-sqlite3';
import { type Figure, formatFigures } from './report.js';

/** What each section measures and against what; only the sections of the run are explained. */
const HOW_TO_READ: Record<string, string> = {
  'event log': `**event log** — "raw 100/tx" is plain better-sqlite3 inserting the same event rows (Chinese note
text, full audit metadata) 100 per transaction with \`synchronous=FULL\` into a table with the unique
\`(stream, revision)\` index an event log needs, keyed by stream name, over the same 100 streams the
writers use. The "bare table" row drops that index to show SQLite's floor. The 100 writers each
append one event at a time to their own stream with an exact expected revision; group commit gathers
them into one transaction.`,
  'command handler': `**command handler** — a note added to random cases of 20 events by 100 concurrent callers, in
process, beside the store's own append rate from the same run; and one command on a case of 5,000
events, cold (folding the whole stream) and warm (the folded state cached, checked against the log).`,
  HTTP: `**HTTP** — autocannon in the bench process; the casetrail server and a bare fastify server (one POST
route with a validated JSON body, no logging, no plugins) each in their own process on loopback;
\`BENCH_HTTP_SECONDS\` (10) per run after a 2 s warm-up. The notes route does everything a real
command does: JWT verification, rate limiting, security headers, schema validation, authorization,
idempotency and If-Match handling, the decider, the hash chain and a durable group commit (fsync);
the five read models are projected in the same process while the load runs. Both servers run
with logging off, so the ratio compares the work per request and not the log output.`,
  audit: `**audit** — verifying every chain of the log in one pass (canonical JSON and SHA-256 per event)
beside an ordered scan of the same log; a seal (verify, then a Merkle root over the heads); time
travel on a case of 1,000 events.`,
  'read models': `**read models** — rebuilding every read model from the store beside an ordered scan of the same
log; projection lag while 100 callers add notes; and the case list over a million generated cases
with one filter at a time (200 queries each, p99).`,
};

function versionOf(name: string): string {
  try {
    // Some packages do not export their package.json; the installed copy is read where npm put it.
    const file = new URL(`../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function sqliteVersion(): string {
  const db = new Database(':memory:');
  try {
    return db.prepare<[], string>('SELECT sqlite_version()').pluck().get() ?? 'unknown';
  } finally {
    db.close();
  }
}

function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head} with uncommitted changes` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

export function writeBenchmarksMd(file: string, command: string, figures: readonly Figure[]): void {
  const sections = [...new Set(figures.map((figure) => figure.section))];
  const packages = ['better-sqlite3', 'fastify', 'typebox', 'zod', 'autocannon', '@kurrent/kurrentdb-client'];
  const lines = [
    '# casetrail benchmarks',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}; every figure below comes from that one`,
    'run, and every ratio compares two figures measured in it. Run it again to replace this file (a run',
    'with `BENCH_ONLY` prints its figures but leaves this file alone).',
    '',
    `- command: \`${command}\``,
    `- commit: ${commit()}`,
    `- machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${type()} ${release()}`,
    `- Node ${process.version}, SQLite ${sqliteVersion()}, ${packages.map((name) => `${name} ${versionOf(name)}`).join(', ')}`,
    '',
    ...formatFigures(figures),
    '',
    '## How to read it',
    '',
    ...sections.flatMap((section) => (HOW_TO_READ[section] ? [HOW_TO_READ[section], ''] : [])),
  ];
  writeFileSync(file, `${lines.join('\n').trimEnd()}\n`);
}
