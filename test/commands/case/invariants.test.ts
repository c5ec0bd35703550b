// Properties of the case decider over random command sequences: whatever people (and the system) try,
// in whatever order, no case ends up in a state the rules of DESIGN.md §3–§5 forbid.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import t, { type Test } from 'tap';
import type { Actor } from '../../../src/commands/actor.js';
import type { CaseCommand } from '../../../src/commands/case/commands.js';
import { SYSTEM_COMMANDS } from '../../../src/commands/case/commands.js';
import { type RunningClock, runningClocks } from '../../../src/commands/case/deadlines.js';
import { type DecisionContext, decide } from '../../../src/commands/case/decide.js';
import { type CaseState, foldCase, OPEN_SUMMONS } from '../../../src/commands/case/state.js';
import { DomainError } from '../../../src/commands/domain-error.js';
import { type CaseEvent, caseEventSchemas, LEVELS } from '../../../src/events/case-events.js';
import {
  acceptedCase,
  actors,
  CASE_ID,
  contextFor,
  directory,
  liaison,
  play,
  submittedCase,
  T0,
} from '../../support/case-fixtures.js';

const DEPARTMENTS = [
  'police-east',
  'judicial-east',
  'labour-arbitration',
  'court-1',
  'legal-aid',
  'heating-co',
  'property-co',
];
const ORG_UNITS = ['grid-1', 'grid-2', 'community-sunrise', 'community-river', 'street-east', 'district-1'];
const NAMED = Object.keys(actors) as (keyof typeof actors)[];
const NUM_RUNS = 200;
const MAX_STEPS = 40;
// Reproduce a failure with FC_SEED=<seed printed by fast-check>; by default every run draws anew.
const seed = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

// ---------------------------------------------------------------------------------------------------
// What a step is: a command (system commands aim at a clock the case really runs), who issues it, and
// how many minutes pass first. Merge needs the other case: the step says what state that one is in.

type ActorSpec = { named: keyof typeof actors } | { liaisonOf: string } | 'speaksForDepartment';
interface Step {
  readonly command: CaseCommand;
  readonly actor: ActorSpec;
  readonly minutes: number;
  /**
   * Usually (onTarget) the command names what the case has instead of its random pick: a summoned
   * department, a session, an agreement, or for a system command a running clock, whose due time the
   * walk may wait for.
   */
  readonly aim?: { readonly pick: number; readonly onTarget: boolean; readonly waitForDue: boolean };
  readonly mergeTarget?: 'none' | 'submitted' | 'accepted' | 'closed';
  /** Set on about half the steps: the step does one of the things the case's people would do next. */
  readonly guide?: number;
}

const text = fc.constantFrom('现场协调', '已电话联系双方', '居民反映情况属实', '已处理完毕');
const dept = fc.constantFrom(...DEPARTMENTS, 'fire-brigade');
const sessionId = fc.constantFrom('s-1', 's-2', 's-3');
const agreementId = fc.constantFrom('a-1', 'a-2');
const userId = fc.constantFrom('mediator-wu', 'liaison-police-east', 'lawyer-he', 'resident-zhang');
const instantNear = fc
  .integer({ min: 0, max: 60 * 24 * 30 })
  .map((m) => new Date(Date.parse(T0) + m * 60_000).toISOString());
// A due time for system commands that aim at no running clock (the wrong-clock case).
const pastDue = instantNear;
const opt = <A>(arb: fc.Arbitrary<A>) => fc.option(arb, { nil: undefined });

const submit: fc.Arbitrary<CaseCommand> = fc
  .record({
    orgUnitId: fc.constantFrom(...ORG_UNITS),
    urgency: fc.constantFrom('emergency', 'urgent', 'normal'),
    category: fc.constantFrom('neighbour', 'labour', 'heating', 'water', 'property'),
    peopleInvolved: opt(fc.integer({ min: 1, max: 200 })),
    massIncidentRisk: opt(fc.boolean()),
    respondentIsResident: fc.boolean(),
  })
  .map(({ orgUnitId, urgency, category, peopleInvolved, massIncidentRisk, respondentIsResident }) => ({
    type: 'SubmitCase',
    caseId: CASE_ID,
    kind: 'dispute',
    category,
    title: '居民诉求',
    description: '居民反映的问题',
    channel: 'gridPatrol',
    location: { orgUnitId },
    parties: [
      { personId: 'p-1', role: 'complainant', kind: 'person', name: '张伟', userId: 'resident-zhang' },
      respondentIsResident
        ? { personId: 'p-2', role: 'respondent', kind: 'person', name: '李娜', userId: 'resident-li' }
        : { personId: 'p-2', role: 'respondent', kind: 'organization', name: '物业公司' },
    ],
    urgency,
    ...(peopleInvolved === undefined ? {} : { peopleInvolved }),
    ...(massIncidentRisk === undefined ? {} : { massIncidentRisk }),
  }));

