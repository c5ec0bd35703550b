// Intake and the first decisions: submit, accept, reject, assign, withdraw, and the rule that nothing
// else happens to a case before it is accepted.
import t from 'tap';
import type { CaseCommand } from '../../../src/commands/case/commands.js';
import {
  acceptedCase,
  actors,
  at,
  CASE_ID,
  DAY,
  type ExpectedEvent,
  given,
  liaison,
  play,
  resolvedCase,
  stateOf,
  submitCommand,
  submittedCase,
  summonsCommands,
  T0,
} from '../../support/case-fixtures.js';

t.test('SubmitCase', async (t) => {
  t.test('when the grid worker registers a case in a grid, then it starts at grid level', async (t) => {
    const location = { orgUnitId: 'grid-1', address: '朝阳小区3号楼2单元' };
    const submittedBy = { id: 'grid-wang', role: 'gridWorker' };
    const acceptDueAt = '2026-03-03T01:00:00.000Z';
    const data = {
      caseId: CASE_ID,
      level: 'grid',
      urgency: 'normal',
      location,
      submittedBy,
      at: T0,
      acceptDueAt,
    } as const;
    const { state } = given([])
      .when(submitCommand(), actors.gridWorker, T0)
      .thenHas(t, [{ type: 'CaseSubmitted', data }]);
    t.hasStrict(state, { status: 'submitted', level: 'grid', orgUnitId: 'grid-1' });
    t.same(
      stateOf(submittedCase()).parties.map((party) => party.personId),
      ['person-1', 'person-2'],
    );
  });

  t.test('the level is the kind of the org unit the case is located in', async (t) => {
    for (const [orgUnitId, level] of [
      ['community-river', 'community'],
      ['street-west', 'street'],
      ['district-1', 'district'],
    ] as const) {
      given([])
        .when(submitCommand({ location: { orgUnitId } }), actors.mediator, T0)
        .thenHas(t, [{ type: 'CaseSubmitted', data: { level, location: { orgUnitId } } }]);
    }
  });

  t.test('the acceptance clock follows the urgency: 30 min, 2 h, 24 h', async (t) => {
    for (const [urgency, acceptDueAt] of [
      ['emergency', '2026-03-02T01:30:00.000Z'],
      ['urgent', '2026-03-02T03:00:00.000Z'],
      ['normal', '2026-03-03T01:00:00.000Z'],
    ] as const) {
      given([])
        .when(submitCommand({ urgency }), actors.gridWorker, T0)
        .thenHas(t, [{ type: 'CaseSubmitted', data: { urgency, acceptDueAt } }]);
    }
  });

  t.test('broken rules', async (t) => {
    given([])
      .when(submitCommand({ location: { orgUnitId: 'grid-99' } }), actors.gridWorker, T0)
      .thenThrows(t, 'unknown_org_unit');
    given(submittedCase()).when(submitCommand(), actors.gridWorker, at(5)).thenThrows(t, 'case_exists');
    const twice = submitCommand().parties.map((party) => ({ ...party, personId: 'person-1' }));
    given([])
      .when(submitCommand({ parties: twice }), actors.gridWorker, T0)
      .thenThrows(t, 'validation_failed');
    given([])
      .when(submitCommand({ parties: [] }), actors.gridWorker, T0)
      .thenThrows(t, 'validation_failed');
  });
});

