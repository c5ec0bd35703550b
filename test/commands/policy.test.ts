// Who may issue which case command, and whose cases they see (DESIGN.md §1). The matrix is written
// from the design, not read from COMMAND_ROLES, so that a wrong policy table fails here.
import t, { type Test } from 'tap';
import type { Actor, Role } from '../../src/commands/actor.js';
import { ROLES } from '../../src/commands/actor.js';
import type { CaseCommand, CaseCommandOf, CaseCommandType } from '../../src/commands/case/commands.js';
import type { CaseState } from '../../src/commands/case/state.js';
import { AccessDeniedError, authorize, COMMAND_ROLES, canSee } from '../../src/commands/policy.js';
import {
  acceptedCase,
  actors,
  at,
  directory,
  liaison,
  play,
  stateOf,
  submitCommand,
  T0,
} from '../support/case-fixtures.js';

const CASE_RUNNERS: readonly Role[] = ['mediator', 'chair', 'supervisor'];
const CHAIRS: readonly Role[] = ['chair', 'supervisor'];

/** DESIGN.md §1, command by command; auditor and admin appear nowhere (read-only, directory only). */
const MAY: Record<CaseCommandType, readonly Role[]> = {
  // Residents submit, grid workers register, and the committee takes walk-in and phone intake.
  SubmitCase: ['resident', 'gridWorker', ...CASE_RUNNERS],
  AcceptCase: CASE_RUNNERS,
  RejectCase: CASE_RUNNERS,
  AssignCase: CASE_RUNNERS,
  WithdrawCase: ['resident', ...CASE_RUNNERS],
  WhistleDepartments: CASE_RUNNERS,
  ReportIn: ['liaison'],
  RespondToSummons: ['liaison'],
  DeclineSummons: ['liaison'],
  ReleaseSummons: CASE_RUNNERS,
  AddParticipant: CASE_RUNNERS,
  RemoveParticipant: CASE_RUNNERS,
  ScheduleMediationSession: CASE_RUNNERS,
  RecordMediationSession: CASE_RUNNERS,
  RecordAgreement: CASE_RUNNERS,
  RequestJudicialConfirmation: CASE_RUNNERS,
  DecideJudicialConfirmation: ['liaison'],
  EscalateCase: ['gridWorker', ...CASE_RUNNERS],
  AddNote: ['gridWorker', 'liaison', ...CASE_RUNNERS],
  // Whoever may add a note may attach the photo or the signed agreement behind it.
  AddAttachment: ['gridWorker', 'liaison', ...CASE_RUNNERS],
  ResolveCase: CASE_RUNNERS,
  // Residents rate; grid workers and the committee record ratings taken on follow-up calls and visits.
  GiveFeedback: ['resident', 'gridWorker', ...CASE_RUNNERS],
  ReopenCase: CHAIRS,
  CloseCase: CHAIRS,
  MergeCase: CHAIRS,
  // The second half of a merge: the handler records it on the target as the merging chair.
  RecordDuplicateMerged: [...CHAIRS, 'system'],
  MarkSummonsOverdue: ['system'],
  EscalateOnOverdue: ['system'],
  CloseWithoutFeedback: ['system'],
};

