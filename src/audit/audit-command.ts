// `casetrail audit …`: verification, time travel, export and seals on the data directory, with the
// service running or stopped. It opens the store and the read models as `projections rebuild` does,
// without the projection runner or the deadline process. Exit codes: 0 intact/done, 1 broken or not
// found, 2 a usage mistake.
import { once } from 'node:events';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import type { Actor } from '../commands/actor.js';
import { caseStream } from '../commands/case/case-repository.js';
import { parseConfig } from '../config.js';
import { openService, type Service } from '../service.js';
import { type ExportFormat, type ExportReport, exportHistories } from './export.js';
import { progressBar } from './progress-bar.js';
import { type AsOf, replayCase } from './replay.js';
import { InvalidSealError, LogNotIntactError, sealReferenceOf, takeSeal } from './seal.js';
import type { SealCheck } from './seal-check.js';
import { describeBreak, type VerifyReport, verifyAll } from './verify.js';
import { verifyStream } from './verify-stream.js';

class UsageError extends Error {}

const say = (line: string) => process.stdout.write(`${line}\n`);
const warn = (line: string) => process.stderr.write(`${line}\n`);
const count = (n: number) => n.toLocaleString('en-US');

type Values = Record<string, string | boolean | undefined>;
type Run = (service: Service, values: Values, positionals: string[]) => Promise<number>;

const COMMANDS: Record<string, { options: Record<string, { type: 'string' }>; run: Run }> = {
  verify: { options: { case: { type: 'string' }, seal: { type: 'string' } }, run: verify },
  replay: { options: { revision: { type: 'string' }, at: { type: 'string' } }, run: replay },
  export: {
    options: { case: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } },
    run: exportCases,
  },
  seal: { options: { out: { type: 'string' } }, run: seal },
};

export async function audit(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    warn(`casetrail: audit takes ${Object.keys(COMMANDS).join(', ')} (see casetrail help)`);
    process.exitCode = 2;
    return;
  }
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  } catch (error) {
    warn(`casetrail: audit ${name}: ${(error as Error).message}`);
    process.exitCode = 2;
    return;
  }
  const service = await openService(parseConfig(), { live: false });
  try {
    process.exitCode = await command.run(service, parsed.values, parsed.positionals);
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof InvalidSealError)) throw error;
    warn(`casetrail: audit ${name}: ${error.message}`);
    process.exitCode = 2;
  } finally {
    await service.close();
  }
}

const text = (values: Values, key: string): string | undefined =>
  typeof values[key] === 'string' ? (values[key] as string) : undefined;

async function verify(service: Service, values: Values): Promise<number> {
  const caseId = text(values, 'case');
  const sealFile = text(values, 'seal');
  if (caseId !== undefined && sealFile !== undefined)
    throw new UsageError('a seal covers the whole log: give --seal or --case, not both');
  if (caseId !== undefined) return verifyCase(service, caseId);
  const seal = sealFile === undefined ? undefined : sealReferenceOf(readJson(sealFile));
  const bar = progressBar(process.stderr, 'verifying');
  const report = await verifyAll(service.store, {
    ...(seal ? { seal } : {}),
    progressEvery: 2000,
    onProgress: (p) => bar.update(p.position, p.target, `${count(p.events)} events`),
  });
  bar.finish();
  printReport(report);
  return report.intact ? 0 : 1;
}

async function verifyCase(service: Service, caseId: string): Promise<number> {
  const report = await verifyStream(service.store, caseStream(caseId));
  if (report.events === 0) {
    warn(`casetrail: there is no case ${caseId}`);
    return 1;
  }
  if (report.break) {
    say(`NOT INTACT: ${describeBreak(report.break)}`);
    return 1;
  }
  say(
    `intact: case ${caseId}, ${report.events} events, head revision ${report.head.revision} ${report.head.hash}`,
  );
  return 0;
}

function printReport(report: VerifyReport): void {
  const rate = count(Math.round(report.events / Math.max(report.seconds, 1e-9)));
  const scope = `${count(report.events)} events in ${count(report.streams)} streams up to position ${count(report.position)}`;
  const seal = report.seal;
  const sealBroken = seal !== undefined && !seal.intact;
  if (report.intact) say(`intact: ${scope}, verified in ${report.seconds.toFixed(2)} s (${rate} events/s)`);
  else {
    const problems = report.breaks.length + (sealBroken ? Math.max(seal.differences.length, 1) : 0);
    say(`NOT INTACT: ${problems} problem(s) in ${scope}`);
  }
  for (const found of report.breaks) say(describeBreak(found));
  if (seal) printSeal(seal);
}