/** Commands by weight: the ones that move a case along come often, so sequences get far. */
const command: fc.Arbitrary<CaseCommand> = fc.oneof(
  { weight: 1, arbitrary: submit },
  {
    weight: 12,
    arbitrary: fc
      .record({ handlingMode: fc.constantFrom('onSite', 'immediate', 'online'), complex: opt(fc.boolean()) })
      .map((c) => ({ type: 'AcceptCase', ...c }) as CaseCommand),
  },
  { weight: 2, arbitrary: text.map((reason) => ({ type: 'RejectCase', reason }) as CaseCommand) },
  { weight: 2, arbitrary: userId.map((assigneeId) => ({ type: 'AssignCase', assigneeId }) as CaseCommand) },
  {
    weight: 12,
    arbitrary: fc
      .record({
        departmentIds: fc.subarray([...DEPARTMENTS, 'fire-brigade'], { minLength: 1, maxLength: 3 }),
        reason: text,
        reportInMinutes: opt(fc.integer({ min: 1, max: 48 * 60 })),
      })
      .map((c) => ({ type: 'WhistleDepartments', ...c }) as CaseCommand),
  },
  { weight: 15, arbitrary: dept.map((departmentId) => ({ type: 'ReportIn', departmentId }) as CaseCommand) },
  {
    weight: 15,
    arbitrary: fc
      .record({ departmentId: dept, summary: text })
      .map((c) => ({ type: 'RespondToSummons', ...c }) as CaseCommand),
  },
  {
    weight: 4,
    arbitrary: fc
      .record({ departmentId: dept, reason: text })
      .map((c) => ({ type: 'DeclineSummons', ...c }) as CaseCommand),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({ departmentId: dept, reason: text })
      .map((c) => ({ type: 'ReleaseSummons', ...c }) as CaseCommand),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        userId,
        role: fc.constantFrom(
          'mediator',
          'police',
          'lawyer',
          'judicialOfficer',
          'departmentLiaison',
          'party',
          'observer',
        ),
        departmentId: opt(dept),
      })
      .map((c) => ({ type: 'AddParticipant', ...c }) as CaseCommand),
  },
  { weight: 2, arbitrary: userId.map((id) => ({ type: 'RemoveParticipant', userId: id }) as CaseCommand) },
  {
    weight: 4,
    arbitrary: fc
      .record({ sessionId, scheduledAt: instantNear, place: fc.constant('社区调解室') })
      .map((c) => ({ type: 'ScheduleMediationSession', ...c }) as CaseCommand),
  },
  {
    weight: 4,
    arbitrary: fc
      .record({
        sessionId,
        outcome: fc.constantFrom('agreement', 'partialAgreement', 'noAgreement', 'adjourned'),
      })
      .map((c) => ({ type: 'RecordMediationSession', ...c }) as CaseCommand),
  },
  {
    weight: 4,
    arbitrary: fc
      .record({
        agreementId,
        terms: text,
        signatories: fc.subarray(['张伟', '李娜', '物业公司'], { minLength: 1 }),
      })
      .map((c) => ({ type: 'RecordAgreement', ...c }) as CaseCommand),
  },
  {
    weight: 4,
    arbitrary: fc
      .record({ agreementId, courtId: fc.constantFrom('court-1', 'court-1', 'judicial-east') })
      .map((c) => ({ type: 'RequestJudicialConfirmation', ...c }) as CaseCommand),
  },
  {
    weight: 5,
    arbitrary: fc
      .record({ agreementId, granted: fc.boolean() })
      .map((c) => ({ type: 'DecideJudicialConfirmation', ...c }) as CaseCommand),
  },
  { weight: 5, arbitrary: text.map((reason) => ({ type: 'EscalateCase', reason }) as CaseCommand) },
  {
    weight: 2,
    arbitrary: fc
      .record({ noteId: fc.constantFrom('n-1', 'n-2'), text })
      .map((c) => ({ type: 'AddNote', ...c }) as CaseCommand),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        attachmentId: fc.constantFrom('f-1', 'f-2'),
        name: fc.constant('现场照片.jpg'),
        contentType: fc.constant('image/jpeg'),
        sha256: fc.constantFrom('a'.repeat(64), 'not-a-hash'),
        size: fc.integer({ min: 0, max: 200 * 1024 * 1024 }),
      })
      .map((c) => ({ type: 'AddAttachment', ...c }) as CaseCommand),
  },
  { weight: 12, arbitrary: text.map((summary) => ({ type: 'ResolveCase', summary }) as CaseCommand) },
  {
    weight: 10,
    arbitrary: fc
      .record({
        rating: fc.constantFrom('satisfied', 'basicallySatisfied', 'dissatisfied'),
        comment: opt(text),
        via: opt(fc.constantFrom('self', 'phone', 'visit')),
      })
      .map((c) => ({ type: 'GiveFeedback', ...c }) as CaseCommand),
  },
  { weight: 4, arbitrary: text.map((reason) => ({ type: 'ReopenCase', reason }) as CaseCommand) },
  { weight: 6, arbitrary: opt(text).map((reason) => ({ type: 'CloseCase', reason }) as CaseCommand) },
  { weight: 1, arbitrary: text.map((reason) => ({ type: 'WithdrawCase', reason }) as CaseCommand) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(CASE_ID, 'case-0002')
      .map((intoCaseId) => ({ type: 'MergeCase', intoCaseId }) as CaseCommand),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom('case-0003', 'case-0004')
      .map((duplicateCaseId) => ({ type: 'RecordDuplicateMerged', duplicateCaseId }) as CaseCommand),
  },
  {
    weight: 6,
    arbitrary: fc
      .record({ departmentId: dept, clock: fc.constantFrom('reportIn', 'respond'), dueAt: pastDue })
      .map((c) => ({ type: 'MarkSummonsOverdue', ...c }) as CaseCommand),
  },
  {
    weight: 6,
    arbitrary: fc
      .record({
        clock: fc.constantFrom('accept', 'reportIn', 'respond', 'resolve'),
        departmentId: opt(dept),
        dueAt: pastDue,
      })
      .map((c) => ({ type: 'EscalateOnOverdue', ...c }) as CaseCommand),
  },
  { weight: 4, arbitrary: pastDue.map((dueAt) => ({ type: 'CloseWithoutFeedback', dueAt }) as CaseCommand) },
);

