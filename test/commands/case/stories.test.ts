// The seed stories of DESIGN.md §10 (1–5), played at the decider by the people who act in them, at the
// times they would act (Beijing time; Monday 2 March 2026 is an ordinary working week).
import t from 'tap';
import { runningClocks } from '../../../src/commands/case/deadlines.js';
import { acceptedCase, actors, liaison } from '../../support/case-fixtures.js';
import { beijing, only, people, Story, types } from '../../support/story-helpers.js';

const police = liaison('police-east');
const judicial = liaison('judicial-east');
const labour = liaison('labour-arbitration');
const lawyer = liaison('legal-aid');
const court = liaison('court-1');
const heating = liaison('heating-co');
const property = liaison('property-co');

t.test(
  'story 1: factory relocation — four departments report in, joint mediation, confirmed agreement',
  async (t) => {
    const story = new Story();
    story.act(actors.gridWorker, '2026-03-02 09:00', {
      type: 'SubmitCase',
      caseId: 'case-factory',
      kind: 'dispute',
      category: 'labour',
      title: '万友通公司搬迁，80余名员工对辞退补偿不满',
      description: '公司决定迁至武汉，80余名员工对辞退补偿不满，在厂区聚集静坐，并扬言打砸滋事。',
      channel: 'gridPatrol',
      location: { orgUnitId: 'grid-1', address: '顺正河社区万友通公司厂区' },
      parties: [
        { personId: 'p-worker', role: 'complainant', kind: 'person', name: '张伟', userId: 'resident-zhang' },
        { personId: 'p-company', role: 'respondent', kind: 'organization', name: '万友通公司' },
      ],
      urgency: 'emergency',
      peopleInvolved: 80,
      massIncidentRisk: true,
    });
    const submitted = only(story.events, 'CaseSubmitted').data;
    t.hasStrict(submitted, {
      urgency: 'emergency',
      massIncidentRisk: true,
      peopleInvolved: 80,
      category: 'labour',
    });
    t.hasStrict(story.state, {
      status: 'submitted',
      level: 'grid',
      orgUnitId: 'grid-1',
      submittedBy: 'grid-wang',
    });
    t.equal(
      submitted.acceptDueAt,
      beijing('2026-03-02 09:30'),
      'an emergency must be accepted within 30 minutes',
    );

    story.act(actors.chair, '2026-03-02 09:08', {
      type: 'AcceptCase',
      handlingMode: 'onSite',
      note: '书记带队赶赴现场',
    });
    t.hasStrict(
      story.state,
      { status: 'accepted', resolveDueAt: beijing('2026-03-03 09:08') },
      'emergency: 24 h to resolve',
    );

    const whistled = story.act(actors.chair, '2026-03-02 09:12', {
      type: 'WhistleDepartments',
      departmentIds: ['police-east', 'labour-arbitration', 'judicial-east', 'legal-aid'],
      reason: '群体性事件苗头：员工聚集静坐，扬言打砸',
    });
    t.strictSame(types(whistled), ['DepartmentsSummoned'], 'one whistle summons all four at once');
    for (const dept of ['police-east', 'labour-arbitration', 'judicial-east', 'legal-aid']) {
      t.hasStrict(
        story.summons(dept),
        { status: 'pending', round: 1, reportInDueAt: beijing('2026-03-02 09:42') },
        dept,
      );
    }
    t.equal(
      story.refusal(judicial, '2026-03-02 09:15', { type: 'ReportIn', departmentId: 'police-east' }),
      'wrong_department',
    );

    story.act(police, '2026-03-02 09:20', {
      type: 'ReportIn',
      departmentId: 'police-east',
      note: '民警已到厂区维持秩序',
    });
    story.act(lawyer, '2026-03-02 09:31', { type: 'ReportIn', departmentId: 'legal-aid' });
    story.act(labour, '2026-03-02 09:38', { type: 'ReportIn', departmentId: 'labour-arbitration' });
    story.act(judicial, '2026-03-02 09:40', { type: 'ReportIn', departmentId: 'judicial-east' });
    for (const dept of ['police-east', 'labour-arbitration', 'judicial-east', 'legal-aid']) {
      const summons = story.summons(dept);
      t.equal(summons.status, 'reportedIn', `${dept} has reported in`);
      t.ok(summons.reportedInAt! <= summons.reportInDueAt, `${dept} came within 30 minutes`);
      t.notOk(summons.overdue.reportIn, `${dept} is not overdue`);
    }
    t.equal(
      story.summons('police-east').respondDueAt,
      beijing('2026-03-02 11:20'),
      'emergency: 2 h to respond',
    );
    t.notOk(
      runningClocks(story.state).some((clock) => clock.clock === 'reportIn'),
      'no report-in clock is left running',
    );

    const joined = [
      { userId: police.id, role: 'police', departmentId: 'police-east' },
      { userId: lawyer.id, role: 'lawyer', departmentId: 'legal-aid' },
      { userId: judicial.id, role: 'judicialOfficer', departmentId: 'judicial-east' },
      { userId: labour.id, role: 'departmentLiaison', departmentId: 'labour-arbitration' },
    ] as const;
    for (const participant of joined) {
      story.act(actors.chair, '2026-03-02 09:45', { type: 'AddParticipant', ...participant });
    }
    t.equal(
      Object.keys(story.state.participants).length,
      4,
      'police, lawyer, judicial office and arbitration sit in',
    );

    // 四天三晚: a session each day, the last one reaching agreement.
    const days = [
      ['s-day1', '2026-03-02', 'noAgreement'],
      ['s-day2', '2026-03-03', 'partialAgreement'],
      ['s-day3', '2026-03-04', 'partialAgreement'],
      ['s-day4', '2026-03-05', 'agreement'],
    ] as const;
    for (const [sessionId, day, outcome] of days) {
      story.act(actors.mediator, `${day} 09:50`, {
        type: 'ScheduleMediationSession',
        sessionId,
        scheduledAt: beijing(`${day} 10:00`),
        place: '万友通公司厂区会议室',
      });
      t.hasStrict(story.state.sessions[sessionId], { recorded: false }, `${sessionId} is on the calendar`);
      story.act(actors.mediator, `${day} 22:00`, { type: 'RecordMediationSession', sessionId, outcome });
    }
    t.ok(
      Object.values(story.state.sessions).every((session) => session.recorded),
      'four sessions recorded',
    );

    const signatories = ['万友通公司（法定代表人）', '员工代表 张伟', '员工代表 王强'];
    story.act(actors.mediator, '2026-03-05 22:30', {
      type: 'RecordAgreement',
      agreementId: 'agreement-1',
      terms: '公司按工作年限支付经济补偿金，三月底前一次性付清；员工解除聚集。',
      signatories,
    });
    t.hasStrict(story.state.agreements['agreement-1'], {
      signatories,
      recordedAt: beijing('2026-03-05 22:30'),
    });
    t.equal(story.state.agreements['agreement-1']?.confirmation, undefined, 'not yet sent for confirmation');

    story.act(actors.chair, '2026-03-06 09:30', {
      type: 'RequestJudicialConfirmation',
      agreementId: 'agreement-1',
      courtId: 'court-1',
    });
    t.hasStrict(story.state.agreements['agreement-1']?.confirmation, {
      courtId: 'court-1',
      requestedAt: beijing('2026-03-06 09:30'),
    });
    t.equal(story.state.agreements['agreement-1']?.confirmation?.decision, undefined, 'awaiting the court');
    const decision = {
      type: 'DecideJudicialConfirmation',
      agreementId: 'agreement-1',
      granted: true,
    } as const;
    t.equal(
      story.refusal(judicial, '2026-03-06 14:00', decision),
      'wrong_court',
      'the judicial office is not the court',
    );
    story.act(court, '2026-03-06 15:00', { ...decision, note: '协议合法有效，予以确认' });
    t.hasStrict(story.state.agreements['agreement-1']?.confirmation?.decision, {
      granted: true,
      at: beijing('2026-03-06 15:00'),
    });

    t.equal(
      story.refusal(actors.chair, '2026-03-06 15:30', { type: 'ResolveCase', summary: '达成协议' }),
      'open_summons',
      '事不完、人不撤: no resolution while departments are still on the case',
    );
    const responses = [
      [police, 'police-east', '现场秩序平稳，未发生打砸'],
      [labour, 'labour-arbitration', '已就补偿标准出具仲裁意见'],
      [judicial, 'judicial-east', '已参与调解并制作调解协议书'],
      [lawyer, 'legal-aid', '已为员工提供法律咨询'],
    ] as const;
    for (const [who, departmentId, summary] of responses) {
      story.act(who, '2026-03-06 16:00', { type: 'RespondToSummons', departmentId, summary });
      t.equal(story.summons(departmentId).status, 'responded', `${departmentId} responded`);
    }

    story.act(actors.chair, '2026-03-06 17:00', {
      type: 'ResolveCase',
      summary: '调解协议经司法确认，纠纷化解',
    });
    t.hasStrict(
      story.state,
      { status: 'resolved', feedbackDueAt: beijing('2026-03-17 17:00') },
      '7 working days to rate',
    );

    const rated = story.act(actors.resident, '2026-03-09 10:00', {
      type: 'GiveFeedback',
      rating: 'satisfied',
    });
    t.strictSame(types(rated), ['FeedbackGiven'], 'a satisfied rating does not reopen');
    t.strictSame(story.state.feedback, [
      { rating: 'satisfied', via: 'self', at: beijing('2026-03-09 10:00') },
    ]);

    story.act(actors.chair, '2026-03-09 11:00', { type: 'CloseCase', reason: '回访满意' });
    t.hasStrict(story.state, {
      status: 'closed',
      noFeedback: false,
      closedAt: beijing('2026-03-09 11:00'),
      level: 'grid',
    });
    t.strictSame(runningClocks(story.state), [], 'nothing is left ticking on a closed case');
  },
);

