// Intake and the first decisions on a case: submit, accept, reject, assign, withdraw.
import type { CaseEvent } from '../../events/case-events.js';
import { DomainError } from '../domain-error.js';
import type { CaseCommandOf } from './commands.js';
import { acceptDue, resolveDue } from './deadlines.js';
import type { DecisionContext } from './decide.js';
import { caseEvent, compact } from './event.js';
import { existing, inStatus } from './rules.js';
import type { CaseState } from './state.js';

export function submitCase(
  command: CaseCommandOf<'SubmitCase'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  if (state.status !== 'initial')
    throw new DomainError('case_exists', `case ${command.caseId} already exists`);
  const unit = context.directory.orgUnit(command.location.orgUnitId);
  if (!unit) throw new DomainError('unknown_org_unit', `there is no org unit ${command.location.orgUnitId}`);
  if (command.parties.length === 0)
    throw new DomainError('validation_failed', 'a case needs at least one party');
  const personIds = new Set(command.parties.map((party) => party.personId));
  if (personIds.size !== command.parties.length) {
    throw new DomainError('validation_failed', 'every party needs its own personId');
  }
  const { occurredAt: at, actor } = context.meta;
  const { type: _type, ...fields } = command;
  return [
    caseEvent(
      'CaseSubmitted',
      compact({
        ...fields,
        parties: command.parties.map((party) => compact({ ...party })),
        location: compact({ ...command.location }),
        level: unit.kind,
        submittedBy: compact({ id: actor.id, role: actor.role, dept: actor.dept }),
        at,
        acceptDueAt: acceptDue(at, command.urgency, context.deadlines),
      }),
    ),
  ];
}

export function acceptCase(
  command: CaseCommandOf<'AcceptCase'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  const found = inStatus(state, ['submitted'], 'accepting');
  const at = context.meta.occurredAt;
  const data = compact({
    handlingMode: command.handlingMode,
    note: command.note,
    complex: command.complex ?? false,
    at,
    resolveDueAt: resolveDue(at, found.urgency, context.deadlines),
  });
  return [caseEvent('CaseAccepted', data)];
}

export function rejectCase(
  command: CaseCommandOf<'RejectCase'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  inStatus(state, ['submitted'], 'rejecting');
  const { reason, referredTo } = command;
  return [caseEvent('CaseRejected', compact({ reason, referredTo, at: context.meta.occurredAt }))];
}

export function assignCase(
  command: CaseCommandOf<'AssignCase'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  const found = inStatus(state, ['accepted'], 'assigning');
  if (found.assigneeId === command.assigneeId) {
    throw new DomainError(
      'already_assigned',
      `case ${found.caseId} is already assigned to ${command.assigneeId}`,
    );
  }
  return [caseEvent('CaseAssigned', { assigneeId: command.assigneeId, at: context.meta.occurredAt })];
}

export function withdrawCase(
  command: CaseCommandOf<'WithdrawCase'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  const found = existing(state);
  const { actor, occurredAt } = context.meta;
  if (actor.role === 'resident' && !found.parties.some((party) => party.userId === actor.id)) {
    throw new DomainError('not_a_party', `only a party to case ${found.caseId} may withdraw it`);
  }
  inStatus(state, ['submitted', 'accepted'], 'withdrawing');
  return [caseEvent('CaseWithdrawn', { reason: command.reason, by: actor.id, at: occurredAt })];
}
