// `npm run bench`: every benchmark of casetrail in one run, each figure beside its same-run baseline.
// BENCH_SCALE (default 1) scales the work; BENCH_ONLY=<section file stem> runs one section.
import { benchAudit } from './audit.bench.js';
import { benchEventStore } from './event-store.bench.js';
import { benchHandler } from './handler.bench.js';
import { benchHttp } from './http.bench.js';
import { benchProjections } from './projections.bench.js';
import { type Figure, machine, printFigures } from './report.js';

const sections: Record<string, () => Promise<Figure[]>> = {
  'event-store': benchEventStore,
  handler: benchHandler,
  http: benchHttp,
  projections: benchProjections,
  audit: benchAudit,
};

const only = process.env.BENCH_ONLY;
console.log(`casetrail benchmarks — ${machine()}`);
console.log(
  `command: npm run bench${only ? ` (BENCH_ONLY=${only})` : ''}, BENCH_SCALE=${process.env.BENCH_SCALE ?? 1}\n`,
);
const figures: Figure[] = [];
for (const [name, run] of Object.entries(sections)) {
  if (only && only !== name) continue;
  figures.push(...(await run()));
}
printFigures(figures);