const actorSpec: fc.Arbitrary<ActorSpec> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NAMED).map((named) => ({ named })) },
  { weight: 1, arbitrary: dept.map((liaisonOf) => ({ liaisonOf })) },
  { weight: 3, arbitrary: fc.constant('speaksForDepartment' as const) },
);

const step: fc.Arbitrary<Step> = fc.record({
  command,
  actor: actorSpec,
  minutes: fc.oneof(fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1, max: 60 * 24 * 12 })),
  aim: fc.record({ pick: fc.nat(), onTarget: fc.nat(9).map((n) => n < 8), waitForDue: fc.boolean() }),
  mergeTarget: fc.constantFrom('none', 'submitted', 'accepted', 'closed'),
  guide: fc.oneof(fc.constant(undefined), fc.nat()),
});

/** A case is always submitted first; what follows is anything anyone might try. */
const sequence: fc.Arbitrary<Step[]> = fc
  .tuple(
    fc.record({
      command: submit,
      actor: fc.constant({ named: 'gridWorker' } as ActorSpec),
      minutes: fc.constant(1),
    }),
    fc.array(step, { minLength: 5, maxLength: MAX_STEPS - 1, size: 'max' }),
  )
  .map(([first, rest]) => [first, ...rest]);

// ---------------------------------------------------------------------------------------------------
// Playing a sequence: each step becomes a concrete command by an actor at a time, and is decided.

const mergeTargets = {
  submitted: foldCase(submittedCase({ caseId: 'case-0002' })),
  accepted: foldCase(acceptedCase({ caseId: 'case-0002' })),
  closed: foldCase(
    play(acceptedCase({ caseId: 'case-0002' }), [
      [{ type: 'ResolveCase', summary: '已办结' }, actors.mediator, 60],
      [{ type: 'CloseCase' }, actors.chair, 120],
    ]),
  ),
} as const;

/** The department a command speaks for, or the court that decides a confirmation. */
function spokenFor(command: CaseCommand, state: CaseState): string | undefined {
  if ('departmentId' in command && command.type !== 'AddParticipant') return command.departmentId;
  if (command.type === 'DecideJudicialConfirmation' && state.status !== 'initial') {
    return state.agreements[command.agreementId]?.confirmation?.courtId ?? 'court-1';
  }
  return undefined;
}

