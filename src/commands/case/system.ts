// The service's own commands when a clock runs out (DESIGN.md §4). Each is deterministic and
// idempotent: a clock that no longer runs, or that already fired, decides nothing.
import type { CaseEvent } from '../../events/case-events.js';
import { DomainError } from '../domain-error.js';
import type { CaseCommandOf } from './commands.js';
import { runningClocks } from './deadlines.js';
import type { DecisionContext } from './decide.js';
import { caseEvent } from './event.js';
import { escalation } from './lifecycle.js';
import { type CaseState, clockKey, type ExistingCase, escalatedSince } from './state.js';

function notBeforeDue(dueAt: string, context: DecisionContext): void {
  if (context.meta.occurredAt < dueAt) {
    throw new DomainError(
      'clock_not_due',
      `the clock is due at ${dueAt}, not yet at ${context.meta.occurredAt}`,
    );
  }
}

function isRunning(state: ExistingCase, clock: string, dueAt: string, departmentId?: string): boolean {
  return runningClocks(state).some(
    (running) => running.clock === clock && running.dueAt === dueAt && running.departmentId === departmentId,
  );
}

export function markSummonsOverdue(
  command: CaseCommandOf<'MarkSummonsOverdue'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  if (state.status === 'initial') return [];
  const { departmentId, clock, dueAt } = command;
  notBeforeDue(dueAt, context);
  const summons = state.summons[departmentId];
  if (!summons || !isRunning(state, clock, dueAt, departmentId)) return [];
  if (state.firedClocks.includes(`overdue:${clockKey(clock, dueAt, departmentId)}`)) return [];
  return [
    caseEvent('SummonsOverdue', {
      departmentId,
      round: summons.round,
      clock,
      dueAt,
      at: context.meta.occurredAt,
    }),
  ];
}

export function escalateOnOverdue(
  command: CaseCommandOf<'EscalateOnOverdue'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  if (state.status !== 'submitted' && state.status !== 'accepted') return [];
  const { clock, dueAt, departmentId } = command;
  notBeforeDue(dueAt, context);
  if (!isRunning(state, clock, dueAt, departmentId)) return [];
  if (escalatedSince(state, dueAt)) return [];
  if (state.level === 'district') return [];
  const trigger = departmentId ? { clock, departmentId, dueAt } : { clock, dueAt };
  const who = departmentId ? `department ${departmentId}'s ` : '';
  return [escalation(state, context, `${who}${clock} clock ran out at ${dueAt}`, trigger)];
}

export function closeWithoutFeedback(
  command: CaseCommandOf<'CloseWithoutFeedback'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  if (state.status !== 'resolved' || state.feedbackDueAt !== command.dueAt) return [];
  notBeforeDue(command.dueAt, context);
  if (state.feedback.some((given) => given.at >= state.resolvedAt)) return [];
  const reason = 'no feedback within the rating window';
  return [caseEvent('CaseClosed', { reason, noFeedback: true, at: context.meta.occurredAt })];
}
