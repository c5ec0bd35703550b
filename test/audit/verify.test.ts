// Tampering with the SQLite file itself, as someone with the database would: verification names the
// first event that no longer matches; what a chain cannot show (a stream rewritten with a consistent
// chain, events cut from its end) an earlier seal does.
import t, { type Test } from 'tap';
import { InvalidSealError, LogNotIntactError, sealReferenceOf, takeSeal } from '../../src/audit/seal.js';
import { SEAL_STREAM } from '../../src/audit/seal-store.js';
import { type VerifyItem, verifyAll, verifyLog } from '../../src/audit/verify.js';
import { verifyStream } from '../../src/audit/verify-stream.js';
import { actors } from '../support/case-fixtures.js';
import { type Harness, harness, intake } from '../support/handler-fixtures.js';
import {
  changeOneByte,
  deleteEvent,
  rehashOne,
  rewriteStream,
  rowAt,
  rowsOf,
  setData,
  swapData,
} from './tamper.js';

const NOTES = ['meeting at 10:00', 'both parties came', 'agreed to repaint'];

/** Two cases: c-1 has five events (intake, acceptance, three notes), c-2 two. */
async function twoCases(t: Test): Promise<Harness> {
  const h = await harness(t);
  const act = (caseId: string, command: Parameters<Harness['handler']['handle']>[0]['command']) =>
    h.handler.handle({
      caseId,
      command,
      actor: command.type === 'SubmitCase' ? actors.gridWorker : actors.mediator,
    });
  for (const caseId of ['c-1', 'c-2']) {
    await act(caseId, intake({ caseId }));
    await act(caseId, { type: 'AcceptCase', handlingMode: 'onSite' });
  }
  for (const [index, text] of NOTES.entries())
    await act('c-1', { type: 'AddNote', noteId: `n-${index}`, text });
  return h;
}

const sealNow = (h: Harness) =>
  takeSeal(h.store, { actor: actors.auditor, occurredAt: h.clock.read().toISOString() });

const breaksOf = async (h: Harness) =>
  (await verifyAll(h.store)).breaks.map(({ stream, revision, problem }) => ({ stream, revision, problem }));

t.test('an untouched log verifies, every stream of it', async (t) => {
  const h = await twoCases(t);
  const report = await verifyAll(h.store);
  const head = (await h.store.headPosition())!;
  t.match(report, { intact: true, position: head, events: head, breaks: [] });
  t.equal(report.streams, 2 + 7 + 3, 'two cases, seven org units, three departments');
  const one = await verifyStream(h.store, 'case-c-1');
  const last = rowAt(h.file, 'case-c-1', 4);
  t.same(one, {
    stream: 'case-c-1',
    intact: true,
    events: 5,
    head: { revision: 4, hash: JSON.parse(last.metadata).hash },
  });
});

t.test('one byte changed in an event is a hash mismatch at its revision', async (t) => {
  const h = await twoCases(t);
  changeOneByte(h.file, 'case-c-1', 2, '1', '2');
  t.match(rowAt(h.file, 'case-c-1', 2).data, /meeting at 20:00/, 'the note now says another time');
  t.same(await breaksOf(h), [{ stream: 'case-c-1', revision: 2, problem: 'hash_mismatch' }]);
  const one = await verifyStream(h.store, 'case-c-1');
  t.match(one, {
    intact: false,
    events: 5,
    head: { revision: 1 },
    break: { revision: 2, problem: 'hash_mismatch' },
  });
  t.equal(one.break?.position, rowAt(h.file, 'case-c-1', 2).position);
  t.match(await verifyStream(h.store, 'case-c-2'), { intact: true }, 'the other case is untouched');
});

t.test('a deleted event is a revision gap at the next one', async (t) => {
  const h = await twoCases(t);
  deleteEvent(h.file, 'case-c-1', 2);
  t.same(await breaksOf(h), [{ stream: 'case-c-1', revision: 3, problem: 'revision_gap' }]);
  t.match((await verifyStream(h.store, 'case-c-1')).break, { detail: 'expected revision 2, found 3' });
});

