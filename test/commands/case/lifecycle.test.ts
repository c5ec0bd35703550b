// Escalation, notes and attachments, resolution, feedback (回访), reopening (重办), closing and merging.
import t from 'tap';
import type { CaseCommand } from '../../../src/commands/case/commands.js';
import type { CaseEvent } from '../../../src/events/case-events.js';
import {
  acceptedCase,
  actors,
  at,
  DAY,
  given,
  HOUR,
  play,
  resolvedCase,
  stateOf,
  submittedCase,
} from '../../support/case-fixtures.js';

const SHA256 = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const escalate: CaseCommand = { type: 'EscalateCase', reason: '社区无法解决' };
const note: CaseCommand = { type: 'AddNote', noteId: 'note-1', text: '已上门了解情况' };
const attach = (change: Partial<Extract<CaseCommand, { type: 'AddAttachment' }>> = {}): CaseCommand => ({
  type: 'AddAttachment',
  attachmentId: 'file-1',
  name: '漏水照片.jpg',
  contentType: 'image/jpeg',
  sha256: SHA256,
  size: 524_288,
  ...change,
});
const feedback = (
  rating: 'satisfied' | 'basicallySatisfied' | 'dissatisfied',
  via?: 'self' | 'phone' | 'visit',
): CaseCommand =>
  via ? { type: 'GiveFeedback', rating, via } : { type: 'GiveFeedback', rating, comment: '处理及时' };
const reopen: CaseCommand = { type: 'ReopenCase', reason: '漏水再次出现' };
const close: CaseCommand = { type: 'CloseCase', reason: '居民满意' };
/** Resolved at 11:00 Beijing on T0's day (minute 120); rated or closed after that. */
const RESOLVED = 2 * HOUR;
const merged = (): CaseEvent[] =>
  play(submittedCase(), [[{ type: 'MergeCase', intoCaseId: 'case-0002' }, actors.chair, 20]], {
    mergeTarget: stateOf(submittedCase({ caseId: 'case-0002' })),
  });

t.test('EscalateCase moves one level at a time, never above the district', async (t) => {
  const path = [
    ['grid-1', 'community-sunrise', 'grid', 'community'],
    ['community-sunrise', 'street-east', 'community', 'street'],
    ['street-east', 'district-1', 'street', 'district'],
  ] as const;
  let history = acceptedCase();
  for (const [minute, [fromOrgUnitId, toOrgUnitId, fromLevel, toLevel]] of path.entries()) {
    const data = {
      fromOrgUnitId,
      toOrgUnitId,
      fromLevel,
      toLevel,
      reason: '社区无法解决',
      at: at(30 + minute),
    };
    const { state, events } = given(history)
      .when(escalate, actors.chair, at(30 + minute))
      .thenHas(t, [{ type: 'CaseEscalated', data }]);
    t.hasStrict(state, { orgUnitId: toOrgUnitId, level: toLevel, status: 'accepted' });
    t.notOk(events[0] && 'trigger' in events[0].data, 'a manual escalation has no clock trigger');
    history = play(history, [[escalate, actors.chair, 30 + minute]]);
  }
  given(history).when(escalate, actors.districtSupervisor).thenThrows(t, 'already_at_district');
  const toCommunity = { toLevel: 'community' } as const;
  given(submittedCase())
    .when(escalate, actors.gridWorker)
    .thenHas(t, [{ type: 'CaseEscalated', data: toCommunity }]);
  given(resolvedCase())
    .when(escalate, actors.chair, at(3 * HOUR))
    .thenThrows(t, 'invalid_status');
});

t.test('notes and attachments', async (t) => {
  const { state } = given(submittedCase())
    .when(note, actors.gridWorker, at(5))
    .thenHas(t, [{ type: 'NoteAdded', data: { noteId: 'note-1', text: '已上门了解情况', at: at(5) } }]);
  t.hasStrict(state, { status: 'submitted', noteCount: 1 });
  const file = { attachmentId: 'file-1', name: '漏水照片.jpg', contentType: 'image/jpeg' };
  given(acceptedCase())
    .when(attach(), actors.mediator, at(30))
    .thenHas(t, [{ type: 'AttachmentAdded', data: { ...file, sha256: SHA256, size: 524_288, at: at(30) } }]);
  for (const bad of [
    { sha256: SHA256.toUpperCase() },
    { sha256: 'abc123' },
    { size: -1 },
    { size: 1.5 },
    { size: 100 * 1024 * 1024 + 1 },
  ]) {
    given(acceptedCase()).when(attach(bad), actors.mediator).thenThrows(t, 'validation_failed');
  }
  given(merged()).when(note, actors.chair).thenThrows(t, 'case_closed');
  given(merged()).when(attach(), actors.chair).thenThrows(t, 'case_closed');
});