function actorFor(spec: ActorSpec, command: CaseCommand, state: CaseState): Actor {
  if (
    SYSTEM_COMMANDS.includes(command.type as never) &&
    spec !== 'speaksForDepartment' &&
    !('liaisonOf' in spec)
  ) {
    return actors.system;
  }
  if (spec === 'speaksForDepartment') {
    const speaksFor = spokenFor(command, state);
    return speaksFor ? liaison(speaksFor) : actors.mediator;
  }
  return 'named' in spec ? actors[spec.named] : liaison(spec.liaisonOf);
}

function clocksFor(command: CaseCommand, state: CaseState): RunningClock[] {
  if (state.status === 'initial') return [];
  const clocks = runningClocks(state);
  if (command.type === 'MarkSummonsOverdue')
    return clocks.filter((c) => c.clock === 'reportIn' || c.clock === 'respond');
  if (command.type === 'EscalateOnOverdue') return clocks.filter((c) => c.clock !== 'feedback');
  if (command.type === 'CloseWithoutFeedback') return clocks.filter((c) => c.clock === 'feedback');
  return [];
}

const DEPARTMENT_COMMANDS = ['ReportIn', 'RespondToSummons', 'DeclineSummons', 'ReleaseSummons'];
const AGREEMENT_COMMANDS = ['RequestJudicialConfirmation', 'DecideJudicialConfirmation'];

/** What an aimed command should name instead of its random choice: a summoned department, a session… */
function aimAt(step: Step, state: CaseState): Partial<Record<string, string>> {
  if (state.status === 'initial') return {};
  const pick = <A>(items: readonly A[]): A | undefined =>
    items[(step.aim?.pick ?? 0) % Math.max(items.length, 1)];
  const { type } = step.command;
  if (DEPARTMENT_COMMANDS.includes(type)) {
    const summons = Object.values(state.summons);
    const open = summons.filter((s) => OPEN_SUMMONS.has(s.status));
    const departmentId = pick(open.length > 0 ? open : summons)?.departmentId;
    return departmentId ? { departmentId } : {};
  }
  if (type === 'RecordMediationSession') {
    const sessionId = pick(Object.keys(state.sessions));
    return sessionId ? { sessionId } : {};
  }
  if (AGREEMENT_COMMANDS.includes(type)) {
    const agreementId = pick(Object.keys(state.agreements));
    return agreementId ? { agreementId } : {};
  }
  return {};
}

/**
 * Most steps aim at what the case has (a summoned department, a recorded session, a running clock, as
 * the deadline process would); the others keep their random choice, so wrong targets are tried too.
 */
function aimed(step: Step, state: CaseState, now: number): { command: CaseCommand; now: number } {
  if (!step.aim?.onTarget) return { command: step.command, now };
  const clocks = clocksFor(step.command, state);
  const clock = clocks[step.aim.pick % Math.max(clocks.length, 1)];
  if (!clock) return { command: { ...step.command, ...aimAt(step, state) } as CaseCommand, now };
  const due = Date.parse(clock.dueAt);
  const later = step.aim.waitForDue && due >= now ? due + 60_000 : now;
  const { dueAt, departmentId } = clock;
  const command = { ...step.command, dueAt, ...(departmentId ? { departmentId } : {}) } as CaseCommand;
  if (command.type === 'MarkSummonsOverdue' || command.type === 'EscalateOnOverdue') {
    return { command: { ...command, clock: clock.clock } as CaseCommand, now: later };
  }
  return { command, now: later };
}

