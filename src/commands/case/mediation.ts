// 多方联调: participants, mediation sessions, agreements and their judicial confirmation (司法确认).
import type { CaseEvent } from '../../events/case-events.js';
import { DomainError } from '../domain-error.js';
import type { CaseCommandOf } from './commands.js';
import { addCalendarDays } from './deadlines.js';
import type { DecisionContext } from './decide.js';
import { caseEvent, compact } from './event.js';
import { department, existing, inStatus } from './rules.js';
import type { Agreement, CaseState, ExistingCase } from './state.js';

export function addParticipant(
  command: CaseCommandOf<'AddParticipant'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  const found = inStatus(state, ['accepted'], 'adding a participant');
  if (found.participants[command.userId]) {
    throw new DomainError(
      'participant_exists',
      `${command.userId} already takes part in case ${found.caseId}`,
    );
  }
  if (command.departmentId !== undefined) department(context, command.departmentId);
  const { userId, role, departmentId } = command;
  return [
    caseEvent('ParticipantJoined', compact({ userId, role, departmentId, at: context.meta.occurredAt })),
  ];
}

export function removeParticipant(
  command: CaseCommandOf<'RemoveParticipant'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  const found = inStatus(state, ['accepted'], 'removing a participant');
  if (!found.participants[command.userId]) {
    throw new DomainError(
      'participant_not_found',
      `${command.userId} does not take part in case ${found.caseId}`,
    );
  }
  return [caseEvent('ParticipantLeft', { userId: command.userId, at: context.meta.occurredAt })];
}

export function scheduleSession(
  command: CaseCommandOf<'ScheduleMediationSession'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  const found = inStatus(state, ['accepted'], 'scheduling a mediation session');
  if (found.sessions[command.sessionId])
    throw new DomainError('session_exists', `session ${command.sessionId} already exists`);
  const { sessionId, scheduledAt, place } = command;
  return [
    caseEvent('MediationSessionScheduled', { sessionId, scheduledAt, place, at: context.meta.occurredAt }),
  ];
}

export function recordSession(
  command: CaseCommandOf<'RecordMediationSession'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  const found = inStatus(state, ['accepted'], 'recording a mediation session');
  const session = found.sessions[command.sessionId];
  if (!session)
    throw new DomainError('session_not_found', `case ${found.caseId} has no session ${command.sessionId}`);
  if (session.recorded)
    throw new DomainError('session_already_recorded', `session ${command.sessionId} is already recorded`);
  const { sessionId, outcome, notes } = command;
  return [
    caseEvent(
      'MediationSessionRecorded',
      compact({ sessionId, outcome, notes, at: context.meta.occurredAt }),
    ),
  ];
}

export function recordAgreement(
  command: CaseCommandOf<'RecordAgreement'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  const found = inStatus(state, ['accepted'], 'recording an agreement');
  if (found.agreements[command.agreementId]) {
    throw new DomainError('agreement_exists', `agreement ${command.agreementId} already exists`);
  }
  if (command.signatories.length === 0)
    throw new DomainError('validation_failed', 'an agreement needs a signatory');
  const { agreementId, terms, signatories } = command;
  return [
    caseEvent('AgreementRecorded', {
      agreementId,
      terms,
      signatories: [...signatories],
      at: context.meta.occurredAt,
    }),
  ];
}

function agreementOf(state: ExistingCase, agreementId: string): Agreement {
  const found = state.agreements[agreementId];
  if (!found)
    throw new DomainError('agreement_not_found', `case ${state.caseId} has no agreement ${agreementId}`);
  return found;
}

export function requestConfirmation(
  command: CaseCommandOf<'RequestJudicialConfirmation'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  const found = inStatus(state, ['accepted', 'resolved'], 'requesting judicial confirmation');
  const agreement = agreementOf(found, command.agreementId);
  if (department(context, command.courtId).kind !== 'court') {
    throw new DomainError('not_a_court', `department ${command.courtId} is not a court`);
  }
  if (agreement.confirmation) {
    throw new DomainError(
      'confirmation_already_requested',
      `confirmation of ${agreement.agreementId} was already requested`,
    );
  }
  const at = context.meta.occurredAt;
  const deadline = addCalendarDays(agreement.recordedAt, context.deadlines.policy.judicialConfirmationDays);
  if (at > deadline) {
    throw new DomainError(
      'confirmation_window_passed',
      `judicial confirmation must be requested within ${context.deadlines.policy.judicialConfirmationDays} days of the agreement (by ${deadline})`,
    );
  }
  return [
    caseEvent('JudicialConfirmationRequested', {
      agreementId: agreement.agreementId,
      courtId: command.courtId,
      at,
    }),
  ];
}

export function decideConfirmation(
  command: CaseCommandOf<'DecideJudicialConfirmation'>,
  state: CaseState,
  context: DecisionContext,
): CaseEvent[] {
  const found = existing(state);
  const { confirmation } = agreementOf(found, command.agreementId);
  if (!confirmation) {
    throw new DomainError(
      'confirmation_not_requested',
      `no judicial confirmation of ${command.agreementId} was requested`,
    );
  }
  const { actor } = context.meta;
  if (actor.role !== 'liaison' || actor.dept !== confirmation.courtId) {
    throw new DomainError(
      'wrong_court',
      `only a liaison of court ${confirmation.courtId} may decide this confirmation`,
    );
  }
  const by = actor.id;
  if (confirmation.decision) {
    throw new DomainError(
      'confirmation_already_decided',
      `the confirmation of ${command.agreementId} was already decided`,
    );
  }
  const { agreementId, granted, note } = command;
  const data = compact({
    agreementId,
    courtId: confirmation.courtId,
    granted,
    note,
    by,
    at: context.meta.occurredAt,
  });
  return [caseEvent('JudicialConfirmationDecided', data)];
}