function printSeal(seal: SealCheck): void {
  const which = `seal${seal.sealId ? ` ${seal.sealId}` : ''} at position ${count(seal.position)}`;
  if (seal.intact) {
    say(`${which}: intact — ${seal.detail} ${seal.root}`);
    return;
  }
  say(`${which}: ${seal.detail}`);
  for (const difference of seal.differences)
    say(`${difference.stream}: ${difference.problem} — ${difference.detail}`);
}

async function replay(service: Service, values: Values, positionals: string[]): Promise<number> {
  const [caseId, extra] = positionals;
  if (caseId === undefined || extra !== undefined)
    throw new UsageError('give one case id: audit replay CASE_ID');
  const asOf = asOfOptions(text(values, 'revision'), text(values, 'at'));
  const view = await replayCase(service.store, caseId, asOf);
  if (!view) {
    warn(`casetrail: case ${caseId} ${asOf ? 'did not exist yet then' : 'does not exist'}`);
    return 1;
  }
  say(JSON.stringify(view, null, 2));
  return 0;
}

function asOfOptions(revision: string | undefined, at: string | undefined): AsOf {
  if (revision !== undefined && at !== undefined) throw new UsageError('give --revision or --at, not both');
  if (revision !== undefined) {
    if (!/^\d{1,15}$/.test(revision)) throw new UsageError(`--revision ${revision} is not a whole number`);
    return { revision: Number(revision) };
  }
  if (at !== undefined) {
    const instant = new Date(at);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(at) || Number.isNaN(instant.getTime()))
      throw new UsageError(`--at ${at} is not an ISO 8601 instant such as 2026-03-02T09:00:00+08:00`);
    return { at: instant };
  }
  return undefined;
}

async function exportCases(service: Service, values: Values): Promise<number> {
  const format = text(values, 'format') ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'csv') throw new UsageError(`--format is jsonl or csv, not ${format}`);
  const caseId = text(values, 'case');
  const file = text(values, 'out');
  const out = file === undefined ? process.stdout : createWriteStream(file);
  // A reader that stops early (`| head`) or a file that cannot be written ends the export quietly
  // or with a message, never with a stack.
  out.on('error', () => {});
  const bar = progressBar(process.stderr, 'exporting');
  let report: ExportReport;
  try {
    report = await exportHistories(service.store, out, {
      format: format as ExportFormat,
      ...(caseId === undefined ? {} : { caseId }),
      onProgress: (position, target) => bar.update(position, target, `position ${count(position)}`),
    });
    if (file !== undefined) {
      out.end();
      await once(out, 'finish');
    }
  } catch (error) {
    if (!out.errored && (error as { code?: string }).code !== 'EPIPE') throw error;
    if ((error as { code?: string }).code === 'EPIPE') return 0;
    warn(`casetrail: cannot write ${file ?? 'standard output'}: ${(error as Error).message}`);
    return 1;
  } finally {
    bar.finish();
  }
  if (caseId !== undefined && report.events === 0) {
    warn(`casetrail: there is no case ${caseId}`);
    return 1;
  }
  warn(
    `exported ${count(report.events)} events of ${count(report.cases)} case(s)${file ? ` to ${file}` : ''}`,
  );
  return 0;
}

async function seal(service: Service, values: Values): Promise<number> {
  const file = text(values, 'out');
  const bar = progressBar(process.stderr, 'sealing');
  const actor: Actor = { id: `cli:${userInfo().username}`, role: 'auditor', scope: 'cli' };
  try {
    const taken = await takeSeal(service.store, {
      actor,
      occurredAt: new Date().toISOString(),
      onProgress: (p) => bar.update(p.position, p.target, `${count(p.events)} events`),
    });
    bar.finish();
    say(JSON.stringify(taken.seal, null, 2));
    if (file !== undefined)
      writeFileSync(file, `${JSON.stringify({ ...taken.seal, leaves: taken.leaves })}\n`);
    const { position, streams, events, root } = taken.seal;
    warn(
      `sealed position ${count(position)}: ${count(streams)} streams, ${count(events)} events, root ${root}` +
        `${file ? ` (written with its leaves to ${file})` : ''}; keep it outside the system`,
    );
    return 0;
  } catch (error) {
    bar.finish();
    if (!(error instanceof LogNotIntactError)) throw error;
    warn(`casetrail: ${error.message}`);
    return 1;
  }
}

function readJson(file: string): unknown {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(source);
  } catch {
    throw new UsageError(`${file} is not JSON`);
  }
}