t.test('story 2: no heating — the heating company on a 24 h clock restores heat the next day', async (t) => {
  const heatingCase = (urgency: 'urgent' | 'normal') => ({
    type: 'SubmitCase' as const,
    caseId: 'case-heating',
    kind: 'help' as const,
    category: 'heating',
    title: '九户居民停暖一周',
    description: '因分户供暖问题产生分歧，九户居民已经停暖一周，联系多部门未得到解决。',
    channel: 'phone' as const,
    location: { orgUnitId: 'grid-1', address: '青八社区12号楼' },
    parties: [
      {
        personId: 'p-zhang',
        role: 'complainant' as const,
        kind: 'person' as const,
        name: '张艳红',
        userId: 'resident-zhang',
      },
      { personId: 'p-heating', role: 'respondent' as const, kind: 'organization' as const, name: '热力公司' },
    ],
    urgency,
    peopleInvolved: 9,
  });

  const story = new Story();
  story.act(actors.chair, '2026-03-02 07:40', heatingCase('urgent'));
  t.hasStrict(story.state, {
    status: 'submitted',
    category: 'heating',
    urgency: 'urgent',
    acceptDueAt: beijing('2026-03-02 09:40'),
  });
  t.equal(only(story.events, 'CaseSubmitted').data.channel, 'phone');

  story.act(actors.chair, '2026-03-02 07:50', { type: 'AcceptCase', handlingMode: 'immediate' });
  t.hasStrict(
    story.state,
    { status: 'accepted', resolveDueAt: beijing('2026-03-11 07:50') },
    'urgent: 7 working days',
  );

  story.act(actors.chair, '2026-03-02 08:00', {
    type: 'WhistleDepartments',
    departmentIds: ['heating-co'],
    reason: '九户停暖，气温骤降',
  });
  t.hasStrict(story.summons('heating-co'), { status: 'pending', reportInDueAt: beijing('2026-03-02 10:00') });

  story.act(heating, '2026-03-02 08:40', {
    type: 'ReportIn',
    departmentId: 'heating-co',
    note: '维修班组已出发',
  });
  t.hasStrict(
    story.summons('heating-co'),
    { status: 'reportedIn', respondDueAt: beijing('2026-03-03 08:40') },
    '24 h',
  );

  // The 24 h cap is the utility rule, not the urgency: a normal heating case gets 24 h too,
  // where a normal case of another department gets 7 working days.
  const normal = new Story();
  normal.act(actors.chair, '2026-03-02 07:40', heatingCase('normal'));
  normal.act(actors.chair, '2026-03-02 07:50', { type: 'AcceptCase', handlingMode: 'immediate' });
  normal.act(actors.chair, '2026-03-02 08:00', {
    type: 'WhistleDepartments',
    departmentIds: ['heating-co'],
    reason: '停暖',
  });
  normal.act(heating, '2026-03-02 08:40', { type: 'ReportIn', departmentId: 'heating-co' });
  t.equal(
    normal.summons('heating-co').respondDueAt,
    beijing('2026-03-03 08:40'),
    'a utility answers within 24 h',
  );
  const other = new Story(acceptedCase());
  other.act(actors.mediator, '2026-03-02 09:30', {
    type: 'WhistleDepartments',
    departmentIds: ['property-co'],
    reason: '漏水',
  });
  other.act(property, '2026-03-02 10:00', { type: 'ReportIn', departmentId: 'property-co' });
  t.equal(
    other.summons('property-co').respondDueAt,
    beijing('2026-03-11 10:00'),
    'others get 7 working days',
  );

  story.act(heating, '2026-03-03 08:00', {
    type: 'RespondToSummons',
    departmentId: 'heating-co',
    summary: '已恢复供暖，九户住户均正常供暖',
  });
  t.hasStrict(story.summons('heating-co'), { status: 'responded', closedAt: beijing('2026-03-03 08:00') });
  t.notOk(story.summons('heating-co').overdue.respond, 'restored within its 24 h');

  story.act(actors.chair, '2026-03-03 08:30', { type: 'ResolveCase', summary: '协调热力公司恢复供暖' });
  t.hasStrict(story.state, { status: 'resolved', feedbackDueAt: beijing('2026-03-12 08:30') });

  story.act(actors.resident, '2026-03-05 10:00', {
    type: 'GiveFeedback',
    rating: 'satisfied',
    comment: '居民为书记送上锦旗',
  });
  t.strictSame(story.state.feedback, [{ rating: 'satisfied', via: 'self', at: beijing('2026-03-05 10:00') }]);
  story.act(actors.chair, '2026-03-05 10:30', { type: 'CloseCase' });
  t.hasStrict(story.state, { status: 'closed', noFeedback: false });
});