t.test('ResolveCase starts the 7-working-day rating window', async (t) => {
  const feedbackDueAt = '2026-03-11T03:00:00.000Z';
  const { state } = given(acceptedCase())
    .when({ type: 'ResolveCase', summary: '已修复漏水' }, actors.mediator, at(RESOLVED))
    .thenHas(t, [{ type: 'CaseResolved', data: { summary: '已修复漏水', at: at(RESOLVED), feedbackDueAt } }]);
  t.hasStrict(state, { status: 'resolved', resolvedAt: at(RESOLVED), feedbackDueAt });
  const again: CaseCommand = { type: 'ResolveCase', summary: '再次' };
  given(resolvedCase())
    .when(again, actors.mediator, at(3 * HOUR))
    .thenThrows(t, 'case_not_accepted');
});

t.test('GiveFeedback', async (t) => {
  t.test('the resident party rates it themselves; staff record a follow-up call', async (t) => {
    const bySelf = { rating: 'satisfied', comment: '处理及时' } as const;
    const byPhone = { rating: 'basicallySatisfied', via: 'phone', by: 'mediator-liu' } as const;
    given(resolvedCase())
      .when(feedback('satisfied'), actors.resident, at(DAY))
      .thenHas(t, [
        { type: 'FeedbackGiven', data: { ...bySelf, via: 'self', by: 'resident-zhang', at: at(DAY) } },
      ]);
    given(resolvedCase())
      .when(feedback('basicallySatisfied'), actors.mediator, at(DAY))
      .thenHas(t, [{ type: 'FeedbackGiven', data: byPhone }]);
    const { state } = given(resolvedCase())
      .when(feedback('satisfied', 'visit'), actors.chair, at(DAY))
      .thenHas(t, [{ type: 'FeedbackGiven', data: { via: 'visit' } }]);
    t.equal(state.status, 'resolved', 'a satisfied rating leaves the case resolved until it is closed');
  });

  t.test('broken rules', async (t) => {
    const resolved = given(resolvedCase());
    resolved.when(feedback('satisfied'), actors.otherResident, at(DAY)).thenThrows(t, 'not_a_party');
    resolved
      .when(feedback('satisfied', 'phone'), actors.resident, at(DAY))
      .thenThrows(t, 'validation_failed');
    resolved.when(feedback('satisfied', 'self'), actors.mediator, at(DAY)).thenThrows(t, 'validation_failed');
    const rated = given(play(resolvedCase(), [[feedback('satisfied'), actors.resident, DAY]]));
    rated
      .when(feedback('satisfied', 'phone'), actors.mediator, at(DAY + 5))
      .thenThrows(t, 'feedback_already_given');
    given(acceptedCase()).when(feedback('satisfied'), actors.resident).thenThrows(t, 'case_not_resolved');
  });

  t.test('dissatisfied reopens the case (重办) with a fresh resolution clock', async (t) => {
    const { state } = given(resolvedCase())
      .when(feedback('dissatisfied'), actors.resident, at(DAY))
      .thenHas(t, [
        { type: 'FeedbackGiven', data: { rating: 'dissatisfied', via: 'self', at: at(DAY) } },
        {
          type: 'CaseReopened',
          data: { automatic: true, at: at(DAY), resolveDueAt: '2026-03-24T01:00:00.000Z' },
        },
      ]);
    t.hasStrict(state, {
      status: 'accepted',
      acceptedAt: at(DAY),
      resolveDueAt: '2026-03-24T01:00:00.000Z',
      reopenCount: 1,
    });
    t.notOk('resolvedAt' in state, 'the old resolution is gone');
    const handledAgain = play(resolvedCase(), [
      [feedback('dissatisfied'), actors.resident, DAY],
      [{ type: 'ResolveCase', summary: '更换了防水层' }, actors.mediator, 3 * DAY],
    ]);
    given(handledAgain)
      .when(feedback('satisfied'), actors.resident, at(4 * DAY))
      .thenHas(t, [{ type: 'FeedbackGiven', data: { rating: 'satisfied' } }]);
  });
});

