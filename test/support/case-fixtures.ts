// Shared fixtures for case tests: a small directory, the people who act, and given/when/then.
import type { Test } from 'tap';
import type { Actor } from '../../src/commands/actor.js';
import { SYSTEM_ACTOR } from '../../src/commands/actor.js';
import type { CaseCommand } from '../../src/commands/case/commands.js';
import { DEFAULT_DEADLINES } from '../../src/commands/case/deadlines.js';
import { type DecisionContext, decide } from '../../src/commands/case/decide.js';
import { type CaseState, type ExistingCase, foldCase } from '../../src/commands/case/state.js';
import { directoryOf } from '../../src/commands/directory/directory.js';
import { DomainError } from '../../src/commands/domain-error.js';
import type { CaseEvent } from '../../src/events/case-events.js';

/** A district with two streets; Sunrise community has two grids. */
export const directory = directoryOf(
  [
    { id: 'district-1', name: '和平区', kind: 'district' },
    { id: 'street-east', name: '东街道', kind: 'street', parentId: 'district-1' },
    { id: 'street-west', name: '西街道', kind: 'street', parentId: 'district-1' },
    { id: 'community-sunrise', name: '朝阳社区', kind: 'community', parentId: 'street-east' },
    { id: 'community-river', name: '河畔社区', kind: 'community', parentId: 'street-west' },
    {
      id: 'grid-1',
      name: '第一网格',
      kind: 'grid',
      parentId: 'community-sunrise',
      gridType: 'comprehensive',
    },
    { id: 'grid-2', name: '第二网格', kind: 'grid', parentId: 'community-sunrise', gridType: 'dedicated' },
  ],
  [
    { id: 'police-east', name: '东街派出所', kind: 'police', orgUnitId: 'street-east' },
    { id: 'judicial-east', name: '东街司法所', kind: 'judicial', orgUnitId: 'street-east' },
    { id: 'labour-arbitration', name: '区劳动仲裁院', kind: 'labourArbitration', orgUnitId: 'district-1' },
    { id: 'court-1', name: '区人民法院', kind: 'court', orgUnitId: 'district-1' },
    { id: 'legal-aid', name: '法律援助中心', kind: 'legalAid', orgUnitId: 'district-1' },
    { id: 'heating-co', name: '热力公司', kind: 'utility' },
    { id: 'property-co', name: '物业公司', kind: 'propertyManagement' },
  ],
);

export const actors = {
  resident: { id: 'resident-zhang', role: 'resident', scope: 'grid-1' },
  otherResident: { id: 'resident-li', role: 'resident', scope: 'grid-1' },
  gridWorker: { id: 'grid-wang', role: 'gridWorker', scope: 'grid-1' },
  mediator: { id: 'mediator-liu', role: 'mediator', scope: 'community-sunrise' },
  chair: { id: 'chair-chen', role: 'chair', scope: 'community-sunrise' },
  streetSupervisor: { id: 'supervisor-zhao', role: 'supervisor', scope: 'street-east' },
  districtSupervisor: { id: 'supervisor-sun', role: 'supervisor', scope: 'district-1' },
  auditor: { id: 'auditor-qian', role: 'auditor', scope: 'district-1' },
  admin: { id: 'admin-root', role: 'admin', scope: 'district-1' },
  system: SYSTEM_ACTOR,
} satisfies Record<string, Actor>;

export const liaison = (dept: string, id = `liaison-${dept}`): Actor => ({
  id,
  role: 'liaison',
  scope: 'district-1',
  dept,
});

/** Monday 2 March 2026, 09:00 in Beijing. */
export const T0 = '2026-03-02T01:00:00.000Z';
export const at = (minutesAfterT0: number): string =>
  new Date(Date.parse(T0) + minutesAfterT0 * 60_000).toISOString();

export const CASE_ID = 'case-0001';

export function contextFor(
  actor: Actor,
  occurredAt: string,
  extra: Partial<DecisionContext> = {},
): DecisionContext {
  return {
    meta: { commandId: `cmd-${occurredAt}`, correlationId: 'corr-1', occurredAt, actor },
    directory,
    deadlines: DEFAULT_DEADLINES,
    ...extra,
  };
}

