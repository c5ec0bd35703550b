// Exports of case histories: JSON Lines one event per line, CSV as RFC 4180 says, both read back.
import { Writable } from 'node:stream';
import t from 'tap';
import { CSV_COLUMNS, csvField, exportHistories } from '../../src/audit/export.js';
import { decodeCaseEvent } from '../../src/events/case-codec.js';
import { readStreamToArray } from '../../src/events/event-store.js';
import { actors } from '../support/case-fixtures.js';
import { type Harness, harness, intake } from '../support/handler-fixtures.js';

const AWKWARD = '他说"不行", 然后\r\n离开了'; // a quote, a comma and a line break

async function twoCases(t: Parameters<typeof harness>[0]): Promise<Harness> {
  const h = await harness(t);
  for (const caseId of ['c-1', 'c-2']) {
    await h.handler.handle({ caseId, command: intake({ caseId }), actor: actors.gridWorker });
  }
  const note = { type: 'AddNote' as const, noteId: 'n-1', text: AWKWARD };
  await h.handler.handle({
    caseId: 'c-1',
    command: { type: 'AcceptCase', handlingMode: 'onSite' },
    actor: actors.mediator,
  });
  await h.handler.handle({ caseId: 'c-1', command: note, actor: actors.mediator });
  return h;
}

/** Collects what is written, with a tiny high-water mark so that the exporter must wait for drains. */
function sink(): { out: Writable; text: () => string } {
  const chunks: string[] = [];
  const out = new Writable({
    highWaterMark: 16,
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      setImmediate(done);
    },
  });
  return { out, text: () => chunks.join('') };
}

/** An RFC 4180 reader, to read the export back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    i += 1;
    if (quoted && c === '"' && next === '"') {
      field += '"';
      i += 1;
    } else if (quoted && c === '"') quoted = false;
    else if (quoted) field += c;
    else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && next === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 1;
    } else field += c;
  }
  if (field !== '' || row.length > 0) throw new Error(`the last line has no CRLF: ${row.join(',')}${field}`);
  return rows;
}

t.test('a field is quoted only when it must be, with its quotes doubled', async (t) => {
  t.equal(csvField('plain'), 'plain');
  t.equal(csvField('a,b'), '"a,b"');
  t.equal(csvField('say "hi"'), '"say ""hi"""');
  t.equal(csvField('two\nlines'), '"two\nlines"');
  t.equal(csvField('cr\r'), '"cr\r"');
  t.equal(csvField(''), '');
});

t.test('JSON Lines: every case event, one per line, in log order, data as the codec reads it', async (t) => {
  const h = await twoCases(t);
  const { out, text } = sink();
  const report = await exportHistories(h.store, out, { format: 'jsonl', pageSize: 2 });
  const lines = text().split('\n');
  t.equal(lines.pop(), '', 'the last line ends too');
  const events = lines.map((line) => JSON.parse(line));
  t.same(report, { events: 4, cases: 2 });
  t.same(
    events.map((e) => `${e.caseId}@${e.revision}:${e.type}`),
    ['c-1@0:CaseSubmitted', 'c-2@0:CaseSubmitted', 'c-1@1:CaseAccepted', 'c-1@2:NoteAdded'],
    'cases only (no directory streams), in log order',
  );
  const stored = await readStreamToArray(h.store, 'case-c-1');
  t.same(events[0].data, decodeCaseEvent(stored[0]!).data);
  t.same(events[0].metadata, stored[0]!.metadata, 'the chain rides along');
  t.equal(events[3].data.text, AWKWARD);
});

t.test('CSV reads back field for field, awkward text included', async (t) => {
  const h = await twoCases(t);
  const { out, text } = sink();
  await exportHistories(h.store, out, { format: 'csv', caseId: 'c-1' });
  const [header, ...rows] = parseCsv(text());
  t.same(header, [...CSV_COLUMNS]);
  t.equal(rows.length, 3, 'one case: its three events');
  t.ok(
    rows.every((row) => row.length === CSV_COLUMNS.length),
    'every row has every column',
  );
  const column = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
  const stored = await readStreamToArray(h.store, 'case-c-1');
  const note = rows[2]!;
  t.equal(note[column('type')], 'NoteAdded');
  t.equal(note[column('actorId')], actors.mediator.id);
  t.equal(note[column('hash')], stored[2]!.metadata.hash);
  t.equal(note[column('prevHash')], stored[1]!.metadata.hash);
  t.equal(JSON.parse(note[column('data')]!).text, AWKWARD);
});

t.test('a case that does not exist exports nothing', async (t) => {
  const h = await twoCases(t);
  const { out, text } = sink();
  t.same(await exportHistories(h.store, out, { format: 'jsonl', caseId: 'nope' }), { events: 0, cases: 0 });
  t.equal(text(), '');
});
