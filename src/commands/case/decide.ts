// The case decider: decide(command, state, context) → events, or a DomainError. Pure: the context
// brings the time, the actor, the directory entries the command refers to and the deadline policy.
import type { CaseEvent } from '../../events/case-events.js';
import type { DirectoryView } from '../directory/directory.js';
import type { CaseCommand, CaseCommandOf, CaseCommandType, CommandMeta } from './commands.js';
import type { Deadlines } from './deadlines.js';
import { acceptCase, assignCase, rejectCase, submitCase, withdrawCase } from './intake.js';
import {
  addAttachment,
  addNote,
  close,
  escalate,
  giveFeedback,
  merge,
  recordDuplicateMerged,
  reopen,
  resolve,
} from './lifecycle.js';
import {
  addParticipant,
  decideConfirmation,
  recordAgreement,
  recordSession,
  removeParticipant,
  requestConfirmation,
  scheduleSession,
} from './mediation.js';
import type { CaseState } from './state.js';
import { decline, release, reportIn, respond, whistle } from './summons.js';
import { closeWithoutFeedback, escalateOnOverdue, markSummonsOverdue } from './system.js';

export interface DecisionContext {
  readonly meta: CommandMeta;
  readonly directory: DirectoryView;
  readonly deadlines: Deadlines;
  /** For MergeCase: the case the duplicate goes into, as it stands now. */
  readonly mergeTarget?: CaseState;
}

type Deciders = {
  [T in CaseCommandType]: (
    command: CaseCommandOf<T>,
    state: CaseState,
    context: DecisionContext,
  ) => CaseEvent[];
};

// One entry per command: the mapped type makes a forgotten command a compile error.
const deciders: Deciders = {
  SubmitCase: submitCase,
  AcceptCase: acceptCase,
  RejectCase: rejectCase,
  AssignCase: assignCase,
  WithdrawCase: withdrawCase,
  WhistleDepartments: whistle,
  ReportIn: reportIn,
  RespondToSummons: respond,
  DeclineSummons: decline,
  ReleaseSummons: release,
  AddParticipant: addParticipant,
  RemoveParticipant: removeParticipant,
  ScheduleMediationSession: scheduleSession,
  RecordMediationSession: recordSession,
  RecordAgreement: recordAgreement,
  RequestJudicialConfirmation: requestConfirmation,
  DecideJudicialConfirmation: decideConfirmation,
  EscalateCase: escalate,
  AddNote: addNote,
  AddAttachment: addAttachment,
  ResolveCase: resolve,
  GiveFeedback: giveFeedback,
  ReopenCase: reopen,
  CloseCase: close,
  MergeCase: merge,
  RecordDuplicateMerged: recordDuplicateMerged,
  MarkSummonsOverdue: markSummonsOverdue,
  EscalateOnOverdue: escalateOnOverdue,
  CloseWithoutFeedback: closeWithoutFeedback,
};

export function decide(command: CaseCommand, state: CaseState, context: DecisionContext): CaseEvent[] {
  const decider = deciders[command.type] as (
    command: CaseCommand,
    state: CaseState,
    context: DecisionContext,
  ) => CaseEvent[];
  return decider(command, state, context);
}