/** What the case's people would plausibly do next, each by the person who would do it. */
function nextMoves(state: CaseState, n: number): { command: CaseCommand; actor: Actor }[] {
  const by = (actor: Actor, command: CaseCommand) => ({ command, actor });
  if (state.status === 'submitted') {
    const handlingMode = (['onSite', 'immediate', 'online'] as const)[n % 3]!;
    return [
      by(actors.mediator, { type: 'AcceptCase', handlingMode }),
      by(actors.chair, { type: 'EscalateCase', reason: '需上级协调' }),
    ];
  }
  if (state.status === 'resolved') {
    const rating = (['satisfied', 'basicallySatisfied', 'dissatisfied'] as const)[n % 3]!;
    return [
      by(actors.resident, { type: 'GiveFeedback', rating }),
      by(actors.chair, { type: 'CloseCase' }),
      by(actors.chair, { type: 'ReopenCase', reason: '复查未解决' }),
    ];
  }
  if (state.status === 'closed') return [by(actors.chair, { type: 'ReopenCase', reason: '复查未解决' })];
  if (state.status !== 'accepted') return [];
  const moves = [
    by(actors.mediator, {
      type: 'WhistleDepartments',
      departmentIds: [DEPARTMENTS[n % DEPARTMENTS.length]!],
      reason: '需要部门到场',
    }),
    by(actors.mediator, { type: 'EscalateCase', reason: '需上级协调' }),
    by(actors.mediator, {
      type: 'RecordAgreement',
      agreementId: `a-${n % 2}`,
      terms: '双方同意',
      signatories: ['张伟'],
    }),
    by(actors.mediator, {
      type: 'ScheduleMediationSession',
      sessionId: `s-${n % 3}`,
      scheduledAt: T0,
      place: '社区调解室',
    }),
  ];
  for (const s of Object.values(state.summons)) {
    const { departmentId } = s;
    if (s.status === 'pending') moves.push(by(liaison(departmentId), { type: 'ReportIn', departmentId }));
    if (s.status === 'reportedIn') {
      moves.push(by(liaison(departmentId), { type: 'RespondToSummons', departmentId, summary: '已处理' }));
    }
  }
  for (const [sessionId, session] of Object.entries(state.sessions)) {
    if (!session.recorded) {
      moves.push(by(actors.mediator, { type: 'RecordMediationSession', sessionId, outcome: 'agreement' }));
    }
  }
  for (const { agreementId, confirmation } of Object.values(state.agreements)) {
    if (!confirmation) {
      moves.push(by(actors.chair, { type: 'RequestJudicialConfirmation', agreementId, courtId: 'court-1' }));
    } else if (!confirmation.decision) {
      const decision = { type: 'DecideJudicialConfirmation', agreementId, granted: n % 4 !== 0 } as const;
      moves.push(by(liaison(confirmation.courtId), decision));
    }
  }
  if (openSummons(state).length === 0)
    moves.push(by(actors.mediator, { type: 'ResolveCase', summary: '已办结' }));
  return moves;
}

function guided(state: CaseState, n: number): { command: CaseCommand; actor: Actor } | undefined {
  const moves = nextMoves(state, n);
  return moves[Math.floor(n / 7) % Math.max(moves.length, 1)];
}

type Decide = typeof decide;

/** One decided step, and the states around each of its events. */
interface Transition {
  readonly decider: Decide;
  readonly command: CaseCommand;
  readonly actor: Actor;
  readonly context: DecisionContext;
  readonly before: CaseState;
  readonly events: readonly CaseEvent[];
  /** statesBefore[i] is the state just before events[i]. */
  readonly statesBefore: readonly CaseState[];
  readonly after: CaseState;
  /** Every event so far, this step's included. */
  readonly history: readonly CaseEvent[];
}

type Check = (transition: Transition) => void;

interface Tally {
  sequences: number;
  commands: number;
  accepted: number;
  readonly events: Record<string, number>;
  readonly refusals: Record<string, number>;
}
const newTally = (): Tally => ({ sequences: 0, commands: 0, accepted: 0, events: {}, refusals: {} });

class Violation extends Error {}
function expect(ok: boolean, message: () => string): void {
  if (!ok) throw new Violation(message());
}

/** Plays a sequence through a decider; a refused command (DomainError) changes nothing. */
function walk(steps: readonly Step[], decider: Decide, check: Check, tally: Tally): void {
  tally.sequences += 1;
  const history: CaseEvent[] = [];
  let state: CaseState = { status: 'initial' };
  let now = Date.parse(T0);
  for (const step of steps) {
    now += step.minutes * 60_000;
    const next = step.guide === undefined ? undefined : guided(state, step.guide);
    const target = next ?? aimed(step, state, now);
    now = 'now' in target ? target.now : now;
    const actor = next?.actor ?? actorFor(step.actor, target.command, state);
    const merge =
      step.mergeTarget && step.mergeTarget !== 'none' ? mergeTargets[step.mergeTarget] : undefined;
    const context = contextFor(actor, new Date(now).toISOString(), merge ? { mergeTarget: merge } : {});
    tally.commands += 1;
    let events: CaseEvent[];
    try {
      events = decider(target.command, state, context);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const key = `${target.command.type}:${error.code}`;
      tally.refusals[key] = (tally.refusals[key] ?? 0) + 1;
      continue;
    }
    tally.accepted += 1;
    const statesBefore: CaseState[] = [];
    let after: CaseState = state;
    for (const event of events) {
      statesBefore.push(after);
      after = foldCase([event], after);
      tally.events[event.type] = (tally.events[event.type] ?? 0) + 1;
    }
    history.push(...events);
    check({
      decider,
      command: target.command,
      actor,
      context,
      before: state,
      events,
      statesBefore,
      after,
      history,
    });
    state = after;
  }
}