t.test('story 3: neighbours — a building head registers, a party-member mediator settles it', async (t) => {
  const story = new Story();
  story.act(people.buildingHead, '2026-03-03 19:30', {
    type: 'SubmitCase',
    caseId: 'case-neighbours',
    kind: 'dispute',
    category: 'neighbour',
    title: '楼上楼下因漏水争吵',
    description: '3号楼两户居民因卫生间漏水发生争吵，楼栋长到场劝解。',
    channel: 'buildingHead',
    location: { orgUnitId: 'grid-1', address: '青八社区3号楼2单元' },
    parties: [
      { personId: 'p-zhang', role: 'complainant', kind: 'person', name: '张伟', userId: 'resident-zhang' },
      { personId: 'p-li', role: 'respondent', kind: 'person', name: '李娜', userId: 'resident-li' },
    ],
    urgency: 'normal',
  });
  t.hasStrict(story.state, {
    status: 'submitted',
    submittedBy: 'building-head-zhao',
    level: 'grid',
    acceptDueAt: beijing('2026-03-04 19:30'),
  });
  t.equal(
    only(story.events, 'CaseSubmitted').data.submittedBy.role,
    'gridWorker',
    'a building head acts as a grid worker',
  );

  story.act(actors.mediator, '2026-03-04 09:00', { type: 'AcceptCase', handlingMode: 'onSite' });
  t.hasStrict(
    story.state,
    { status: 'accepted', resolveDueAt: beijing('2026-03-25 09:00') },
    'normal: 15 working days',
  );
  story.act(actors.mediator, '2026-03-04 09:05', {
    type: 'AssignCase',
    assigneeId: people.partyMemberMediator.id,
  });
  t.equal(story.state.assigneeId, 'mediator-wu', 'the party-member mediator takes it');

  const mediator = people.partyMemberMediator;
  story.act(mediator, '2026-03-04 09:10', {
    type: 'ScheduleMediationSession',
    sessionId: 's-1',
    scheduledAt: beijing('2026-03-04 14:00'),
    place: '3号楼楼道党员议事点',
  });
  story.act(mediator, '2026-03-04 15:30', {
    type: 'RecordMediationSession',
    sessionId: 's-1',
    outcome: 'agreement',
  });
  story.act(mediator, '2026-03-04 15:40', {
    type: 'RecordAgreement',
    agreementId: 'agreement-1',
    terms: '楼上住户三日内修复卫生间防水，并承担楼下天花板修缮费用。',
    signatories: ['张伟', '李娜'],
  });
  t.strictSame(
    story.state.agreements['agreement-1']?.signatories,
    ['张伟', '李娜'],
    'both neighbours signed',
  );
  t.strictSame(story.state.summons, {}, 'no department was needed');

  story.act(mediator, '2026-03-04 16:00', { type: 'ResolveCase', summary: '邻里和解，签订调解协议' });
  t.hasStrict(story.state, { status: 'resolved', feedbackDueAt: beijing('2026-03-13 16:00') });

  t.equal(
    story.refusal(people.stranger, '2026-03-05 10:00', { type: 'GiveFeedback', rating: 'dissatisfied' }),
    'not_a_party',
    'a resident who is no party cannot rate (and so cannot reopen) the case',
  );
  story.act(actors.resident, '2026-03-05 10:00', { type: 'GiveFeedback', rating: 'satisfied' });
  t.equal(story.state.status, 'resolved', 'rated, waiting for the chair to close');
  t.strictSame(story.state.feedback, [{ rating: 'satisfied', via: 'self', at: beijing('2026-03-05 10:00') }]);

  story.act(actors.chair, '2026-03-06 09:00', { type: 'CloseCase' });
  t.hasStrict(story.state, { status: 'closed', level: 'grid', reopenCount: 0 });
});

