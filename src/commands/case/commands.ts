// What may happen to a case: one command per action of DESIGN.md §3/§8, plus the system's own.
// Ids (case, person, session, agreement, note) and time arrive with the command: the domain makes none.
import type { Clock, Party, Urgency } from '../../events/case-events.js';
import type { Actor } from '../actor.js';

export interface CommandMeta {
  readonly commandId: string;
  readonly occurredAt: string;
  readonly actor: Actor;
  readonly correlationId: string;
  readonly causationId?: string;
  /** Digest of the request behind an idempotency key, recorded so that a reused key can be told apart. */
  readonly fingerprint?: string;
}

export type CaseCommand =
  | {
      readonly type: 'SubmitCase';
      readonly caseId: string;
      readonly kind: 'dispute' | 'complaint' | 'help' | 'consultation' | 'suggestion' | 'report';
      readonly category: string;
      readonly title: string;
      readonly description: string;
      readonly channel: 'walkIn' | 'phone' | 'online' | 'gridPatrol' | 'buildingHead' | 'hotline' | 'open311';
      readonly location: { readonly orgUnitId: string; readonly address?: string };
      readonly parties: readonly Party[];
      readonly urgency: Urgency;
      readonly peopleInvolved?: number;
      readonly massIncidentRisk?: boolean;
    }
  | {
      readonly type: 'AcceptCase';
      readonly handlingMode: 'onSite' | 'immediate' | 'online';
      readonly note?: string;
      readonly complex?: boolean;
    }
  | { readonly type: 'RejectCase'; readonly reason: string; readonly referredTo?: string }
  | { readonly type: 'AssignCase'; readonly assigneeId: string }
  | {
      readonly type: 'WhistleDepartments';
      readonly departmentIds: readonly string[];
      readonly reason: string;
      readonly reportInMinutes?: number;
    }
  | { readonly type: 'ReportIn'; readonly departmentId: string; readonly note?: string }
  | { readonly type: 'RespondToSummons'; readonly departmentId: string; readonly summary: string }
  | { readonly type: 'DeclineSummons'; readonly departmentId: string; readonly reason: string }
  | { readonly type: 'ReleaseSummons'; readonly departmentId: string; readonly reason: string }
  | {
      readonly type: 'AddParticipant';
      readonly userId: string;
      readonly role:
        | 'mediator'
        | 'police'
        | 'lawyer'
        | 'judicialOfficer'
        | 'departmentLiaison'
        | 'party'
        | 'observer';
      readonly departmentId?: string;
    }
  | { readonly type: 'RemoveParticipant'; readonly userId: string }
  | {
      readonly type: 'ScheduleMediationSession';
      readonly sessionId: string;
      readonly scheduledAt: string;
      readonly place: string;
    }
  | {
      readonly type: 'RecordMediationSession';
      readonly sessionId: string;
      readonly outcome: 'agreement' | 'partialAgreement' | 'noAgreement' | 'adjourned';
      readonly notes?: string;
    }
  | {
      readonly type: 'RecordAgreement';
      readonly agreementId: string;
      readonly terms: string;
      readonly signatories: readonly string[];
    }
  | { readonly type: 'RequestJudicialConfirmation'; readonly agreementId: string; readonly courtId: string }
  | {
      readonly type: 'DecideJudicialConfirmation';
      readonly agreementId: string;
      readonly granted: boolean;
      readonly note?: string;
    }
  | { readonly type: 'EscalateCase'; readonly reason: string }
  | { readonly type: 'AddNote'; readonly noteId: string; readonly text: string }
  | {
      readonly type: 'AddAttachment';
      readonly attachmentId: string;
      readonly name: string;
      readonly contentType: string;
      readonly sha256: string;
      readonly size: number;
    }
  | { readonly type: 'ResolveCase'; readonly summary: string }
  | {
      readonly type: 'GiveFeedback';
      readonly rating: 'satisfied' | 'basicallySatisfied' | 'dissatisfied';
      readonly comment?: string;
      readonly via?: 'self' | 'phone' | 'visit';
    }
  | { readonly type: 'ReopenCase'; readonly reason: string }
  | { readonly type: 'CloseCase'; readonly reason?: string }
  | { readonly type: 'WithdrawCase'; readonly reason: string }
  | { readonly type: 'MergeCase'; readonly intoCaseId: string }
  | { readonly type: 'RecordDuplicateMerged'; readonly duplicateCaseId: string }
  | {
      readonly type: 'MarkSummonsOverdue';
      readonly departmentId: string;
      readonly clock: 'reportIn' | 'respond';
      readonly dueAt: string;
    }
  | {
      readonly type: 'EscalateOnOverdue';
      readonly clock: Exclude<Clock, 'feedback'>;
      readonly departmentId?: string;
      readonly dueAt: string;
    }
  | { readonly type: 'CloseWithoutFeedback'; readonly dueAt: string };

export type CaseCommandType = CaseCommand['type'];
export type CaseCommandOf<T extends CaseCommandType> = Extract<CaseCommand, { type: T }>;

/** The commands only the service itself issues (DESIGN.md §4). */
export const SYSTEM_COMMANDS = ['MarkSummonsOverdue', 'EscalateOnOverdue', 'CloseWithoutFeedback'] as const;
