// Collects benchmark figures and prints them as one table, each beside the baseline of the same run.
import { cpus, totalmem } from 'node:os';

export interface Figure {
  readonly section: string;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The figure this one is compared with, measured in the same run. */
  readonly baseline?: { readonly name: string; readonly value: number };
  readonly target?: string;
}

export function rate(count: number, startedAt: bigint): number {
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  return count / seconds;
}

export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
}

function formatValue(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

/** The figures as a markdown table, one line per row. */
export function formatFigures(figures: readonly Figure[]): string[] {
  const rows = figures.map((figure) => [
    figure.section,
    figure.name,
    `${formatValue(figure.value)} ${figure.unit}`,
    figure.baseline
      ? `${((figure.value / figure.baseline.value) * 100).toFixed(1)}% of ${figure.baseline.name}`
      : '',
    figure.target ?? '',
  ]);
  const header = ['section', 'measure', 'figure', 'vs baseline (same run)', 'target'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)];
}