function property(t: Test, name: string, check: Check): Tally {
  const tally = newTally();
  fc.assert(
    fc.property(sequence, (steps) => walk(steps, decide, check, tally)),
    { numRuns: NUM_RUNS, ...seed },
  );
  t.comment(
    `${name}: ${tally.sequences} sequences, ${tally.commands} commands tried, ${tally.accepted} accepted`,
  );
  t.pass(name);
  return tally;
}

const openSummons = (state: CaseState): string[] =>
  state.status === 'initial'
    ? []
    : Object.values(state.summons)
        .filter((s) => OPEN_SUMMONS.has(s.status))
        .map((s) => `${s.departmentId}:${s.status}`);
const statusOf = (state: CaseState): string => state.status;
const describe = (transition: Transition): string =>
  `${transition.command.type} by ${transition.actor.id} → ${transition.events.map((e) => e.type).join(', ')}`;

// ---------------------------------------------------------------------------------------------------
// The invariants.

const summonsBeforeResolution: Check = (tr) => {
  tr.events.forEach((event, i) => {
    const before = tr.statesBefore[i]!;
    if (event.type === 'CaseResolved') {
      expect(
        openSummons(before).length === 0,
        () => `resolved with open summons ${openSummons(before)}: ${describe(tr)}`,
      );
      expect(statusOf(before) === 'accepted', () => `resolved from ${statusOf(before)}: ${describe(tr)}`);
    }
    if (event.type === 'CaseClosed') {
      expect(statusOf(before) === 'resolved', () => `closed from ${statusOf(before)}: ${describe(tr)}`);
    }
  });
  // 事不完、人不撤, and its converse: only a case being handled has departments on it.
  expect(
    openSummons(tr.after).length === 0 || tr.after.status === 'accepted',
    () => `a ${statusOf(tr.after)} case keeps open summons ${openSummons(tr.after)}: ${describe(tr)}`,
  );
};

const firedKeys = (history: readonly CaseEvent[]): string[] =>
  history.flatMap((event) => {
    if (event.type === 'CaseEscalated' && event.data.trigger) {
      const { clock, departmentId, dueAt } = event.data.trigger;
      return [`escalate ${clock} ${departmentId ?? ''} ${dueAt}`];
    }
    if (event.type === 'SummonsOverdue') {
      return [`overdue ${event.data.clock} ${event.data.departmentId} ${event.data.dueAt}`];
    }
    return [];
  });

const oneLevelAtATime: Check = (tr) => {
  tr.events.forEach((event, i) => {
    const before = tr.statesBefore[i]!;
    if (event.type !== 'CaseEscalated' || before.status === 'initial') return;
    const { fromLevel, toLevel, fromOrgUnitId, toOrgUnitId } = event.data;
    expect(
      LEVELS.indexOf(toLevel) === LEVELS.indexOf(fromLevel) + 1,
      () => `escalated ${fromLevel} → ${toLevel}: ${describe(tr)}`,
    );
    expect(
      fromLevel === before.level && fromOrgUnitId === before.orgUnitId,
      () =>
        `escalated from ${fromLevel}/${fromOrgUnitId} but the case was at ${before.level}/${before.orgUnitId}`,
    );
    expect(
      directory.orgUnit(fromOrgUnitId)?.parentId === toOrgUnitId,
      () => `escalated to ${toOrgUnitId}, which is not the parent of ${fromOrgUnitId}`,
    );
  });
  if (tr.after.status === 'initial') return;
  const { level, orgUnitId } = tr.after;
  expect(LEVELS.includes(level), () => `level ${level} is beyond the district`);
  expect(
    directory.orgUnit(orgUnitId)?.kind === level,
    () => `level ${level} but the case sits at ${orgUnitId}`,
  );
  const fired = firedKeys(tr.history);
  expect(new Set(fired).size === fired.length, () => `a clock fired twice: ${fired.join(' | ')}`);
};