t.test('AcceptCase', async (t) => {
  const accept: CaseCommand = { type: 'AcceptCase', handlingMode: 'immediate', note: '马上办' };

  t.test('given a normal case, when accepted, then it is due 15 working days later', async (t) => {
    const resolveDueAt = '2026-03-23T01:10:00.000Z';
    const data = {
      handlingMode: 'immediate',
      note: '马上办',
      complex: false,
      at: at(10),
      resolveDueAt,
    } as const;
    const { state } = given(submittedCase())
      .when(accept, actors.mediator, at(10))
      .thenHas(t, [{ type: 'CaseAccepted', data }]);
    t.hasStrict(state, { status: 'accepted', acceptedAt: at(10), complex: false });
  });

  t.test('the resolution clock is 24 h for an emergency and 7 working days when urgent', async (t) => {
    given(submittedCase({ urgency: 'emergency' }))
      .when(accept, actors.mediator, at(10))
      .thenHas(t, [{ type: 'CaseAccepted', data: { resolveDueAt: '2026-03-03T01:10:00.000Z' } }]);
    given(submittedCase({ urgency: 'urgent' }))
      .when(accept, actors.mediator, at(10))
      .thenHas(t, [{ type: 'CaseAccepted', data: { resolveDueAt: '2026-03-11T01:10:00.000Z' } }]);
  });

  t.test('working days skip the Labour Day holiday and count the make-up Saturday 9 May', async (t) => {
    // Tue 28 April 09:00 Beijing; 1, 4 and 5 May are off, Saturday 9 May is worked.
    const april28 = play([], [[submitCommand(), actors.gridWorker, 57 * DAY - 30]]);
    t.equal(at(57 * DAY), '2026-04-28T01:00:00.000Z');
    given(april28)
      .when(accept, actors.mediator, at(57 * DAY))
      .thenHas(t, [{ type: 'CaseAccepted', data: { resolveDueAt: '2026-05-21T01:00:00.000Z' } }]);
    const urgent = play([], [[submitCommand({ urgency: 'urgent' }), actors.gridWorker, 57 * DAY - 30]]);
    given(urgent)
      .when(accept, actors.mediator, at(57 * DAY))
      .thenHas(t, [{ type: 'CaseAccepted', data: { resolveDueAt: '2026-05-11T01:00:00.000Z' } }]);
  });

  t.test('a complex case is flagged on acceptance', async (t) => {
    const { state } = given(submittedCase())
      .when({ type: 'AcceptCase', handlingMode: 'onSite', complex: true }, actors.chair, at(10))
      .thenHas(t, [{ type: 'CaseAccepted', data: { complex: true } }]);
    t.hasStrict(state, { status: 'accepted', complex: true });
  });

  t.test('broken rules', async (t) => {
    given([]).when(accept, actors.mediator).thenThrows(t, 'case_not_found');
    given(acceptedCase()).when(accept, actors.mediator).thenThrows(t, 'case_not_submitted');
    const rejected = play(submittedCase(), [
      [{ type: 'RejectCase', reason: '不属于调解范围' }, actors.mediator, 5],
    ]);
    given(rejected).when(accept, actors.mediator).thenThrows(t, 'case_not_submitted');
  });
});

t.test('RejectCase', async (t) => {
  const reject: CaseCommand = { type: 'RejectCase', reason: '属于法院受理范围', referredTo: '区人民法院' };
  const { state } = given(submittedCase())
    .when(reject, actors.mediator, at(20))
    .thenHas(t, [
      { type: 'CaseRejected', data: { reason: '属于法院受理范围', referredTo: '区人民法院', at: at(20) } },
    ]);
  t.hasStrict(state, { status: 'rejected', rejectedAt: at(20) });
  given(acceptedCase()).when(reject, actors.mediator).thenThrows(t, 'case_not_submitted');
});

t.test('AssignCase', async (t) => {
  const assign: CaseCommand = { type: 'AssignCase', assigneeId: 'mediator-liu' };
  const { state } = given(acceptedCase())
    .when(assign, actors.chair, at(20))
    .thenHas(t, [{ type: 'CaseAssigned', data: { assigneeId: 'mediator-liu', at: at(20) } }]);
  t.hasStrict(state, { status: 'accepted', assigneeId: 'mediator-liu' });
  const assigned = play(acceptedCase(), [[assign, actors.chair, 20]]);
  given(assigned).when(assign, actors.chair).thenThrows(t, 'already_assigned');
  given(assigned)
    .when({ type: 'AssignCase', assigneeId: 'mediator-he' }, actors.chair)
    .thenHas(t, [{ type: 'CaseAssigned', data: { assigneeId: 'mediator-he' } }]);
  given(submittedCase()).when(assign, actors.chair).thenThrows(t, 'case_not_accepted');
});

t.test('WithdrawCase', async (t) => {
  const withdraw: CaseCommand = { type: 'WithdrawCase', reason: '双方已私下和解' };

  t.test('a resident who is a party may withdraw; another resident may not', async (t) => {
    const { state } = given(submittedCase())
      .when(withdraw, actors.resident, at(30))
      .thenHas(t, [
        { type: 'CaseWithdrawn', data: { reason: '双方已私下和解', by: 'resident-zhang', at: at(30) } },
      ]);
    t.hasStrict(state, { status: 'withdrawn', withdrawnAt: at(30) });
    given(submittedCase()).when(withdraw, actors.otherResident).thenThrows(t, 'not_a_party');
  });

  t.test('an accepted case may be withdrawn, and its open summons are released with it', async (t) => {
    const whistled = play(acceptedCase(), [[summonsCommands.whistle(['police-east']), actors.mediator, 20]]);
    const { state } = given(whistled)
      .when(withdraw, actors.mediator, at(40))
      .thenHas(t, [{ type: 'CaseWithdrawn', data: { by: 'mediator-liu' } }]);
    t.hasStrict(state, { summons: { 'police-east': { status: 'released', closedAt: at(40) } } });
  });

  t.test('a resolved or ended case cannot be withdrawn', async (t) => {
    given(resolvedCase()).when(withdraw, actors.resident, at(180)).thenThrows(t, 'invalid_status');
    const withdrawn = play(submittedCase(), [[withdraw, actors.resident, 30]]);
    given(withdrawn).when(withdraw, actors.resident).thenThrows(t, 'case_closed');
    const closed = play(resolvedCase(), [[{ type: 'CloseCase' }, actors.chair, 180]]);
    given(closed).when(withdraw, actors.resident, at(240)).thenThrows(t, 'case_closed');
  });
});