t.test('ReopenCase', async (t) => {
  const CLOSED = 3 * HOUR;
  const closed = (): CaseEvent[] => play(resolvedCase(), [[close, actors.chair, CLOSED]]);
  given(resolvedCase())
    .when(reopen, actors.chair, at(DAY))
    .thenHas(t, [
      {
        type: 'CaseReopened',
        data: {
          reason: '漏水再次出现',
          automatic: false,
          at: at(DAY),
          resolveDueAt: '2026-03-24T01:00:00.000Z',
        },
      },
    ]);
  // Reopened on Tue 31 March 12:00: 15 working days skip Qingming (Mon 6 April).
  const { state } = given(closed())
    .when(reopen, actors.streetSupervisor, at(CLOSED + 29 * DAY))
    .thenHas(t, [
      {
        type: 'CaseReopened',
        data: { at: '2026-03-31T04:00:00.000Z', resolveDueAt: '2026-04-22T04:00:00.000Z' },
      },
    ]);
  t.hasStrict(state, { status: 'accepted', reopenCount: 1 });
  t.notOk('closedAt' in state || 'noFeedback' in state, 'the closing is gone');
  given(closed())
    .when(reopen, actors.chair, at(CLOSED + 30 * DAY + 1))
    .thenThrows(t, 'reopen_window_passed');
  given(acceptedCase()).when(reopen, actors.chair).thenThrows(t, 'invalid_status');
});

t.test('CloseCase', async (t) => {
  const { state } = given(resolvedCase())
    .when(close, actors.chair, at(3 * HOUR))
    .thenHas(t, [{ type: 'CaseClosed', data: { reason: '居民满意', noFeedback: false, at: at(3 * HOUR) } }]);
  t.hasStrict(state, { status: 'closed', closedAt: at(3 * HOUR), noFeedback: false });
  given(acceptedCase()).when(close, actors.chair).thenThrows(t, 'case_not_resolved');
});

t.test('MergeCase closes a duplicate into another open case', async (t) => {
  const merge: CaseCommand = { type: 'MergeCase', intoCaseId: 'case-0002' };
  const target = stateOf(acceptedCase({ caseId: 'case-0002' }));
  const { state } = given(acceptedCase())
    .when(merge, actors.chair, at(20), { mergeTarget: target })
    .thenHas(t, [{ type: 'CaseMerged', data: { intoCaseId: 'case-0002', at: at(20) } }]);
  t.hasStrict(state, { status: 'merged', intoCaseId: 'case-0002' });
  given(acceptedCase())
    .when({ type: 'MergeCase', intoCaseId: 'case-0001' }, actors.chair, at(20), {
      mergeTarget: stateOf(acceptedCase()),
    })
    .thenThrows(t, 'merge_into_self');
  given(acceptedCase()).when(merge, actors.chair).thenThrows(t, 'merge_target_not_found');
  given(acceptedCase())
    .when(merge, actors.chair, at(20), { mergeTarget: { status: 'initial' } })
    .thenThrows(t, 'merge_target_not_found');
  for (const ended of [
    resolvedCase({ caseId: 'case-0002' }),
    play(submittedCase({ caseId: 'case-0002' }), [[{ type: 'RejectCase', reason: '重复' }, actors.chair, 5]]),
  ]) {
    given(acceptedCase())
      .when(merge, actors.chair, at(3 * HOUR), { mergeTarget: stateOf(ended) })
      .thenThrows(t, 'merge_target_closed');
  }
  given(merged()).when(merge, actors.chair, at(30), { mergeTarget: target }).thenThrows(t, 'case_closed');
});

t.test('RecordDuplicateMerged points the surviving case at the duplicate, once', async (t) => {
  const record: CaseCommand = { type: 'RecordDuplicateMerged', duplicateCaseId: 'case-0003' };
  given(acceptedCase())
    .when(record, actors.chair, at(20))
    .thenHas(t, [{ type: 'DuplicateCaseMerged', data: { duplicateCaseId: 'case-0003', at: at(20) } }]);
  const recorded = play(acceptedCase(), [[record, actors.chair, 20]]);
  t.same(stateOf(recorded).mergedFrom, ['case-0003']);
  given(recorded).when(record, actors.chair, at(21)).thenHas(t, []);
  given(recorded).when(record, actors.system, at(22)).thenHas(t, []);
  // Who may record it is the policy's rule (test/commands/policy.test.ts), not the decider's.
});