const feedbackAfterResolution: Check = (tr) => {
  tr.events.forEach((event, i) => {
    const before = tr.statesBefore[i]!;
    if (event.type !== 'FeedbackGiven') return;
    expect(before.status === 'resolved', () => `feedback on a ${statusOf(before)} case: ${describe(tr)}`);
    if (before.status !== 'resolved') return;
    expect(
      !before.feedback.some((given) => given.at >= before.resolvedAt),
      () => `a second rating for one resolution: ${describe(tr)}`,
    );
    if (tr.actor.role === 'resident') {
      expect(
        before.parties.some((party) => party.userId === tr.actor.id),
        () => `${tr.actor.id} rated a case they are no party to`,
      );
    }
    const reopens = tr.events[i + 1]?.type === 'CaseReopened';
    expect(
      reopens === (event.data.rating === 'dissatisfied'),
      () => `rating ${event.data.rating} ${reopens ? 'reopened' : 'did not reopen'} the case`,
    );
  });
};

const onlyTheirOwnLiaison: Check = (tr) => {
  for (const event of tr.events) {
    if (
      event.type === 'DepartmentReportedIn' ||
      event.type === 'DepartmentResponded' ||
      event.type === 'SummonsDeclined'
    ) {
      const { departmentId, by } = event.data;
      expect(
        tr.actor.role === 'liaison' && tr.actor.dept === departmentId && by === tr.actor.id,
        () =>
          `${event.type} for ${departmentId} by ${tr.actor.id} (${tr.actor.role}, ${tr.actor.dept ?? 'no dept'})`,
      );
    }
    if (event.type === 'JudicialConfirmationDecided') {
      const requested =
        tr.before.status === 'initial' ? undefined : tr.before.agreements[event.data.agreementId];
      expect(
        tr.actor.role === 'liaison' &&
          tr.actor.dept === event.data.courtId &&
          requested?.confirmation?.courtId === event.data.courtId,
        () =>
          `confirmation decided by ${tr.actor.id} (${tr.actor.dept ?? 'no dept'}) for ${event.data.courtId}`,
      );
    }
  }
};

const deterministic: Check = (tr) => {
  const once = foldCase(tr.history);
  expect(isDeepStrictEqual(once, foldCase(tr.history)), () => 'folding the same events twice differs');
  expect(
    isDeepStrictEqual(once, tr.after),
    () => `folding in one go differs from event by event after ${describe(tr)}`,
  );
  const again = tr.decider(tr.command, tr.before, tr.context);
  expect(
    isDeepStrictEqual(again, tr.events),
    () => `deciding ${tr.command.type} twice gave different events`,
  );
  // Neither decide nor evolve touched the state they were handed.
  const earlier = foldCase(tr.history.slice(0, tr.history.length - tr.events.length));
  expect(isDeepStrictEqual(earlier, tr.before), () => `${describe(tr)} changed the state it was given`);
};

const schemaValid: Check = (tr) => {
  for (const event of tr.events) {
    const result = caseEventSchemas[event.type].safeParse(event.data);
    expect(
      result.success,
      () => `${event.type} fails its schema: ${result.error?.message} — ${describe(tr)}`,
    );
    // What is stored (JSON) and validated is exactly what was decided: no field lost or added.
    const stored = JSON.parse(JSON.stringify(event.data));
    expect(isDeepStrictEqual(stored, event.data), () => `${event.type} does not survive JSON unchanged`);
    expect(isDeepStrictEqual(result.data, stored), () => `${event.type}'s schema drops or changes a field`);
  }
};