t.test('nothing happens before acceptance except reject, withdraw, notes and escalation', async (t) => {
  const refused: ReadonlyArray<readonly [CaseCommand, string]> = [
    [{ type: 'AssignCase', assigneeId: 'mediator-liu' }, 'case_not_accepted'],
    [{ type: 'WhistleDepartments', departmentIds: ['police-east'], reason: '需民警' }, 'case_not_accepted'],
    [{ type: 'ReleaseSummons', departmentId: 'police-east', reason: '不需要' }, 'summons_not_found'],
    [{ type: 'AddParticipant', userId: 'lawyer-wu', role: 'lawyer' }, 'case_not_accepted'],
    [{ type: 'RemoveParticipant', userId: 'lawyer-wu' }, 'case_not_accepted'],
    [
      { type: 'ScheduleMediationSession', sessionId: 's1', scheduledAt: at(DAY), place: '室' },
      'case_not_accepted',
    ],
    [{ type: 'RecordMediationSession', sessionId: 's1', outcome: 'agreement' }, 'case_not_accepted'],
    [
      { type: 'RecordAgreement', agreementId: 'a1', terms: '赔偿', signatories: ['张伟'] },
      'case_not_accepted',
    ],
    [{ type: 'RequestJudicialConfirmation', agreementId: 'a1', courtId: 'court-1' }, 'case_not_accepted'],
    [{ type: 'ResolveCase', summary: '已处理' }, 'case_not_accepted'],
    [{ type: 'GiveFeedback', rating: 'satisfied', via: 'phone' }, 'case_not_resolved'],
    [{ type: 'CloseCase' }, 'case_not_resolved'],
    [{ type: 'ReopenCase', reason: '再办' }, 'invalid_status'],
  ];
  for (const [command, code] of refused) {
    t.test(`${command.type} → ${code}`, async (t) => {
      given(submittedCase()).when(command, actors.chair).thenThrows(t, code);
    });
  }

  t.test("a department's own commands find no summons to act on", async (t) => {
    const { reportIn, respond, decline } = summonsCommands;
    for (const command of [reportIn('police-east'), respond('police-east'), decline('police-east')]) {
      given(submittedCase()).when(command, liaison('police-east')).thenThrows(t, 'summons_not_found');
    }
    given(submittedCase())
      .when({ type: 'DecideJudicialConfirmation', agreementId: 'a1', granted: true }, liaison('court-1'))
      .thenThrows(t, 'agreement_not_found');
  });

  t.test('reject, withdraw, notes, attachments and escalation are allowed', async (t) => {
    const sha256 = 'a'.repeat(64);
    const photo = {
      type: 'AddAttachment',
      attachmentId: 'f1',
      name: '现场.jpg',
      contentType: 'image/jpeg',
      sha256,
      size: 2048,
    } as const;
    const allowed: ReadonlyArray<readonly [CaseCommand, ExpectedEvent]> = [
      [{ type: 'RejectCase', reason: '重复诉求' }, { type: 'CaseRejected' }],
      [{ type: 'WithdrawCase', reason: '不再需要' }, { type: 'CaseWithdrawn' }],
      [{ type: 'AddNote', noteId: 'n1', text: '已电话联系双方' }, { type: 'NoteAdded' }],
      [photo, { type: 'AttachmentAdded', data: { sha256: photo.sha256, size: 2048 } }],
      [{ type: 'EscalateCase', reason: '涉及多个社区' }, { type: 'CaseEscalated' }],
    ];
    for (const [command, expected] of allowed) {
      given(submittedCase()).when(command, actors.chair).thenHas(t, [expected]);
    }
  });
});
