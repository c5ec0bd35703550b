// 多方联调: participants, mediation sessions, agreements and judicial confirmation (司法确认).
import t from 'tap';
import type { CaseCommand } from '../../../src/commands/case/commands.js';
import type { CaseEvent } from '../../../src/events/case-events.js';
import {
  acceptedCase,
  actors,
  at,
  DAY,
  given,
  HOUR,
  liaison,
  play,
  stateOf,
} from '../../support/case-fixtures.js';

const court = liaison('court-1');
const join = (userId: string, role: 'police' | 'lawyer' | 'observer', departmentId?: string): CaseCommand =>
  departmentId === undefined
    ? { type: 'AddParticipant', userId, role }
    : { type: 'AddParticipant', userId, role, departmentId };
const schedule: CaseCommand = {
  type: 'ScheduleMediationSession',
  sessionId: 'session-1',
  scheduledAt: '2026-03-03T06:00:00.000Z',
  place: '社区调解室',
};
const record: CaseCommand = {
  type: 'RecordMediationSession',
  sessionId: 'session-1',
  outcome: 'agreement',
  notes: '双方同意赔偿',
};
const agree: CaseCommand = {
  type: 'RecordAgreement',
  agreementId: 'agreement-1',
  terms: '楼上住户赔偿维修费3000元',
  signatories: ['张伟', '李娜'],
};
const requestAt = (courtId: string, agreementId = 'agreement-1'): CaseCommand =>
  ({ type: 'RequestJudicialConfirmation', agreementId, courtId }) as const;
const NOTES = { true: '协议合法有效', false: '协议内容违反法律规定' };
const decision = (granted: boolean): CaseCommand =>
  ({
    type: 'DecideJudicialConfirmation',
    agreementId: 'agreement-1',
    granted,
    note: NOTES[`${granted}`],
  }) as const;

/** The agreement is recorded at 12:00 Beijing on T0's day. */
const AGREED = 3 * HOUR;
const agreed = (): CaseEvent[] => play(acceptedCase(), [[agree, actors.mediator, AGREED]]);
const requested = (): CaseEvent[] => play(agreed(), [[requestAt('court-1'), actors.mediator, AGREED + DAY]]);

t.test('participants join and leave', async (t) => {
  const police = { userId: 'police-zhou', role: 'police', departmentId: 'police-east', at: at(30) } as const;
  const { state } = given(acceptedCase())
    .when(join('police-zhou', 'police', 'police-east'), actors.mediator, at(30))
    .thenHas(t, [{ type: 'ParticipantJoined', data: police }]);
  t.hasStrict(state, { participants: { 'police-zhou': { role: 'police', departmentId: 'police-east' } } });
  const observer = { userId: 'observer-ma', role: 'observer', at: at(30) };
  given(acceptedCase())
    .when(join('observer-ma', 'observer'), actors.mediator, at(30))
    .then(t, (events) => t.strictSame(events, [{ type: 'ParticipantJoined', data: observer }]));

  const joined = play(acceptedCase(), [[join('lawyer-wu', 'lawyer', 'legal-aid'), actors.mediator, 30]]);
  given(joined).when(join('lawyer-wu', 'observer'), actors.mediator).thenThrows(t, 'participant_exists');
  given(acceptedCase())
    .when(join('lawyer-wu', 'lawyer', 'law-firm-9'), actors.mediator)
    .thenThrows(t, 'unknown_department');

  const leave: CaseCommand = { type: 'RemoveParticipant', userId: 'lawyer-wu' };
  given(joined)
    .when(leave, actors.mediator, at(90))
    .thenHas(t, [{ type: 'ParticipantLeft', data: { userId: 'lawyer-wu', at: at(90) } }]);
  const left = play(joined, [[leave, actors.mediator, 90]]);
  t.same(Object.keys(stateOf(left).participants), [], 'the lawyer is no longer listed');
  given(left).when(leave, actors.mediator, at(100)).thenThrows(t, 'participant_not_found');
  given(left)
    .when(join('lawyer-wu', 'lawyer'), actors.mediator, at(120))
    .thenHas(t, [{ type: 'ParticipantJoined' }]);
});

t.test('mediation sessions are scheduled once and recorded once', async (t) => {
  const { state } = given(acceptedCase())
    .when(schedule, actors.mediator, at(30))
    .thenHas(t, [
      {
        type: 'MediationSessionScheduled',
        data: {
          sessionId: 'session-1',
          scheduledAt: '2026-03-03T06:00:00.000Z',
          place: '社区调解室',
          at: at(30),
        },
      },
    ]);
  t.hasStrict(state, { sessions: { 'session-1': { recorded: false } } });
  const scheduled = play(acceptedCase(), [[schedule, actors.mediator, 30]]);
  given(scheduled).when(schedule, actors.mediator).thenThrows(t, 'session_exists');

  const recorded = given(scheduled)
    .when(record, actors.mediator, at(DAY + 6 * HOUR))
    .thenHas(t, [
      {
        type: 'MediationSessionRecorded',
        data: { sessionId: 'session-1', outcome: 'agreement', notes: '双方同意赔偿', at: at(DAY + 6 * HOUR) },
      },
    ]);
  t.hasStrict(recorded.state, { sessions: { 'session-1': { recorded: true } } });
  given(acceptedCase()).when(record, actors.mediator).thenThrows(t, 'session_not_found');
  given(play(scheduled, [[record, actors.mediator, DAY]]))
    .when(record, actors.mediator, at(DAY + 5))
    .thenThrows(t, 'session_already_recorded');
});

