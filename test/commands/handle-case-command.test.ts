import t from 'tap';
import type { CaseCommand } from '../../src/commands/case/commands.js';
import { DirectoryRepository } from '../../src/commands/directory/directory-repository.js';
import { CaseCommandHandler, RevisionMismatchError } from '../../src/commands/handle-case-command.js';
import { readStreamToArray } from '../../src/events/event-store.js';
import { ChainVerifier } from '../../src/events/hash-chain.js';
import { actors } from '../support/case-fixtures.js';
import { harness, intake, newHandler } from '../support/handler-fixtures.js';

const note = (text: string) => ({ type: 'AddNote' as const, noteId: `n-${text}`, text });

t.test('a command appends its events with the audit metadata and a verifiable hash chain', async (t) => {
  const h = await harness(t);
  const submitted = await h.handler.handle({
    caseId: 'c-1',
    command: intake(),
    actor: actors.gridWorker,
    commandId: 'cmd-1',
    correlationId: 'req-1',
  });
  t.same([submitted.revision, submitted.replayed], [0, false]);
  h.clock.advance(5);
  const accepted = await h.handler.handle({
    caseId: 'c-1',
    command: { type: 'AcceptCase', handlingMode: 'onSite' },
    actor: actors.mediator,
  });
  t.equal(accepted.revision, 1);
  t.ok(accepted.position > submitted.position);
  const stored = await readStreamToArray(h.store, 'case-c-1');
  t.match(stored[0]?.metadata, {
    eventId: stored[0]?.id,
    actor: { id: 'grid-wang', role: 'gridWorker' },
    occurredAt: '2026-03-02T01:00:00.000Z',
    commandId: 'cmd-1',
    correlationId: 'req-1',
    causationId: 'cmd-1',
    schemaVersion: 2,
    prevHash: '0'.repeat(64),
    hash: /^[0-9a-f]{64}$/,
  });
  t.equal(stored[1]?.metadata.occurredAt, '2026-03-02T01:05:00.000Z', 'time comes from the injected clock');
  t.equal(stored[1]?.metadata.prevHash, stored[0]?.metadata.hash, 'each event points at the one before');
  const verifier = new ChainVerifier();
  t.same(
    stored.map((event) => verifier.check(event)),
    [undefined, undefined],
    'the chain verifies',
  );
});

t.test(
  'a retried command id returns the first result and appends nothing, even after a restart',
  async (t) => {
    const h = await harness(t);
    await h.handler.handle({ caseId: 'c-1', command: intake(), actor: actors.gridWorker });
    const first = await h.handler.handle({
      caseId: 'c-1',
      command: note('one'),
      actor: actors.mediator,
      commandId: 'note-1',
    });
    const again = await h.handler.handle({
      caseId: 'c-1',
      command: note('one'),
      actor: actors.mediator,
      commandId: 'note-1',
    });
    t.same([again.revision, again.position, again.replayed], [first.revision, first.position, true]);
    await h.restart();
    const afterRestart = await h.handler.handle({
      caseId: 'c-1',
      command: note('one'),
      actor: actors.mediator,
      commandId: 'note-1',
    });
    t.same(
      [afterRestart.revision, afterRestart.position, afterRestart.replayed],
      [first.revision, first.position, true],
    );
    t.equal((await readStreamToArray(h.store, 'case-c-1')).length, 2, 'one note, not three');
    const intakeAgain = await h.handler
      .handle({ caseId: 'c-1', command: intake(), actor: actors.gridWorker, commandId: 'intake-x' })
      .catch((e) => e);
    t.equal(intakeAgain.code, 'case_exists', 'a different command id is a new command');
  },
);

t.test('If-Match: a stale revision is refused and appends nothing', async (t) => {
  const h = await harness(t);
  await h.handler.handle({ caseId: 'c-1', command: intake(), actor: actors.gridWorker });
  await h.handler.handle({ caseId: 'c-1', command: note('a'), actor: actors.mediator, expectedRevision: 0 });
  const stale = await h.handler
    .handle({ caseId: 'c-1', command: note('b'), actor: actors.mediator, expectedRevision: 0 })
    .catch((e) => e);
  t.ok(stale instanceof RevisionMismatchError);
  t.match(stale, { code: 'revision_mismatch', expected: 0, actual: 1 });
  t.equal((await readStreamToArray(h.store, 'case-c-1')).length, 2);
});

t.test('without If-Match, concurrent writers from two processes both land after a retry', async (t) => {
  const h = await harness(t);
  await h.handler.handle({ caseId: 'c-1', command: intake(), actor: actors.gridWorker });
  const other = newHandler(h.store, h.clock);
  await other.handle({ caseId: 'c-1', command: note('warm'), actor: actors.mediator });
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      (i % 2 ? h.handler : other).handle({ caseId: 'c-1', command: note(`n${i}`), actor: actors.mediator }),
    ),
  );
  const revisions = results.map((r) => r.revision).sort((a, b) => a - b);
  t.same(
    revisions,
    Array.from({ length: 10 }, (_, i) => i + 2),
    'each got its own revision',
  );
  const stored = await readStreamToArray(h.store, 'case-c-1');
  t.equal(stored.length, 12);
  const verifier = new ChainVerifier();
  t.ok(
    stored.every((event) => verifier.check(event) === undefined),
    'the chain still verifies after retries',
  );
});

