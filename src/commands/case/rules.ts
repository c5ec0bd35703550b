// Guards shared by the case's command functions; each broken rule throws a DomainError with a stable code.

import type { Department } from '../directory/directory.js';
import { DomainError } from '../domain-error.js';
import type { DecisionContext } from './decide.js';
import type { CaseState, CaseStatus, ExistingCase, Summons } from './state.js';

export function existing(state: CaseState): ExistingCase {
  if (state.status === 'initial') throw new DomainError('case_not_found', 'there is no such case');
  return state;
}

const STATUS_RULES: Record<string, string> = {
  accepted: 'case_not_accepted',
  submitted: 'case_not_submitted',
  resolved: 'case_not_resolved',
};

/** The case must be in one of the statuses; the error names where it is and what it needs. */
export function inStatus<S extends CaseStatus>(
  state: CaseState,
  statuses: readonly S[],
  action: string,
): Extract<ExistingCase, { status: S }> {
  const found = existing(state);
  if ((statuses as readonly string[]).includes(found.status))
    return found as Extract<ExistingCase, { status: S }>;
  // Nothing happens before acceptance (DESIGN.md §3): say so whatever else the action would also allow.
  const beforeAcceptance =
    found.status === 'submitted' && (statuses as readonly string[]).includes('accepted');
  const single = statuses.length === 1 ? STATUS_RULES[statuses[0]!] : undefined;
  const code = beforeAcceptance ? 'case_not_accepted' : (single ?? 'invalid_status');
  const closed = ['closed', 'rejected', 'withdrawn', 'merged'].includes(found.status);
  throw new DomainError(
    closed && code === 'invalid_status' ? 'case_closed' : code,
    `case ${found.caseId} is ${found.status}; ${action} needs it ${statuses.join(' or ')}`,
  );
}

export function department(context: DecisionContext, departmentId: string): Department {
  const found = context.directory.department(departmentId);
  if (!found) throw new DomainError('unknown_department', `there is no department ${departmentId}`);
  return found;
}

export function summonsOf(state: ExistingCase, departmentId: string): Summons {
  const found = state.summons[departmentId];
  if (!found) {
    throw new DomainError(
      'summons_not_found',
      `department ${departmentId} has not been summoned to case ${state.caseId}`,
    );
  }
  return found;
}

/** Only a liaison of the summoned department may speak for it. */
export function asLiaisonOf(context: DecisionContext, departmentId: string): string {
  const { actor } = context.meta;
  if (actor.role !== 'liaison' || actor.dept !== departmentId) {
    throw new DomainError(
      'wrong_department',
      `only a liaison of department ${departmentId} may do this; ${actor.id} is not one`,
    );
  }
  return actor.id;
}

export function nonBlank(value: string | undefined, field: string): string {
  if (value === undefined || value.trim().length === 0) {
    throw new DomainError('validation_failed', `${field} must not be blank`);
  }
  return value;
}
