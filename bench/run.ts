// `npm run bench`: every benchmark of casetrail in one run, each figure beside its same-run baseline,
// printed and, for a full run, written to BENCHMARKS.md. BENCH_SCALE (default 1) scales the work;
// BENCH_ONLY=<section file stem> runs one section (printed only).
import { fileURLToPath } from 'node:url';
import { benchAudit } from './audit.bench.js';
import { writeBenchmarksMd } from './benchmarks-md.js';
import { benchEventStore } from './event-store.bench.js';
import { benchHandler } from './handler.bench.js';
import { benchHttp } from './http.bench.js';
import { benchProjections } from './projections.bench.js';
import { type Figure, formatFigures, machine } from './report.js';

const sections: Record<string, () => Promise<Figure[]>> = {
  'event-store': benchEventStore,
  handler: benchHandler,
  http: benchHttp,
  projections: benchProjections,
  audit: benchAudit,
};

const only = process.env.BENCH_ONLY;
if (only && !(only in sections)) {
  console.error(`BENCH_ONLY=${only}: no such section; there are ${Object.keys(sections).join(', ')}`);
  process.exit(2);
}
const settings = [
  'BENCH_SCALE',
  'BENCH_CASES',
  'BENCH_HTTP_SECONDS',
  'BENCH_HTTP_CASES',
  'BENCH_HTTP_SYNCHRONOUS',
]
  .filter((name) => process.env[name] !== undefined)
  .map((name) => `${name}=${process.env[name]}`);
const command = [...(only ? [`BENCH_ONLY=${only}`] : []), ...settings, 'npm run bench'].join(' ');
console.log(`casetrail benchmarks — ${machine()}`);
console.log(`command: ${command}\n`);
const figures: Figure[] = [];
for (const [name, run] of Object.entries(sections)) {
  if (only && only !== name) continue;
  figures.push(...(await run()));
}
for (const line of formatFigures(figures)) console.log(line);
if (only) console.log('\nOne section only: BENCHMARKS.md is left as it was.');
else {
  const file = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
  writeBenchmarksMd(file, command, figures);
  console.log(`\nWritten to ${file}.`);
}