t.test(
  'story 4: a department that does not come — overdue, escalated to the street, whistled again',
  async (t) => {
    const story = new Story();
    story.act(actors.mediator, '2026-03-02 09:00', {
      type: 'SubmitCase',
      caseId: 'case-lift',
      kind: 'complaint',
      category: 'property',
      title: '电梯停运两周，物业不予维修',
      description: '居民反映小区5号楼电梯停运两周，多次联系物业公司无果。',
      channel: 'walkIn',
      location: { orgUnitId: 'community-sunrise', address: '朝阳小区5号楼' },
      parties: [
        { personId: 'p-zhang', role: 'complainant', kind: 'person', name: '张伟', userId: 'resident-zhang' },
        { personId: 'p-property', role: 'respondent', kind: 'organization', name: '物业公司' },
      ],
      urgency: 'normal',
    });
    t.hasStrict(
      story.state,
      { level: 'community', orgUnitId: 'community-sunrise' },
      'the community handles it first',
    );
    story.act(actors.mediator, '2026-03-02 09:20', { type: 'AcceptCase', handlingMode: 'onSite' });
    story.act(actors.mediator, '2026-03-02 09:30', {
      type: 'WhistleDepartments',
      departmentIds: ['property-co'],
      reason: '电梯停运，需物业公司到场',
    });
    const firstDue = beijing('2026-03-03 09:30');
    t.hasStrict(
      story.summons('property-co'),
      { status: 'pending', round: 1, reportInDueAt: firstDue },
      'normal: 24 h',
    );

    const markOverdue = {
      type: 'MarkSummonsOverdue',
      departmentId: 'property-co',
      clock: 'reportIn',
      dueAt: firstDue,
    } as const;
    const escalateOverdue = {
      type: 'EscalateOnOverdue',
      clock: 'reportIn',
      departmentId: 'property-co',
      dueAt: firstDue,
    } as const;
    t.equal(
      story.refusal(actors.system, '2026-03-03 09:00', markOverdue),
      'clock_not_due',
      'not before the deadline',
    );
    t.equal(
      story.refusal(actors.streetSupervisor, '2026-03-03 09:00', {
        type: 'WhistleDepartments',
        departmentIds: ['property-co'],
        reason: '再次吹哨',
      }),
      'summons_already_open',
      'a department still on time cannot be whistled twice',
    );

    const marked = story.act(actors.system, '2026-03-03 09:31', markOverdue);
    t.strictSame(types(marked), ['SummonsOverdue']);
    t.hasStrict(marked, [
      {
        type: 'SummonsOverdue',
        data: { departmentId: 'property-co', clock: 'reportIn', round: 1, dueAt: firstDue },
      },
    ]);
    t.hasStrict(story.summons('property-co'), {
      status: 'pending',
      overdue: { reportIn: true, respond: false },
    });
    t.equal(story.state.level, 'community', 'marking overdue alone does not move the case');

    const escalated = story.act(actors.system, '2026-03-03 09:31', escalateOverdue);
    t.strictSame(types(escalated), ['CaseEscalated']);
    t.hasStrict(escalated, [
      {
        type: 'CaseEscalated',
        data: {
          fromOrgUnitId: 'community-sunrise',
          toOrgUnitId: 'street-east',
          fromLevel: 'community',
          toLevel: 'street',
          trigger: { clock: 'reportIn', departmentId: 'property-co', dueAt: firstDue },
        },
      },
    ]);
    t.hasStrict(
      story.state,
      { status: 'accepted', level: 'street', orgUnitId: 'street-east' },
      'now the street’s case',
    );

    const retried = [
      ...story.act(actors.system, '2026-03-03 09:36', markOverdue),
      ...story.act(actors.system, '2026-03-03 09:36', escalateOverdue),
    ];
    t.strictSame(retried, [], 'a second deadline instance fires nothing: once per clock');
    t.equal(story.state.level, 'street', 'still the street, not the district');

    const whistleAgain = {
      type: 'WhistleDepartments',
      departmentIds: ['property-co'],
      reason: '街道再次吹哨，限两小时内到场',
      reportInMinutes: 120,
    } as const;
    // Had the company turned up late before the street acted, it would be present: no second whistle.
    const late = story.branch();
    late.act(property, '2026-03-03 09:50', { type: 'ReportIn', departmentId: 'property-co' });
    t.hasStrict(late.summons('property-co'), { status: 'reportedIn', round: 1, overdue: { reportIn: true } });
    t.equal(late.refusal(actors.streetSupervisor, '2026-03-03 10:00', whistleAgain), 'summons_already_open');

    story.act(actors.streetSupervisor, '2026-03-03 10:00', whistleAgain);
    t.hasStrict(story.summons('property-co'), {
      status: 'pending',
      round: 2,
      reportInDueAt: beijing('2026-03-03 12:00'),
      overdue: { reportIn: false, respond: false },
    });
    t.strictSame(
      story.act(actors.system, '2026-03-03 10:05', escalateOverdue),
      [],
      'the first round’s clock no longer runs',
    );

    story.act(property, '2026-03-03 11:15', {
      type: 'ReportIn',
      departmentId: 'property-co',
      note: '物业经理到场',
    });
    t.hasStrict(story.summons('property-co'), {
      status: 'reportedIn',
      round: 2,
      reportedInAt: beijing('2026-03-03 11:15'),
      respondDueAt: beijing('2026-03-12 11:15'),
      overdue: { reportIn: false },
    });
    t.hasStrict(story.state, { level: 'street', orgUnitId: 'street-east' });

    story.act(property, '2026-03-04 16:00', {
      type: 'RespondToSummons',
      departmentId: 'property-co',
      summary: '电梯已修复运行',
    });
    story.act(actors.streetSupervisor, '2026-03-04 17:00', {
      type: 'ResolveCase',
      summary: '街道督办，电梯恢复运行',
    });
    t.hasStrict(story.state, { status: 'resolved', level: 'street' });
  },
);

