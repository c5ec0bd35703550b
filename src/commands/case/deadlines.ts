// The clocks of DESIGN.md §4: when each is due, derived purely from the case, its urgency and
// category, the policy and a working-day calendar. Due times are frozen into the events that start
// them, so a later change of policy never moves a clock already running.
import type { Clock, Urgency } from '../../events/case-events.js';
import { CHINA_2026, deadlineAfter, type Limit, type WorkCalendar } from './calendar.js';
import { type ExistingCase, escalatedSince } from './state.js';

export interface DeadlinePolicy {
  readonly accept: Readonly<Record<Urgency, Limit>>;
  readonly reportIn: Readonly<Record<Urgency, Limit>>;
  readonly respond: Readonly<Record<Urgency, Limit>>;
  /** Replaces the normal response limit for complex cases. */
  readonly respondComplex: Limit;
  readonly resolve: Readonly<Record<Urgency, Limit>>;
  readonly feedback: Limit;
  /** Utility cases (12345 hotline rule): the department responds within this, whatever the urgency. */
  readonly utilityCategories: readonly string[];
  readonly utilityRespondCap: Limit;
  /** Calendar days after an agreement within which judicial confirmation may be requested. */
  readonly judicialConfirmationDays: number;
  /** Calendar days after closing within which a chair or supervisor may reopen. */
  readonly reopenWindowDays: number;
}

export const DEFAULT_POLICY: DeadlinePolicy = {
  accept: { emergency: { minutes: 30 }, urgent: { hours: 2 }, normal: { hours: 24 } },
  reportIn: { emergency: { minutes: 30 }, urgent: { hours: 2 }, normal: { hours: 24 } },
  respond: { emergency: { hours: 2 }, urgent: { hours: 24 }, normal: { days: 7 } },
  respondComplex: { days: 15 },
  resolve: { emergency: { hours: 24 }, urgent: { days: 7 }, normal: { days: 15 } },
  feedback: { days: 7 },
  utilityCategories: ['water', 'power', 'gas', 'heating'],
  utilityRespondCap: { hours: 24 },
  judicialConfirmationDays: 30,
  reopenWindowDays: 30,
};

export interface Deadlines {
  readonly policy: DeadlinePolicy;
  readonly calendar: WorkCalendar;
}

export const DEFAULT_DEADLINES: Deadlines = { policy: DEFAULT_POLICY, calendar: CHINA_2026 };

const due = (start: string, limit: Limit, calendar: WorkCalendar): string =>
  deadlineAfter(new Date(start), limit, calendar).toISOString();

export const acceptDue = (at: string, urgency: Urgency, { policy, calendar }: Deadlines): string =>
  due(at, policy.accept[urgency], calendar);

export function reportInDue(
  at: string,
  urgency: Urgency,
  { policy, calendar }: Deadlines,
  minutes?: number,
): string {
  return due(at, minutes === undefined ? policy.reportIn[urgency] : { minutes }, calendar);
}

export function respondDue(
  at: string,
  file: { readonly urgency: Urgency; readonly complex: boolean; readonly category: string },
  departmentKind: string,
  { policy, calendar }: Deadlines,
): string {
  const limit =
    file.complex && file.urgency === 'normal' ? policy.respondComplex : policy.respond[file.urgency];
  const usual = due(at, limit, calendar);
  const utility = departmentKind === 'utility' || policy.utilityCategories.includes(file.category);
  if (!utility) return usual;
  const capped = due(at, policy.utilityRespondCap, calendar);
  return capped < usual ? capped : usual;
}

export const resolveDue = (at: string, urgency: Urgency, { policy, calendar }: Deadlines): string =>
  due(at, policy.resolve[urgency], calendar);

export const feedbackDue = (at: string, { policy, calendar }: Deadlines): string =>
  due(at, policy.feedback, calendar);

export const addCalendarDays = (at: string, days: number): string =>
  new Date(new Date(at).getTime() + days * 86_400_000).toISOString();

export interface RunningClock {
  readonly clock: Clock;
  readonly departmentId?: string;
  readonly dueAt: string;
  /** The system has already recorded this clock as run out (and escalated where it does). */
  readonly fired: boolean;
}

/** Every clock now running on the case, with its due time: what the deadline process watches. */
export function runningClocks(state: ExistingCase): RunningClock[] {
  const clocks: RunningClock[] = [];
  const add = (clock: Clock, dueAt: string, departmentId?: string): void => {
    const fired = clock !== 'feedback' && escalatedSince(state, dueAt);
    clocks.push(departmentId ? { clock, departmentId, dueAt, fired } : { clock, dueAt, fired });
  };
  if (state.status === 'submitted') add('accept', state.acceptDueAt);
  if (state.status === 'accepted' && state.resolveDueAt) add('resolve', state.resolveDueAt);
  // The rating clock stops once the case has been rated since it was resolved.
  const rated = state.status === 'resolved' && state.feedback.some((given) => given.at >= state.resolvedAt);
  if (state.status === 'resolved' && !rated) add('feedback', state.feedbackDueAt);
  for (const s of Object.values(state.summons)) {
    if (s.status === 'pending') add('reportIn', s.reportInDueAt, s.departmentId);
    if (s.status === 'reportedIn' && s.respondDueAt) add('respond', s.respondDueAt, s.departmentId);
  }
  return clocks;
}