t.test('two events whose data is swapped break at the earlier', async (t) => {
  const h = await twoCases(t);
  swapData(h.file, 'case-c-1', 2, 4);
  t.same(await breaksOf(h), [{ stream: 'case-c-1', revision: 2, problem: 'hash_mismatch' }]);
});

t.test("an event rewritten with its own hash recomputed breaks its successor's link", async (t) => {
  const h = await twoCases(t);
  rehashOne(h.file, 'case-c-1', 3, (data) => ({ ...data, text: 'nobody came' }));
  t.same(await breaksOf(h), [{ stream: 'case-c-1', revision: 4, problem: 'prev_hash_mismatch' }]);
});

t.test('every broken stream is named, each by its first break, in log order', async (t) => {
  const h = await twoCases(t);
  changeOneByte(h.file, 'case-c-1', 4, 'p', 'P');
  changeOneByte(h.file, 'case-c-1', 3, 'b', 'B');
  changeOneByte(h.file, 'case-c-2', 1, 'o', 'O');
  const report = await verifyAll(h.store);
  const found = report.breaks.map(({ stream, revision }) => `${stream}@${revision}`);
  t.same(found, ['case-c-2@1', 'case-c-1@3'], 'c-2 was accepted before c-1 had notes');
  t.equal(report.events, (await h.store.headPosition())!, 'the pass still reads every event');
});

t.test('a stream rewritten with a consistent chain verifies, but the earlier seal catches it', async (t) => {
  const h = await twoCases(t);
  const { seal } = await sealNow(h);
  rewriteStream(h.file, 'case-c-1', (data) =>
    typeof data.text === 'string' ? { ...data, text: data.text.replace('10:00', '11:00') } : data,
  );
  t.match(rowAt(h.file, 'case-c-1', 2).data, /11:00/, 'the history now says 11:00');
  t.match(await verifyAll(h.store), { intact: true, breaks: [] }, 'every chain is consistent again');
  const reference = sealReferenceOf(JSON.parse(JSON.stringify(seal)));
  const report = await verifyAll(h.store, { seal: reference });
  t.equal(report.intact, false);
  t.same(report.breaks, []);
  t.match(report.seal, { intact: false, sealId: seal.sealId, position: seal.position, root: seal.root });
  t.same(
    report.seal?.differences.map(({ stream, problem, sealed, found }) => [
      stream,
      problem,
      sealed?.revision,
      found?.revision,
    ]),
    [['case-c-1', 'head_changed', 4, 4]],
  );
});

t.test('events cut from the end of a stream: the chain cannot tell, the seal can', async (t) => {
  const h = await twoCases(t);
  const { seal } = await sealNow(h);
  deleteEvent(h.file, 'case-c-1', 4);
  t.match(await verifyAll(h.store), { intact: true });
  const report = await verifyAll(h.store, { seal: sealReferenceOf(seal) });
  t.match(report.seal?.differences, [
    { stream: 'case-c-1', problem: 'events_missing', sealed: { revision: 4 }, found: { revision: 3 } },
  ]);
  t.equal(report.seal?.differences.length, 1);
  t.equal(report.seal?.found.events, seal.events - 1, 'the counts at the position say so too');
});

t.test('what is appended after a seal does not count against it', async (t) => {
  const h = await twoCases(t);
  const { seal } = await sealNow(h);
  await h.handler.handle({
    caseId: 'c-2',
    command: { type: 'AddNote', noteId: 'later', text: 'later' },
    actor: actors.mediator,
  });
  const report = await verifyAll(h.store, { seal: sealReferenceOf(seal) });
  t.match(report, { intact: true, seal: { intact: true, found: { root: seal.root } } });
  t.ok(report.events > seal.events, 'the pass went on past the sealed position');
});