/** One command of every type; the mapped type makes the compiler insist on all of them. */
const SAMPLES: { readonly [K in CaseCommandType]: CaseCommandOf<K> } = {
  SubmitCase: submitCommand(),
  AcceptCase: { type: 'AcceptCase', handlingMode: 'onSite' },
  RejectCase: { type: 'RejectCase', reason: '不予受理' },
  AssignCase: { type: 'AssignCase', assigneeId: actors.mediator.id },
  WithdrawCase: { type: 'WithdrawCase', reason: '已和解' },
  WhistleDepartments: { type: 'WhistleDepartments', departmentIds: ['judicial-east'], reason: '吹哨' },
  ReportIn: { type: 'ReportIn', departmentId: 'police-east' },
  RespondToSummons: { type: 'RespondToSummons', departmentId: 'police-east', summary: '已处理' },
  DeclineSummons: { type: 'DeclineSummons', departmentId: 'police-east', reason: '非本所职责' },
  ReleaseSummons: { type: 'ReleaseSummons', departmentId: 'police-east', reason: '无需到场' },
  AddParticipant: { type: 'AddParticipant', userId: 'lawyer-wu', role: 'lawyer' },
  RemoveParticipant: { type: 'RemoveParticipant', userId: 'lawyer-wu' },
  ScheduleMediationSession: {
    type: 'ScheduleMediationSession',
    sessionId: 's-1',
    scheduledAt: at(1440),
    place: 'A',
  },
  RecordMediationSession: { type: 'RecordMediationSession', sessionId: 's-1', outcome: 'agreement' },
  RecordAgreement: { type: 'RecordAgreement', agreementId: 'a-1', terms: '赔偿', signatories: ['person-1'] },
  RequestJudicialConfirmation: {
    type: 'RequestJudicialConfirmation',
    agreementId: 'a-1',
    courtId: 'court-1',
  },
  DecideJudicialConfirmation: { type: 'DecideJudicialConfirmation', agreementId: 'a-1', granted: true },
  EscalateCase: { type: 'EscalateCase', reason: '上报' },
  AddNote: { type: 'AddNote', noteId: 'n-1', text: '已上门' },
  AddAttachment: {
    type: 'AddAttachment',
    attachmentId: 'f-1',
    name: 'a.jpg',
    contentType: 'image/jpeg',
    sha256: 'a'.repeat(64),
    size: 1,
  },
  ResolveCase: { type: 'ResolveCase', summary: '已修复' },
  GiveFeedback: { type: 'GiveFeedback', rating: 'satisfied' },
  ReopenCase: { type: 'ReopenCase', reason: '重办' },
  CloseCase: { type: 'CloseCase' },
  MergeCase: { type: 'MergeCase', intoCaseId: 'case-0002' },
  RecordDuplicateMerged: { type: 'RecordDuplicateMerged', duplicateCaseId: 'case-0002' },
  MarkSummonsOverdue: {
    type: 'MarkSummonsOverdue',
    departmentId: 'police-east',
    clock: 'reportIn',
    dueAt: T0,
  },
  EscalateOnOverdue: { type: 'EscalateOnOverdue', clock: 'accept', dueAt: T0 },
  CloseWithoutFeedback: { type: 'CloseWithoutFeedback', dueAt: T0 },
};
const COMMANDS: readonly CaseCommand[] = Object.values(SAMPLES);

/** For each role, someone who can see the case below: in scope, a party, or summoned. */
const WHO: Record<Role, Actor> = {
  resident: actors.resident,
  gridWorker: actors.gridWorker,
  mediator: actors.mediator,
  chair: actors.chair,
  liaison: liaison('police-east'),
  supervisor: actors.streetSupervisor,
  auditor: actors.auditor,
  admin: actors.admin,
  system: actors.system,
};

const whistle: CaseCommand = { type: 'WhistleDepartments', departmentIds: ['police-east'], reason: '报警' };
const summoned = play(acceptedCase(), [[whistle, actors.mediator, 20]]);
const grid1Case = stateOf(summoned);
const initial: CaseState = { status: 'initial' };
const sees = (actor: Actor, state: CaseState = grid1Case) =>
  state.status !== 'initial' && canSee(actor, state, directory);

/** 'allowed', or the status and code authorize() answered with; intake is decided on no case. */
function outcome(actor: Actor, command: CaseCommand, state?: CaseState): string {
  try {
    authorize(actor, command, state ?? (command.type === 'SubmitCase' ? initial : grid1Case), directory);
    return 'allowed';
  } catch (error) {
    if (!(error instanceof AccessDeniedError)) throw error;
    return `${error.status} ${error.code}`;
  }
}

/** Every command by one actor who can see the grid-1 case: allowed or 403, as the matrix says. */
function checkMatrix(t: Test, role: Role, actor: Actor): void {
  t.ok(sees(actor), `the ${role} ${actor.id} (${actor.scope}) can see the grid-1 case`);
  for (const command of COMMANDS) {
    const want = MAY[command.type].includes(role) ? 'allowed' : '403 forbidden';
    t.equal(outcome(actor, command), want, `${role} ${actor.id} → ${command.type}`);
  }
}

/** Every command by one actor who must not learn that the grid-1 case exists. */
function checkHidden(t: Test, actor: Actor): void {
  t.notOk(sees(actor), `${actor.id} (${actor.scope}) cannot see the grid-1 case`);
  for (const command of COMMANDS) {
    const want = command.type === 'SubmitCase' ? '404 org_unit_not_found' : '404 case_not_found';
    t.equal(outcome(actor, command), want, `${actor.id} → ${command.type}`);
  }
}

t.test('the matrix names every command type the policy knows', async (t) => {
  t.same(Object.keys(MAY).sort(), Object.keys(COMMAND_ROLES).sort(), 'matrix keys = COMMAND_ROLES keys');
});

t.test('every role × every command on a visible case: allowed or 403 as DESIGN.md says', async (t) => {
  for (const role of ROLES) checkMatrix(t, role, WHO[role]);
});

t.test('a mediator of another community gets 404 for every command, never 403', async (t) => {
  checkHidden(t, { id: 'mediator-he', role: 'mediator', scope: 'community-river' });
});

t.test('supervisors see the cases of their subtree only', async (t) => {
  checkHidden(t, { id: 'supervisor-zhou', role: 'supervisor', scope: 'street-west' });
  checkMatrix(t, 'supervisor', actors.streetSupervisor);
  checkMatrix(t, 'supervisor', actors.districtSupervisor);
});