const systemIdempotent: Check = (tr) => {
  if (!SYSTEM_COMMANDS.includes(tr.command.type as never) || tr.events.length === 0) return;
  const later = contextFor(
    tr.actor,
    new Date(Date.parse(tr.context.meta.occurredAt) + 3_600_000).toISOString(),
  );
  for (const context of [tr.context, later]) {
    let again: CaseEvent[] = [];
    try {
      again = tr.decider(tr.command, tr.after, context);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
    expect(
      again.length === 0,
      () => `${tr.command.type} fired again: ${again.map((e) => e.type).join(', ')}`,
    );
  }
};

const INVARIANTS: ReadonlyArray<readonly [string, Check]> = [
  ['a case is never resolved or closed while a department is still summoned', summonsBeforeResolution],
  ['escalation goes one level up at a time, never above the district, once per clock', oneLevelAtATime],
  [
    'feedback is only given on a case just resolved, once, and dissatisfied reopens it',
    feedbackAfterResolution,
  ],
  ["only a department's own liaison reports in, responds or declines for it", onlyTheirOwnLiaison],
  ['folding and deciding are deterministic', deterministic],
  ['every emitted event passes its zod schema unchanged', schemaValid],
  ["the system's deadline commands never fire twice", systemIdempotent],
];

for (const [name, check] of INVARIANTS) {
  t.test(name, async (t) => {
    property(t, name, check);
  });
}

t.test('the sequences reach every part of the lifecycle', async (t) => {
  const tally = property(t, 'all invariants at once', (tr) => {
    for (const [, check] of INVARIANTS) check(tr);
  });
  const reached = Object.entries(tally.events)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, count]) => `${type} ${count}`);
  t.comment(`events emitted: ${reached.join(', ')}`);
  const refused = Object.entries(tally.refusals)
    .sort(([, a], [, b]) => b - a)
    .map(([why, count]) => `${why} ${count}`);
  t.comment(`commands refused: ${refused.join(', ')}`);
  for (const type of [
    'CaseAccepted',
    'DepartmentReportedIn',
    'DepartmentResponded',
    'SummonsOverdue',
    'CaseEscalated',
    'CaseResolved',
    'FeedbackGiven',
    'CaseReopened',
    'CaseClosed',
    'JudicialConfirmationDecided',
  ]) {
    t.ok((tally.events[type] ?? 0) > 0, `some sequence emitted ${type}`);
  }
});

// ---------------------------------------------------------------------------------------------------
// The checks can fail: each catches a decider broken in the way it guards against.

function sabotage(type: CaseCommand['type'], broken: Decide): Decide {
  return (command, state, context) =>
    command.type === type ? broken(command, state, context) : decide(command, state, context);
}

const SABOTAGED: ReadonlyArray<readonly [string, Check, Decide]> = [
  [
    'resolves with open summons',
    summonsBeforeResolution,
    sabotage('ResolveCase', (command, state, context) =>
      state.status === 'accepted'
        ? [
            {
              type: 'CaseResolved',
              data: {
                summary: '已办结',
                at: context.meta.occurredAt,
                feedbackDueAt: context.meta.occurredAt,
              },
            },
          ]
        : decide(command, state, context),
    ),
  ],
  [
    'escalates straight to the district',
    oneLevelAtATime,
    sabotage('EscalateCase', (command, state, context) =>
      decide(command, state, context).map((event) =>
        event.type === 'CaseEscalated' ? { ...event, data: { ...event.data, toLevel: 'district' } } : event,
      ),
    ),
  ],
  [
    'takes feedback on an unresolved case',
    feedbackAfterResolution,
    sabotage('GiveFeedback', (command, state, context) =>
      state.status === 'accepted' && command.type === 'GiveFeedback'
        ? [
            {
              type: 'FeedbackGiven',
              data: { rating: command.rating, via: 'phone', by: 'x', at: context.meta.occurredAt },
            },
          ]
        : decide(command, state, context),
    ),
  ],
  [
    'lets anyone report in',
    onlyTheirOwnLiaison,
    sabotage('ReportIn', (command, state, context) =>
      command.type === 'ReportIn'
        ? decide(command, state, {
            ...context,
            meta: { ...context.meta, actor: liaison(command.departmentId) },
          })
        : [],
    ),
  ],
  [
    'makes up its own ids',
    deterministic,
    sabotage('AddNote', (command, state, context) =>
      decide({ ...command, noteId: `n-${Math.random()}` } as CaseCommand, state, context),
    ),
  ],
  [
    'records a blank summary',
    schemaValid,
    sabotage('RespondToSummons', (command, state, context) =>
      command.type === 'RespondToSummons' ? decide({ ...command, summary: '  ' }, state, context) : [],
    ),
  ],
  [
    'forgets which clocks already fired',
    systemIdempotent,
    sabotage('MarkSummonsOverdue', (command, state, context) =>
      decide(command, state.status === 'initial' ? state : { ...state, firedClocks: [] }, context),
    ),
  ],
];

t.test('each invariant catches a decider that breaks it', async (t) => {
  for (const [broken, check, decider] of SABOTAGED) {
    const result = fc.check(
      fc.property(sequence, (steps) => walk(steps, decider, check, newTally())),
      { numRuns: NUM_RUNS, endOnFailure: true, ...seed },
    );
    t.ok(result.failed, `a decider that ${broken} is caught`);
    t.ok(
      result.errorInstance instanceof Violation,
      `…by the invariant: ${String(result.errorInstance).slice(0, 160)}`,
    );
  }
});