t.test('agreements', async (t) => {
  const { state } = given(acceptedCase())
    .when(agree, actors.mediator, at(AGREED))
    .thenHas(t, [
      {
        type: 'AgreementRecorded',
        data: {
          agreementId: 'agreement-1',
          terms: '楼上住户赔偿维修费3000元',
          signatories: ['张伟', '李娜'],
          at: at(AGREED),
        },
      },
    ]);
  t.hasStrict(state, {
    agreements: { 'agreement-1': { recordedAt: at(AGREED), signatories: ['张伟', '李娜'] } },
  });
  given(agreed())
    .when(agree, actors.mediator, at(AGREED + 5))
    .thenThrows(t, 'agreement_exists');
  given(acceptedCase())
    .when({ ...agree, signatories: [] }, actors.mediator)
    .thenThrows(t, 'validation_failed');
});

t.test('requesting judicial confirmation', async (t) => {
  t.test('given an agreement, when confirmation is asked of a court, then it is requested', async (t) => {
    const { state } = given(agreed())
      .when(requestAt('court-1'), actors.mediator, at(AGREED + DAY))
      .thenHas(t, [
        {
          type: 'JudicialConfirmationRequested',
          data: { agreementId: 'agreement-1', courtId: 'court-1', at: at(AGREED + DAY) },
        },
      ]);
    t.hasStrict(state, {
      agreements: { 'agreement-1': { confirmation: { courtId: 'court-1', requestedAt: at(AGREED + DAY) } } },
    });
  });

  t.test('it may still be requested once the case is resolved', async (t) => {
    const resolved = play(agreed(), [
      [{ type: 'ResolveCase', summary: '达成协议' }, actors.mediator, AGREED + 60],
    ]);
    given(resolved)
      .when(requestAt('court-1'), actors.chair, at(AGREED + DAY))
      .thenHas(t, [{ type: 'JudicialConfirmationRequested', data: { courtId: 'court-1' } }]);
  });

  t.test('only a court confirms; the judicial office (司法所) is not one', async (t) => {
    given(agreed())
      .when(requestAt('judicial-east'), actors.mediator, at(AGREED + DAY))
      .thenThrows(t, 'not_a_court');
    given(agreed())
      .when(requestAt('court-99'), actors.mediator, at(AGREED + DAY))
      .thenThrows(t, 'unknown_department');
  });

  t.test('it needs a recorded agreement, and is requested once', async (t) => {
    given(acceptedCase()).when(requestAt('court-1'), actors.mediator).thenThrows(t, 'agreement_not_found');
    given(agreed())
      .when(requestAt('court-1', 'agreement-2'), actors.mediator, at(AGREED + DAY))
      .thenThrows(t, 'agreement_not_found');
    given(requested())
      .when(requestAt('court-1'), actors.mediator, at(AGREED + 2 * DAY))
      .thenThrows(t, 'confirmation_already_requested');
  });

  t.test('the decider refuses it after 30 days; day 29 is in time', async (t) => {
    given(agreed())
      .when(requestAt('court-1'), actors.mediator, at(AGREED + 29 * DAY))
      .thenHas(t, [{ type: 'JudicialConfirmationRequested', data: { at: '2026-03-31T04:00:00.000Z' } }]);
    given(agreed())
      .when(requestAt('court-1'), actors.mediator, at(AGREED + 30 * DAY + 1))
      .thenThrows(t, 'confirmation_window_passed');
    given(agreed())
      .when(requestAt('court-1'), actors.mediator, at(AGREED + 31 * DAY))
      .thenThrows(t, 'confirmation_window_passed');
  });
});

t.test("the court's decision", async (t) => {
  t.test('a liaison of the requested court grants it', async (t) => {
    const { state } = given(requested())
      .when(decision(true), court, at(AGREED + 5 * DAY))
      .thenHas(t, [
        {
          type: 'JudicialConfirmationDecided',
          data: {
            agreementId: 'agreement-1',
            courtId: 'court-1',
            granted: true,
            note: '协议合法有效',
            by: 'liaison-court-1',
            at: at(AGREED + 5 * DAY),
          },
        },
      ]);
    t.hasStrict(state, {
      agreements: {
        'agreement-1': { confirmation: { decision: { granted: true, at: at(AGREED + 5 * DAY) } } },
      },
    });
  });

  t.test('or refuses it', async (t) => {
    given(requested())
      .when(decision(false), court, at(AGREED + 5 * DAY))
      .thenHas(t, [
        { type: 'JudicialConfirmationDecided', data: { granted: false, note: '协议内容违反法律规定' } },
      ]);
  });

  t.test("another court's liaison, or a mediator, may not decide", async (t) => {
    given(requested())
      .when(decision(true), liaison('court-2'), at(AGREED + 5 * DAY))
      .thenThrows(t, 'wrong_court');
    given(requested())
      .when(decision(true), actors.mediator, at(AGREED + 5 * DAY))
      .thenThrows(t, 'wrong_court');
    given(requested())
      .when(decision(true), liaison('judicial-east'), at(AGREED + 5 * DAY))
      .thenThrows(t, 'wrong_court');
  });

  t.test('there must be a request, and it is decided once', async (t) => {
    given(agreed())
      .when(decision(true), court, at(AGREED + DAY))
      .thenThrows(t, 'confirmation_not_requested');
    given(acceptedCase()).when(decision(true), court).thenThrows(t, 'agreement_not_found');
    const decided = play(requested(), [[decision(true), court, AGREED + 5 * DAY]]);
    given(decided)
      .when(decision(false), court, at(AGREED + 6 * DAY))
      .thenThrows(t, 'confirmation_already_decided');
  });
});