t.test('a resident sees only the cases they are a party to', async (t) => {
  t.notOk(sees(actors.otherResident), 'not a party, though living in grid-1');
  t.equal(outcome(actors.otherResident, SAMPLES.WithdrawCase), '404 case_not_found');
  t.equal(outcome(actors.otherResident, SAMPLES.GiveFeedback), '404 case_not_found');
  t.equal(outcome(actors.otherResident, SAMPLES.AcceptCase), '404 case_not_found', '404 before 403');
  t.ok(sees(actors.resident), 'the complainant sees it');
  t.equal(outcome(actors.resident, SAMPLES.WithdrawCase), 'allowed');
});

t.test('a liaison sees the cases its department was summoned to', async (t) => {
  const labour = liaison('labour-arbitration');
  t.notOk(sees(labour), 'labour arbitration was not summoned');
  t.equal(outcome(labour, { type: 'ReportIn', departmentId: 'labour-arbitration' }), '404 case_not_found');
  t.equal(outcome(labour, SAMPLES.AddNote), '404 case_not_found');
  const police = liaison('police-east');
  t.notOk(sees(police, stateOf(acceptedCase())), 'the police before the whistle');
  t.ok(sees(police), 'the police after the whistle');
  t.equal(outcome(police, SAMPLES.ReportIn), 'allowed');
});

t.test('the court liaison sees the case once judicial confirmation names its court', async (t) => {
  const court = liaison('court-1');
  const agreed = play(summoned, [[SAMPLES.RecordAgreement, actors.mediator, 120]]);
  t.notOk(sees(court, stateOf(agreed)), 'before the request');
  t.equal(outcome(court, SAMPLES.DecideJudicialConfirmation, stateOf(agreed)), '404 case_not_found');
  const requested = stateOf(play(agreed, [[SAMPLES.RequestJudicialConfirmation, actors.mediator, 180]]));
  t.ok(sees(court, requested), 'after JudicialConfirmationRequested');
  t.equal(outcome(court, SAMPLES.DecideJudicialConfirmation, requested), 'allowed');
});

t.test('a liaison who joined the case as a participant sees it by user id', async (t) => {
  const lawyer = liaison('legal-aid', 'lawyer-wu');
  const colleague = liaison('legal-aid', 'lawyer-zhou');
  t.notOk(sees(lawyer), 'before joining');
  const joined = stateOf(play(summoned, [[SAMPLES.AddParticipant, actors.mediator, 30]]));
  t.ok(sees(lawyer, joined), 'after joining');
  t.equal(outcome(lawyer, SAMPLES.AddNote, joined), 'allowed');
  t.notOk(sees(colleague, joined), 'joined as a person, not for the department');
  t.equal(outcome(colleague, SAMPLES.AddNote, joined), '404 case_not_found');
});

t.test('intake outside the caller scope is 404 org_unit_not_found, checked before the role', async (t) => {
  const inGrid2 = submitCommand({ location: { orgUnitId: 'grid-2' } });
  const nowhere = submitCommand({ location: { orgUnitId: 'grid-404' } });
  const westAuditor: Actor = { id: 'auditor-wu', role: 'auditor', scope: 'street-west' };
  t.equal(outcome(actors.gridWorker, SAMPLES.SubmitCase), 'allowed', 'grid-1 worker in grid-1');
  t.equal(outcome(actors.gridWorker, inGrid2), '404 org_unit_not_found', 'grid-1 worker in grid-2');
  t.equal(outcome(actors.resident, inGrid2), '404 org_unit_not_found', 'grid-1 resident in grid-2');
  t.equal(outcome(actors.mediator, inGrid2), 'allowed', 'community mediator in grid-2');
  t.equal(outcome(actors.districtSupervisor, nowhere), '404 org_unit_not_found', 'unknown org unit');
  t.equal(outcome(westAuditor, SAMPLES.SubmitCase), '404 org_unit_not_found', 'auditor out of scope');
  t.equal(outcome(actors.auditor, SAMPLES.SubmitCase), '403 forbidden', 'auditor in scope');
});

t.test('a command on a case that does not exist is 404 for everyone', async (t) => {
  for (const role of ROLES) t.equal(outcome(WHO[role], SAMPLES.AddNote, initial), '404 case_not_found', role);
});

t.test('an auditor or admin in scope sees the case but may issue no command', async (t) => {
  for (const actor of [actors.auditor, actors.admin]) {
    t.ok(sees(actor), `the ${actor.role} sees the grid-1 case`);
    for (const command of COMMANDS)
      t.equal(outcome(actor, command), '403 forbidden', `${actor.role} → ${command.type}`);
  }
});
