// Escalation, notes and attachments, resolution, feedback (回访), reopening (重办), closing and merging.
import type { CaseEvent, CaseEventData, Level } from '../../events/case-events.js';
import { DomainError } from '../domain-error.js';
import type { CaseCommandOf } from './commands.js';
import { addCalendarDays, feedbackDue, resolveDue } from './deadlines.js';
import type { DecisionContext } from './decide.js';
import { caseEvent, compact } from './event.js';
import { existing, inStatus } from './rules.js';
import { type CaseState, type ExistingCase, OPEN_SUMMONS } from './state.js';

/** The parent org unit, one level up; never above the district. */
export function escalation(
  state: ExistingCase,
  context: DecisionContext,
  reason: string,
  trigger?: CaseEventData<'CaseEscalated'>['trigger'],
): CaseEvent {
  const current = context.directory.orgUnit(state.orgUnitId);
  if (!current) throw new DomainError('unknown_org_unit', `there is no org unit ${state.orgUnitId}`);
  if (current.kind === 'district' || current.parentId === undefined) {
    throw new DomainError(
      'already_at_district',
      `case ${state.caseId} is already at the ${current.kind}; it cannot go higher`,
    );
  }
  const parent = context.directory.orgUnit(current.parentId);
  if (!parent) throw new DomainError('unknown_org_unit', `there is no org unit ${current.parentId}`);
  const data = compact({
    fromOrgUnitId: current.id,
    toOrgUnitId: parent.id,
    fromLevel: current.kind as Level,
    toLevel: parent.kind as Level,
    reason,
    trigger,
    at: context.meta.occurredAt,
  });
  return caseEvent('CaseEscalated', data);
}

export function escalate(
  command: CaseCommandOf<'EscalateCase'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  const found = inStatus(state, ['submitted', 'accepted'], 'escalating');
  return [escalation(found, context, command.reason)];
}

export function addNote(
  command: CaseCommandOf<'AddNote'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  const found = existing(state);
  if (found.status === 'merged')
    throw new DomainError('case_closed', `case ${found.caseId} was merged into ${found.intoCaseId}`);
  return [
    caseEvent('NoteAdded', { noteId: command.noteId, text: command.text, at: context.meta.occurredAt }),
  ];
}

const MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024;

export function addAttachment(
  command: CaseCommandOf<'AddAttachment'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  const found = existing(state);
  if (found.status === 'merged')
    throw new DomainError('case_closed', `case ${found.caseId} was merged into ${found.intoCaseId}`);
  if (!/^[0-9a-f]{64}$/.test(command.sha256))
    throw new DomainError('validation_failed', 'sha256 must be 64 lower-case hex digits');
  if (!Number.isInteger(command.size) || command.size < 0 || command.size > MAX_ATTACHMENT_BYTES) {
    throw new DomainError(
      'validation_failed',
      `size must be a whole number of bytes up to ${MAX_ATTACHMENT_BYTES}`,
    );
  }
  const { type: _type, ...fields } = command;
  return [caseEvent('AttachmentAdded', { ...fields, at: context.meta.occurredAt })];
}

export function resolve(
  command: CaseCommandOf<'ResolveCase'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  const found = inStatus(state, ['accepted'], 'resolving');
  const open = Object.values(found.summons).filter((s) => OPEN_SUMMONS.has(s.status));
  if (open.length > 0) {
    const names = open.map((s) => `${s.departmentId} (${s.status})`).join(', ');
    throw new DomainError(
      'open_summons',
      `case ${found.caseId} still has open summons: ${names}; they must respond or be released`,
    );
  }
  const at = context.meta.occurredAt;
  return [
    caseEvent('CaseResolved', {
      summary: command.summary,
      at,
      feedbackDueAt: feedbackDue(at, context.deadlines),
    }),
  ];
}

export function giveFeedback(
  command: CaseCommandOf<'GiveFeedback'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  const found = inStatus(state, ['resolved'], 'feedback');
  const { actor, occurredAt: at } = context.meta;
  const byResident = actor.role === 'resident';
  if (byResident && !found.parties.some((party) => party.userId === actor.id)) {
    throw new DomainError('not_a_party', `only a party to case ${found.caseId} may rate it`);
  }
  const via = command.via ?? (byResident ? 'self' : 'phone');
  if (byResident !== (via === 'self')) {
    throw new DomainError(
      'validation_failed',
      "via is 'self' for a resident's own rating and 'phone' or 'visit' for staff",
    );
  }
  if (found.feedback.some((given) => given.at >= found.resolvedAt)) {
    throw new DomainError(
      'feedback_already_given',
      `case ${found.caseId} was already rated since it was resolved`,
    );
  }
  const given = caseEvent(
    'FeedbackGiven',
    compact({ rating: command.rating, comment: command.comment, via, by: actor.id, at }),
  );
  if (command.rating !== 'dissatisfied') return [given];
  // 重办: a dissatisfied rating sends the case back to be handled again, with a fresh resolution clock.
  const reopened = caseEvent('CaseReopened', {
    reason: 'the resident rated the outcome dissatisfied',
    automatic: true,
    at,
    resolveDueAt: resolveDue(at, found.urgency, context.deadlines),
  });
  return [given, reopened];
}

export function reopen(
  command: CaseCommandOf<'ReopenCase'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  const found = inStatus(state, ['resolved', 'closed'], 'reopening');
  const at = context.meta.occurredAt;
  if (found.status === 'closed') {
    const days = context.deadlines.policy.reopenWindowDays;
    if (at > addCalendarDays(found.closedAt, days)) {
      throw new DomainError(
        'reopen_window_passed',
        `case ${found.caseId} closed more than ${days} days ago; it can no longer be reopened`,
      );
    }
  }
  const resolveDueAt = resolveDue(at, found.urgency, context.deadlines);
  return [caseEvent('CaseReopened', { reason: command.reason, automatic: false, at, resolveDueAt })];
}

export function close(
  command: CaseCommandOf<'CloseCase'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  inStatus(state, ['resolved'], 'closing');
  return [
    caseEvent(
      'CaseClosed',
      compact({ reason: command.reason, noFeedback: false, at: context.meta.occurredAt }),
    ),
  ];
}

export function merge(
  command: CaseCommandOf<'MergeCase'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  const found = inStatus(state, ['submitted', 'accepted'], 'merging');
  if (command.intoCaseId === found.caseId)
    throw new DomainError('merge_into_self', 'a case cannot be merged into itself');
  const target = context.mergeTarget;
  if (!target || target.status === 'initial') {
    throw new DomainError('merge_target_not_found', `there is no case ${command.intoCaseId}`);
  }
  if (target.status !== 'submitted' && target.status !== 'accepted') {
    throw new DomainError(
      'merge_target_closed',
      `case ${command.intoCaseId} is ${target.status}; merge into an open case`,
    );
  }
  return [caseEvent('CaseMerged', { intoCaseId: command.intoCaseId, at: context.meta.occurredAt })];
}

export function recordDuplicateMerged(
  command: CaseCommandOf<'RecordDuplicateMerged'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  const found = existing(state);
  if (found.mergedFrom.includes(command.duplicateCaseId)) return [];
  return [
    caseEvent('DuplicateCaseMerged', {
      duplicateCaseId: command.duplicateCaseId,
      at: context.meta.occurredAt,
    }),
  ];
}
