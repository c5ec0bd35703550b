// 吹哨、报到: the community summons departments; each reports in, responds, or declines, or is released.
// 事不完、人不撤 — a summons stays open until its department responds or the case releases it.
import type { CaseEvent } from '../../events/case-events.js';
import { DomainError } from '../domain-error.js';
import type { CaseCommandOf } from './commands.js';
import { reportInDue, respondDue } from './deadlines.js';
import type { DecisionContext } from './decide.js';
import { caseEvent, compact } from './event.js';
import { asLiaisonOf, department, existing, inStatus, summonsOf } from './rules.js';
import { type CaseState, OPEN_SUMMONS } from './state.js';

const MAX_REPORT_IN_MINUTES = 7 * 24 * 60;

export function whistle(
  command: CaseCommandOf<'WhistleDepartments'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  const found = inStatus(state, ['accepted'], 'whistling');
  const ids = command.departmentIds;
  if (ids.length === 0) throw new DomainError('validation_failed', 'whistle at least one department');
  if (new Set(ids).size !== ids.length)
    throw new DomainError('validation_failed', 'a department is named twice');
  const minutes = command.reportInMinutes;
  if (
    minutes !== undefined &&
    !(Number.isInteger(minutes) && minutes >= 1 && minutes <= MAX_REPORT_IN_MINUTES)
  ) {
    throw new DomainError(
      'validation_failed',
      `reportInMinutes must be a whole number from 1 to ${MAX_REPORT_IN_MINUTES}`,
    );
  }
  const at = context.meta.occurredAt;
  const summons = ids.map((departmentId) => {
    const dept = department(context, departmentId);
    const current = found.summons[departmentId];
    // A department that let its report-in clock run out without coming may be summoned again (by the level
    // the case was escalated to); one that has reported in, even late, is present and stays until it responds.
    const absent = current?.status === 'pending' && current.overdue.reportIn;
    if (current && OPEN_SUMMONS.has(current.status) && !absent) {
      throw new DomainError(
        'summons_already_open',
        `department ${departmentId} is already summoned to case ${found.caseId}`,
      );
    }
    const reportInDueAt = reportInDue(at, found.urgency, context.deadlines, minutes);
    return { departmentId, departmentKind: dept.kind, round: (current?.round ?? 0) + 1, reportInDueAt };
  });
  return [caseEvent('DepartmentsSummoned', { reason: command.reason, at, summons })];
}

export function reportIn(
  command: CaseCommandOf<'ReportIn'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  const found = existing(state);
  const summons = summonsOf(found, command.departmentId);
  const by = asLiaisonOf(context, command.departmentId);
  if (summons.status !== 'pending') {
    throw new DomainError(
      'summons_not_pending',
      `department ${command.departmentId} is ${summons.status} on case ${found.caseId}`,
    );
  }
  const at = context.meta.occurredAt;
  const respondDueAt = respondDue(at, found, summons.departmentKind, context.deadlines);
  return [
    caseEvent(
      'DepartmentReportedIn',
      compact({ departmentId: command.departmentId, by, note: command.note, at, respondDueAt }),
    ),
  ];
}

export function respond(
  command: CaseCommandOf<'RespondToSummons'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  const found = existing(state);
  const summons = summonsOf(found, command.departmentId);
  const by = asLiaisonOf(context, command.departmentId);
  if (summons.status !== 'reportedIn') {
    throw new DomainError(
      'not_reported_in',
      `department ${command.departmentId} must report in before it responds (it is ${summons.status})`,
    );
  }
  const { departmentId, summary } = command;
  return [caseEvent('DepartmentResponded', { departmentId, by, summary, at: context.meta.occurredAt })];
}

/** A summons still pending or reported in: the ones a department may decline or the case release. */
function openSummons(state: CaseState, departmentId: string): void {
  const summons = summonsOf(existing(state), departmentId);
  if (!OPEN_SUMMONS.has(summons.status)) {
    throw new DomainError('summons_closed', `the summons of ${departmentId} is already ${summons.status}`);
  }
}

export function decline(
  command: CaseCommandOf<'DeclineSummons'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  summonsOf(existing(state), command.departmentId);
  const by = asLiaisonOf(context, command.departmentId);
  openSummons(state, command.departmentId);
  const { departmentId, reason } = command;
  return [caseEvent('SummonsDeclined', { departmentId, by, reason, at: context.meta.occurredAt })];
}

export function release(
  command: CaseCommandOf<'ReleaseSummons'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  openSummons(state, command.departmentId);
  const { departmentId, reason } = command;
  return [caseEvent('SummonsReleased', { departmentId, reason, at: context.meta.occurredAt })];
}