t.test('the folded-state cache is never trusted over the log', async (t) => {
  const h = await harness(t);
  const other = newHandler(h.store, h.clock);
  await h.handler.handle({ caseId: 'c-1', command: intake(), actor: actors.gridWorker });
  await other.handle({
    caseId: 'c-1',
    command: { type: 'AcceptCase', handlingMode: 'online' },
    actor: actors.mediator,
  });
  const assigned = await h.handler.handle({
    caseId: 'c-1',
    command: { type: 'AssignCase', assigneeId: 'mediator-liu' },
    actor: actors.mediator,
  });
  t.equal(assigned.state.status, 'accepted', 'the cached handler saw the other one’s acceptance');
  t.equal(assigned.revision, 2);
});

t.test('who may act: out of scope is 404, a role that may not is 403, and neither appends', async (t) => {
  const h = await harness(t);
  await h.handler.handle({ caseId: 'c-1', command: intake(), actor: actors.gridWorker });
  const otherCommunity = { id: 'mediator-he', role: 'mediator' as const, scope: 'community-river' };
  const hidden = await h.handler
    .handle({ caseId: 'c-1', command: note('x'), actor: otherCommunity })
    .catch((e) => e);
  t.match(hidden, { status: 404, code: 'case_not_found' });
  const resident = await h.handler
    .handle({
      caseId: 'c-1',
      command: { type: 'AcceptCase', handlingMode: 'onSite' },
      actor: actors.resident,
    })
    .catch((e) => e);
  t.match(resident, { status: 403, code: 'forbidden' });
  const missing = await h.handler
    .handle({ caseId: 'nope', command: note('x'), actor: actors.mediator })
    .catch((e) => e);
  t.match(missing, { status: 404, code: 'case_not_found' });
  t.equal((await readStreamToArray(h.store, 'case-c-1')).length, 1);
});

t.test('an event that fails its schema is refused before it reaches the log', async (t) => {
  const h = await harness(t);
  const blank = await h.handler
    .handle({ caseId: 'c-2', command: intake({ caseId: 'c-2', title: '   ' }), actor: actors.gridWorker })
    .catch((e) => e);
  t.match(blank, { code: 'validation_failed', message: /title/ });
  t.same(await readStreamToArray(h.store, 'case-c-2'), []);
});

t.test(
  'merge: the duplicate closes into the other case and both histories point at each other',
  async (t) => {
    const h = await harness(t);
    await h.handler.handle({ caseId: 'c-1', command: intake(), actor: actors.gridWorker });
    await h.handler.handle({ caseId: 'c-2', command: intake({ caseId: 'c-2' }), actor: actors.gridWorker });
    const merged = await h.handler.handle({
      caseId: 'c-2',
      command: { type: 'MergeCase', intoCaseId: 'c-1' },
      actor: actors.chair,
      commandId: 'm-1',
    });
    t.equal(merged.state.status, 'merged');
    const target = await h.handler.cases.load('c-1');
    t.match(target.state, { mergedFrom: ['c-2'] });
    await h.handler.handle({
      caseId: 'c-2',
      command: { type: 'MergeCase', intoCaseId: 'c-1' },
      actor: actors.chair,
      commandId: 'm-1',
    });
    const targetEvents = await readStreamToArray(h.store, 'case-c-1');
    t.equal(
      targetEvents.filter((e) => e.type === 'DuplicateCaseMerged').length,
      1,
      'a retried merge records it once',
    );
    t.equal(targetEvents.at(-1)?.metadata.causationId, 'm-1', 'caused by the merge command');
  },
);

t.test('an early CaseSubmitted without urgency is upcast on read, never rewritten', async (t) => {
  const h = await harness(t);
  const {
    type: _type,
    urgency: _urgency,
    ...data
  } = intake({ caseId: 'old' }) as Extract<CaseCommand, { type: 'SubmitCase' }>;
  const at = '2025-06-01T01:00:00.000Z';
  await h.store.append('case-old', [
    {
      id: crypto.randomUUID(),
      type: 'CaseSubmitted',
      data: {
        ...data,
        level: 'grid',
        submittedBy: { id: 'grid-wang', role: 'gridWorker' },
        at,
        acceptDueAt: at,
      } as never,
      metadata: { schemaVersion: 1, commandId: 'legacy', prevHash: '0'.repeat(64) },
    },
  ]);
  const loaded = await new CaseCommandHandler({
    store: h.store,
    directory: new DirectoryRepository(h.store),
  }).cases.load('old');
  t.match(loaded.state, { status: 'submitted', urgency: 'normal' });
  const [stored] = await readStreamToArray(h.store, 'case-old');
  t.notOk('urgency' in (stored?.data ?? {}), 'the stored event keeps its original shape');
});
