// Authorization as data: which roles may issue each command, and whose cases they may touch.
// Checked before deciding. A case the caller may not see answers as if it did not exist (404).
import type { Actor, Role } from './actor.js';
import type { CaseCommand, CaseCommandType } from './case/commands.js';
import type { CaseState, ExistingCase } from './case/state.js';
import { type DirectoryView, isWithin } from './directory/directory.js';
import { DomainError } from './domain-error.js';

const STAFF: readonly Role[] = ['mediator', 'chair', 'supervisor'];
const SENIOR: readonly Role[] = ['chair', 'supervisor'];

/** The roles allowed to issue each command; scope is checked separately by `canSee`. */
export const COMMAND_ROLES: Readonly<Record<CaseCommandType, readonly Role[]>> = {
  SubmitCase: ['resident', 'gridWorker', ...STAFF],
  AcceptCase: STAFF,
  RejectCase: STAFF,
  AssignCase: STAFF,
  WithdrawCase: ['resident', ...STAFF],
  WhistleDepartments: STAFF,
  ReportIn: ['liaison'],
  RespondToSummons: ['liaison'],
  DeclineSummons: ['liaison'],
  ReleaseSummons: STAFF,
  AddParticipant: STAFF,
  RemoveParticipant: STAFF,
  ScheduleMediationSession: STAFF,
  RecordMediationSession: STAFF,
  RecordAgreement: STAFF,
  RequestJudicialConfirmation: STAFF,
  DecideJudicialConfirmation: ['liaison'],
  EscalateCase: ['gridWorker', ...STAFF],
  AddNote: ['gridWorker', 'liaison', ...STAFF],
  AddAttachment: ['gridWorker', 'liaison', ...STAFF],
  ResolveCase: STAFF,
  GiveFeedback: ['resident', 'gridWorker', ...STAFF],
  ReopenCase: SENIOR,
  CloseCase: SENIOR,
  MergeCase: SENIOR,
  RecordDuplicateMerged: [...SENIOR, 'system'],
  MarkSummonsOverdue: ['system'],
  EscalateOnOverdue: ['system'],
  CloseWithoutFeedback: ['system'],
};

export class AccessDeniedError extends DomainError {
  constructor(
    readonly status: 403 | 404,
    code: string,
    message: string,
  ) {
    super(code, message);
    this.name = 'AccessDeniedError';
  }
}

/** Whether the actor may see this case at all (DESIGN.md §1). */
export function canSee(actor: Actor, state: ExistingCase, directory: DirectoryView): boolean {
  switch (actor.role) {
    case 'system':
      return true;
    case 'resident':
      return state.submittedBy === actor.id || state.parties.some((party) => party.userId === actor.id);
    case 'liaison':
      return liaisonCanSee(actor, state);
    default:
      return isWithin(directory, state.locationOrgUnitId, actor.scope);
  }
}

/** A liaison sees the cases its department was summoned to or joined, and a court what it must confirm. */
function liaisonCanSee(actor: Actor, state: ExistingCase): boolean {
  const dept = actor.dept;
  if (state.participants[actor.id]) return true;
  if (dept === undefined) return false;
  if (state.summons[dept]) return true;
  if (Object.values(state.participants).some((participant) => participant.departmentId === dept)) return true;
  return Object.values(state.agreements).some((agreement) => agreement.confirmation?.courtId === dept);
}

/** Throws a 404 when the case is invisible to the actor, a 403 when the role may not do this. */
export function authorize(
  actor: Actor,
  command: CaseCommand,
  state: CaseState,
  directory: DirectoryView,
): void {
  if (command.type === 'SubmitCase') {
    if (!isWithin(directory, command.location.orgUnitId, actor.scope) && actor.role !== 'system') {
      throw new AccessDeniedError(
        404,
        'org_unit_not_found',
        `there is no org unit ${command.location.orgUnitId} in your scope`,
      );
    }
  } else if (state.status === 'initial' || !canSee(actor, state, directory)) {
    throw new AccessDeniedError(404, 'case_not_found', 'there is no such case');
  }
  if (!COMMAND_ROLES[command.type].includes(actor.role)) {
    throw new AccessDeniedError(403, 'forbidden', `a ${actor.role} may not ${describe(command.type)}`);
  }
}

function describe(type: CaseCommandType): string {
  return type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
