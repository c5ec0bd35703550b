// Several deadlines missed before anyone escalated move the case up one level, not one per deadline;
// a deadline missed after the last escalation moves it up again.
import t from 'tap';
import { runningClocks } from '../../../src/commands/case/deadlines.js';
import type { ExistingCase } from '../../../src/commands/case/state.js';
import { foldCase } from '../../../src/commands/case/state.js';
import { acceptedCase, actors, at, liaison, play } from '../../support/case-fixtures.js';

const HOUR = 60;

function reportedInApart() {
  // Urgent: 24 h to respond after reporting in; the two departments report in 30 minutes apart.
  return play(acceptedCase({ urgency: 'urgent' }), [
    [
      { type: 'WhistleDepartments', departmentIds: ['police-east', 'heating-co'], reason: '联合处置' },
      actors.mediator,
      20,
    ],
    [{ type: 'ReportIn', departmentId: 'police-east' }, liaison('police-east'), 30],
    [{ type: 'ReportIn', departmentId: 'heating-co' }, liaison('heating-co'), 60],
  ]);
}

const respondDue = (state: ExistingCase, departmentId: string) => state.summons[departmentId]!.respondDueAt!;

t.test('two response deadlines missed before the system acts: one level up', async (t) => {
  const history = reportedInApart();
  const state = foldCase(history) as ExistingCase;
  const [police, heating] = [respondDue(state, 'police-east'), respondDue(state, 'heating-co')];
  t.ok(police < heating, 'the deadlines differ');
  const late = 26 * HOUR;
  const events = play(history, [
    [
      { type: 'EscalateOnOverdue', clock: 'respond', departmentId: 'police-east', dueAt: police },
      actors.system,
      late,
    ],
    [
      { type: 'EscalateOnOverdue', clock: 'respond', departmentId: 'heating-co', dueAt: heating },
      actors.system,
      late,
    ],
  ]);
  const escalations = events.filter((e) => e.type === 'CaseEscalated');
  t.equal(escalations.length, 1);
  t.match(foldCase(events), { level: 'community' });
  t.ok(
    runningClocks(foldCase(events) as ExistingCase).every((clock) => clock.fired || clock.dueAt > at(late)),
    'both clocks count as answered',
  );
});

t.test('a deadline missed after the last escalation moves the case up again', async (t) => {
  const history = reportedInApart();
  const state = foldCase(history) as ExistingCase;
  const [police, heating] = [respondDue(state, 'police-east'), respondDue(state, 'heating-co')];
  // The system acts the minute each deadline passes (police first, heating 30 minutes later).
  const events = play(history, [
    [
      { type: 'EscalateOnOverdue', clock: 'respond', departmentId: 'police-east', dueAt: police },
      actors.system,
      24 * HOUR + 31,
    ],
    [
      { type: 'EscalateOnOverdue', clock: 'respond', departmentId: 'heating-co', dueAt: heating },
      actors.system,
      24 * HOUR + 61,
    ],
  ]);
  t.equal(events.filter((e) => e.type === 'CaseEscalated').length, 2);
  t.match(foldCase(events), { level: 'street' });
});

t.test('a person escalating after the deadline answers it too', async (t) => {
  const history = reportedInApart();
  const police = respondDue(foldCase(history) as ExistingCase, 'police-east');
  const events = play(history, [
    [{ type: 'EscalateCase', reason: '派出所未反馈，提请街道协调' }, actors.mediator, 25 * HOUR],
    [
      { type: 'EscalateOnOverdue', clock: 'respond', departmentId: 'police-east', dueAt: police },
      actors.system,
      25 * HOUR + 1,
    ],
  ]);
  t.equal(events.filter((e) => e.type === 'CaseEscalated').length, 1);
});