type DeepPartial<T> = T extends readonly (infer U)[]
  ? readonly DeepPartial<U>[]
  : T extends object
    ? { readonly [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** An expected event: its type, and as much of its data as the test cares about. */
export type ExpectedEvent = {
  [E in CaseEvent as E['type']]: { readonly type: E['type']; readonly data?: DeepPartial<E['data']> };
}[CaseEvent['type']];

export interface When {
  readonly events: CaseEvent[];
  readonly state: CaseState;
}

/** Given past events, when a command is decided by an actor at a time, then these events or that error. */
export function given(history: readonly CaseEvent[]) {
  const state = foldCase(history);
  return {
    state,
    when(command: CaseCommand, actor: Actor, occurredAt = at(60), extra: Partial<DecisionContext> = {}) {
      const run = (): When => {
        const events = decide(command, state, contextFor(actor, occurredAt, extra));
        return { events, state: foldCase(events, state) };
      };
      return {
        run,
        // biome-ignore lint/suspicious/noThenProperty: given/when/then is the spec's language; nothing awaits this object.
        then(t: Test, expected: readonly object[] | ((events: CaseEvent[]) => void)): When {
          const result = run();
          if (typeof expected === 'function') expected(result.events);
          else t.match(result.events, expected);
          if (Array.isArray(expected)) t.equal(result.events.length, expected.length, 'no other events');
          return result;
        },
        /** Like `then`, but every expected field must be strictly equal (no substring or loose matches). */
        thenHas(t: Test, expected: readonly ExpectedEvent[]): When {
          const result = run();
          t.hasStrict(result.events, expected);
          t.equal(result.events.length, expected.length, 'no other events');
          return result;
        },
        thenThrows(t: Test, code: string): void {
          try {
            run();
            t.fail(`expected ${code}, but the command was accepted`);
          } catch (error) {
            t.ok(error instanceof DomainError, `a DomainError, not ${String(error)}`);
            t.equal((error as DomainError).code, code);
          }
        },
      };
    },
  };
}

type SubmitCommand = Extract<CaseCommand, { type: 'SubmitCase' }>;
type AcceptCommand = Extract<CaseCommand, { type: 'AcceptCase' }>;

/** Minutes in an hour and a day, for `at(...)`. */
export const HOUR = 60;
export const DAY = 24 * HOUR;

/** The SubmitCase command behind `submittedCase`. */
export function submitCommand(overrides: Partial<SubmitCommand> = {}): SubmitCommand {
  return {
    type: 'SubmitCase',
    caseId: CASE_ID,
    kind: 'dispute',
    category: 'neighbour',
    title: '楼上漏水纠纷',
    description: '楼上住户装修后卫生间漏水，楼下天花板受损，双方协商未果。',
    channel: 'buildingHead',
    location: { orgUnitId: 'grid-1', address: '朝阳小区3号楼2单元' },
    parties: [
      {
        personId: 'person-1',
        role: 'complainant',
        kind: 'person',
        name: '张伟',
        phone: '13812345678',
        userId: 'resident-zhang',
      },
      { personId: 'person-2', role: 'respondent', kind: 'person', name: '李娜' },
    ],
    urgency: 'normal',
    ...overrides,
  };
}

/** The events of a case submitted by the grid worker at T0 in grid-1. */
export function submittedCase(overrides: Partial<SubmitCommand> = {}): CaseEvent[] {
  return decide(submitCommand(overrides), { status: 'initial' }, contextFor(actors.gridWorker, T0));
}

/** A case accepted by the mediator ten minutes after submission. */
export function acceptedCase(
  overrides: Partial<Extract<CaseCommand, { type: 'SubmitCase' }>> = {},
): CaseEvent[] {
  const history = submittedCase(overrides);
  const accepted = decide(
    { type: 'AcceptCase', handlingMode: 'onSite' },
    foldCase(history),
    contextFor(actors.mediator, at(10)),
  );
  return [...history, ...accepted];
}

/** Runs commands one after another from a history, each by its actor at its minute; returns all events. */
export function play(
  history: readonly CaseEvent[],
  steps: ReadonlyArray<readonly [CaseCommand, Actor, number]>,
  extra: Partial<DecisionContext> = {},
): CaseEvent[] {
  const events = [...history];
  for (const [command, actor, minute] of steps) {
    events.push(...decide(command, foldCase(events), contextFor(actor, at(minute), extra)));
  }
  return events;
}

/** A case accepted by the mediator ten minutes after submission, with the acceptance's own fields. */
export function acceptedCaseWith(
  accept: Partial<Omit<AcceptCommand, 'type'>>,
  overrides: Partial<SubmitCommand> = {},
): CaseEvent[] {
  return play(submittedCase(overrides), [
    [{ type: 'AcceptCase', handlingMode: 'onSite', ...accept }, actors.mediator, 10],
  ]);
}

/** An accepted case the mediator resolved at the given minute (default 11:00 Beijing on T0's day). */
export function resolvedCase(overrides: Partial<SubmitCommand> = {}, minute = 2 * HOUR): CaseEvent[] {
  return play(acceptedCase(overrides), [
    [{ type: 'ResolveCase', summary: '已修复漏水' }, actors.mediator, minute],
  ]);
}

/** The case as the history leaves it; fails loudly when the history never created it. */
export function stateOf(history: readonly CaseEvent[]): ExistingCase {
  const state = foldCase(history);
  if (state.status === 'initial') throw new Error('the history does not create a case');
  return state;
}

/** Summons commands with plausible text, for tests that care about who and when rather than what was said. */
export const summonsCommands = {
  whistle: (departmentIds: string[], reportInMinutes?: number): CaseCommand =>
    reportInMinutes === undefined
      ? { type: 'WhistleDepartments', departmentIds, reason: '需要多部门到场' }
      : { type: 'WhistleDepartments', departmentIds, reason: '需要多部门到场', reportInMinutes },
  reportIn: (departmentId: string): CaseCommand => ({ type: 'ReportIn', departmentId, note: '已到场' }),
  respond: (departmentId: string): CaseCommand => ({
    type: 'RespondToSummons',
    departmentId,
    summary: '已处理',
  }),
  decline: (departmentId: string): CaseCommand => ({
    type: 'DeclineSummons',
    departmentId,
    reason: '非本部门职责',
  }),
  release: (departmentId: string): CaseCommand => ({
    type: 'ReleaseSummons',
    departmentId,
    reason: '不再需要',
  }),
  markOverdue: (departmentId: string, clock: 'reportIn' | 'respond', dueAt: string): CaseCommand => ({
    type: 'MarkSummonsOverdue',
    departmentId,
    clock,
    dueAt,
  }),
  escalateOnOverdue: (departmentId: string, clock: 'reportIn' | 'respond', dueAt: string): CaseCommand => ({
    type: 'EscalateOnOverdue',
    clock,
    departmentId,
    dueAt,
  }),
};