t.test('the streams that differ are named from leaves that hash to the root kept outside', async (t) => {
  const h = await twoCases(t);
  const { seal, leaves } = await sealNow(h);
  t.equal(seal.streams, leaves.length);
  t.equal(seal.events, seal.position, 'every event up to the position is covered');
  // The attacker rewrites the case and cuts the stored copy of the leaves from the end of audit-seals.
  rewriteStream(h.file, 'case-c-1', (data) => ({ ...data, urgency: 'emergency' }));
  t.match(await verifyAll(h.store), { intact: true });
  const sealRows = rowsOf(h.file, SEAL_STREAM);
  t.same(
    sealRows.map((row) => row.type),
    ['SealTaken', 'SealLeavesRecorded'],
  );
  deleteEvent(h.file, SEAL_STREAM, 1);
  const withoutLeaves = await verifyAll(h.store, { seal: sealReferenceOf(seal) });
  t.match(withoutLeaves.seal, { intact: false, differences: [], detail: /cannot be named/ });
  const withLeaves = await verifyAll(h.store, { seal: sealReferenceOf({ ...seal, leaves }) });
  t.same(
    withLeaves.seal?.differences.map((d) => d.stream),
    ['case-c-1'],
  );
});

t.test('a seal file must be a seal whose root covers its own position and counts', async (t) => {
  const h = await twoCases(t);
  const { seal } = await sealNow(h);
  t.throws(() => sealReferenceOf({ ...seal, position: seal.position - 1 }), InvalidSealError);
  t.throws(() => sealReferenceOf({ ...seal, root: 'f'.repeat(64) }), InvalidSealError);
  t.throws(() => sealReferenceOf({ root: seal.root }), InvalidSealError);
  t.throws(() => sealReferenceOf({ ...seal, leaves: [['case-c-1', 'x', 'y']] }), InvalidSealError);
  t.same(sealReferenceOf(seal), { sealId: seal.sealId, position: seal.position, root: seal.root });
});

t.test('a log that does not verify is not sealed', async (t) => {
  const h = await twoCases(t);
  changeOneByte(h.file, 'case-c-2', 1, 'o', 'O');
  await t.rejects(sealNow(h), LogNotIntactError);
  await t.rejects(sealNow(h), { message: /case-c-2 at revision 1 .*hash_mismatch/ });
  t.same(rowsOf(h.file, SEAL_STREAM), [], 'nothing was stored');
});

t.test('an event that is no longer JSON is named by its position, and the pass goes on', async (t) => {
  const h = await twoCases(t);
  const broken = rowAt(h.file, 'case-c-1', 2);
  setData(h.file, broken.position, '{"text": "meeting at 10');
  const report = await verifyAll(h.store, { pageSize: 100 });
  t.same(
    report.breaks.map(({ stream, revision, position, problem }) => ({ stream, revision, position, problem })),
    [
      { stream: null, revision: null, position: broken.position, problem: 'unreadable' },
      { stream: 'case-c-1', revision: 3, position: broken.position + 1, problem: 'revision_gap' },
    ],
  );
  t.equal(report.events, (await h.store.headPosition())! - 1, 'every other event was read');
  t.match(await verifyStream(h.store, 'case-c-1'), {
    intact: false,
    break: { revision: 2, problem: 'unreadable' },
  });
});

t.test('the pass reports progress as it goes and ends with a summary', async (t) => {
  const h = await twoCases(t);
  const items: VerifyItem[] = [];
  for await (const item of verifyLog(h.store, { pageSize: 4, progressEvery: 5 })) items.push(item);
  const progress = items.filter((item) => item.type === 'progress');
  const head = (await h.store.headPosition())!;
  t.ok(progress.length >= 3, `${progress.length} progress items`);
  t.same(
    progress.map((p) => p.position),
    [...progress.map((p) => p.position)].sort((a, b) => a - b),
    'positions only go forward',
  );
  t.match(progress.at(-1), { position: head, target: head, events: head });
  t.match(items.at(-1), { type: 'summary', intact: true, events: head });
});