t.test(
  'story 4, two departments: one missed whistle deadline moves the case up one level, not one per department',
  async (t) => {
    const story = new Story();
    story.act(actors.gridWorker, '2026-03-02 21:00', {
      type: 'SubmitCase',
      caseId: 'case-noise',
      kind: 'complaint',
      category: 'noise',
      title: '夜间施工噪音扰民',
      description: '工地夜间施工，居民无法休息，多次劝阻无效。',
      channel: 'gridPatrol',
      location: { orgUnitId: 'grid-1' },
      parties: [
        { personId: 'p-zhang', role: 'complainant', kind: 'person', name: '张伟', userId: 'resident-zhang' },
      ],
      urgency: 'urgent',
    });
    story.act(actors.chair, '2026-03-02 21:10', { type: 'AcceptCase', handlingMode: 'onSite' });
    story.act(actors.chair, '2026-03-02 21:15', {
      type: 'WhistleDepartments',
      departmentIds: ['police-east', 'property-co'],
      reason: '需派出所和物业到场制止',
    });
    const dueAt = beijing('2026-03-02 23:15');
    t.equal(story.summons('police-east').reportInDueAt, dueAt);
    t.equal(story.summons('property-co').reportInDueAt, dueAt, 'one whistle, one deadline');
    // The deadline process finds both departments absent at the same minute.
    for (const departmentId of ['police-east', 'property-co']) {
      story.act(actors.system, '2026-03-02 23:16', {
        type: 'MarkSummonsOverdue',
        departmentId,
        clock: 'reportIn',
        dueAt,
      });
      story.act(actors.system, '2026-03-02 23:16', {
        type: 'EscalateOnOverdue',
        clock: 'reportIn',
        departmentId,
        dueAt,
      });
    }
    t.hasStrict(
      story.state,
      { level: 'community', orgUnitId: 'community-sunrise' },
      'from the grid to the community',
    );
    t.equal(types(story.events).filter((type) => type === 'CaseEscalated').length, 1, 'escalated once');
  },
);

