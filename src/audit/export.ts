// Case histories out of the system (DESIGN.md §5): JSON Lines (one event per line) or CSV (RFC 4180:
// CRLF line ends, fields quoted when they hold a quote, comma or line break, quotes doubled), written
// as the log is read, so that an export of any size holds one page in memory. Data is as the domain
// reads it (upcast, and personal data as the codec returns it); the hash chain rides along in each
// event's metadata.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { caseStream } from '../commands/case/case-repository.js';
import { StreamNotFoundError } from '../events/errors.js';
import type { EventStore, StoredEvent } from '../events/event-store.js';
import { readableData } from './history.js';

export type ExportFormat = 'jsonl' | 'csv';

export interface ExportOptions {
  readonly format: ExportFormat;
  /** One case; otherwise every case in the log, in log order. */
  readonly caseId?: string;
  readonly pageSize?: number;
  readonly onProgress?: (position: number, target: number) => void;
}

export interface ExportReport {
  readonly events: number;
  readonly cases: number;
}

export const CSV_COLUMNS = [
  'position',
  'stream',
  'caseId',
  'revision',
  'type',
  'occurredAt',
  'recordedAt',
  'actorId',
  'actorRole',
  'actorDept',
  'commandId',
  'correlationId',
  'causationId',
  'schemaVersion',
  'prevHash',
  'hash',
  'data',
] as const;

/** RFC 4180 §2: a field is quoted when it holds a quote, a comma or a line break; quotes are doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

const text = (value: unknown): string =>
  value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);

function csvRow(event: StoredEvent): string {
  const { metadata } = event;
  const actor = (metadata.actor ?? {}) as Record<string, unknown>;
  const cells = [
    event.position,
    event.stream,
    event.stream.slice('case-'.length),
    event.revision,
    event.type,
    metadata.occurredAt,
    event.recordedAt.toISOString(),
    actor.id,
    actor.role,
    actor.dept,
    metadata.commandId,
    metadata.correlationId,
    metadata.causationId,
    metadata.schemaVersion,
    metadata.prevHash,
    metadata.hash,
    readableData(event),
  ];
  return `${cells.map((cell) => csvField(text(cell))).join(',')}\r\n`;
}

function jsonLine(event: StoredEvent): string {
  const line = {
    position: event.position,
    stream: event.stream,
    caseId: event.stream.slice('case-'.length),
    revision: event.revision,
    type: event.type,
    recordedAt: event.recordedAt.toISOString(),
    data: readableData(event),
    metadata: event.metadata,
  };
  return `${JSON.stringify(line)}\n`;
}

/** Writes, waiting for the destination to drain when it asks to. */
async function put(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

export async function exportHistories(
  store: EventStore,
  out: Writable,
  options: ExportOptions,
): Promise<ExportReport> {
  const format = options.format === 'csv' ? csvRow : jsonLine;
  if (options.format === 'csv') await put(out, `${CSV_COLUMNS.join(',')}\r\n`);
  const cases = new Set<string>();
  let events = 0;
  for await (const event of eventsToExport(store, options)) {
    cases.add(event.stream);
    events += 1;
    await put(out, format(event));
  }
  return { events, cases: cases.size };
}

async function* eventsToExport(store: EventStore, options: ExportOptions): AsyncGenerator<StoredEvent> {
  if (options.caseId !== undefined) {
    try {
      yield* store.readStream(caseStream(options.caseId));
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return;
  }
  const target = (await store.headPosition()) ?? 0;
  for (let after = 0; after < target; ) {
    const page = await store.readAll({ after, limit: options.pageSize ?? 1000 });
    if (page.length === 0) break;
    for (const event of page) {
      if (event.position > target) return;
      if (event.stream.startsWith('case-')) yield event;
    }
    after = page.at(-1)!.position;
    options.onProgress?.(Math.min(after, target), target);
  }
}