t.test(
  'story 5: not satisfied — reopened, handled again, rated again; reopening a closed case',
  async (t) => {
    // Submitted by the grid worker Monday 09:00, accepted by the mediator at 09:10 (shared fixture).
    const story = new Story(acceptedCase());
    t.hasStrict(story.state, { status: 'accepted', resolveDueAt: beijing('2026-03-23 09:10') });
    story.act(actors.mediator, '2026-03-04 16:00', {
      type: 'ResolveCase',
      summary: '已督促楼上住户自行维修',
    });
    t.hasStrict(story.state, { status: 'resolved', feedbackDueAt: beijing('2026-03-13 16:00') });

    const dissatisfied = story.act(actors.resident, '2026-03-05 10:00', {
      type: 'GiveFeedback',
      rating: 'dissatisfied',
      comment: '漏水仍未修好',
    });
    t.strictSame(types(dissatisfied), ['FeedbackGiven', 'CaseReopened']);
    t.hasStrict(dissatisfied, [
      { type: 'FeedbackGiven', data: { rating: 'dissatisfied', via: 'self', by: 'resident-zhang' } },
      { type: 'CaseReopened', data: { automatic: true, resolveDueAt: beijing('2026-03-26 10:00') } },
    ]);
    t.hasStrict(
      story.state,
      { status: 'accepted', reopenCount: 1, resolveDueAt: beijing('2026-03-26 10:00') },
      '重办',
    );
    t.notOk('feedbackDueAt' in story.state, 'the old rating clock is gone');
    t.strictSame(
      story.branch().act(actors.system, '2026-03-13 16:01', {
        type: 'CloseWithoutFeedback',
        dueAt: beijing('2026-03-13 16:00'),
      }),
      [],
      'the old rating window does not close the reopened case',
    );

    story.act(actors.mediator, '2026-03-05 11:00', {
      type: 'WhistleDepartments',
      departmentIds: ['property-co'],
      reason: '需物业公司检查防水层',
    });
    story.act(property, '2026-03-05 15:00', { type: 'ReportIn', departmentId: 'property-co' });
    story.act(actors.mediator, '2026-03-05 15:10', {
      type: 'ScheduleMediationSession',
      sessionId: 's-2',
      scheduledAt: beijing('2026-03-06 14:00'),
      place: '社区调解室',
    });
    story.act(actors.mediator, '2026-03-06 16:00', {
      type: 'RecordMediationSession',
      sessionId: 's-2',
      outcome: 'agreement',
    });
    story.act(actors.mediator, '2026-03-06 16:10', {
      type: 'RecordAgreement',
      agreementId: 'agreement-2',
      terms: '物业公司更换防水层，楼上住户承担材料费。',
      signatories: ['张伟', '李娜', '物业公司'],
    });
    story.act(property, '2026-03-09 17:00', {
      type: 'RespondToSummons',
      departmentId: 'property-co',
      summary: '已更换防水层',
    });
    story.act(actors.mediator, '2026-03-10 10:00', {
      type: 'ResolveCase',
      summary: '防水层已更换，漏水停止',
    });
    t.hasStrict(story.state, { status: 'resolved', feedbackDueAt: beijing('2026-03-19 10:00') });

    const again = story.act(actors.resident, '2026-03-11 09:00', {
      type: 'GiveFeedback',
      rating: 'basicallySatisfied',
    });
    t.strictSame(types(again), ['FeedbackGiven'], 'basically satisfied does not reopen');
    t.equal(story.state.status, 'resolved');
    t.strictSame(
      story.state.feedback.map((given) => given.rating),
      ['dissatisfied', 'basicallySatisfied'],
      'both ratings stay on the case',
    );
    t.equal(
      story.refusal(actors.resident, '2026-03-11 09:30', { type: 'GiveFeedback', rating: 'dissatisfied' }),
      'feedback_already_given',
      'one rating per resolution',
    );

    story.act(actors.chair, '2026-03-12 09:00', { type: 'CloseCase', reason: '回访基本满意' });
    t.hasStrict(story.state, { status: 'closed', reopenCount: 1 });

    const reopen = { type: 'ReopenCase', reason: '复查发现楼下仍有渗水' } as const;
    const within = story.branch();
    within.act(actors.chair, '2026-04-10 09:00', reopen);
    t.hasStrict(
      within.state,
      {
        status: 'accepted',
        reopenCount: 2,
        // 15 working days, skipping the May Day holiday (1, 4, 5 May 2026).
        resolveDueAt: beijing('2026-05-06 09:00'),
      },
      'the chair reopens 29 days after closing',
    );
    t.hasStrict(only(within.events.slice(-1), 'CaseReopened').data, { automatic: false });

    t.equal(
      story.refusal(actors.chair, '2026-04-13 09:00', reopen),
      'reopen_window_passed',
      '32 days later: too late',
    );
    t.equal(story.state.status, 'closed', 'the refused reopen changed nothing');
  },
);
