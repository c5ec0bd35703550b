// API specs for every command route of DESIGN.md §8, walked through a case's lifecycle: given the
// streams so far, when a request arrives, then its status, its answer and the events appended to the log.
import type { LightMyRequestResponse } from 'fastify';
import t, { type Test } from 'tap';
import type { Actor } from '../../src/commands/actor.js';
import { readStreamToArray, type StoredEvent } from '../../src/events/event-store.js';
import { COMMANDS } from '../../src/http/command-table.js';
import { actors, liaison } from '../support/case-fixtures.js';
import { type HttpHarness, httpHarness } from '../support/http-fixtures.js';

type Body = Record<string, unknown>;

/** A mediator of another community: every case of Sunrise is out of their scope. */
const outsider: Actor = { id: 'mediator-river', role: 'mediator', scope: 'community-river' };
const police = liaison('police-east');
const heating = liaison('heating-co');
const court = liaison('court-1');

const intakeBody = (title = '楼上漏水纠纷'): Body => ({
  kind: 'dispute',
  category: 'neighbour',
  title,
  description: '楼上住户装修后卫生间漏水，楼下天花板受损，双方协商未果。',
  channel: 'buildingHead',
  location: { orgUnitId: 'grid-1', address: '朝阳小区3号楼2单元' },
  parties: [
    { role: 'complainant', kind: 'person', name: '张伟', phone: '13812345678', userId: 'resident-zhang' },
    { role: 'respondent', kind: 'person', name: '李娜' },
  ],
  urgency: 'normal',
});

/** The cases of the walk, and the ids their answers hand out. */
interface World {
  a: string; // the case whose lifecycle is walked
  b: string; // rejected early: a closed case for rules to trip on
  c: string; // accepted with an open summons, withdrawn at the end
  d: string; // a duplicate of a, merged into it
  sessionId: string;
  agreementId: string;
}

interface Request {
  readonly method: 'POST' | 'DELETE';
  readonly url: string;
  /** The case whose stream the request writes to; unknown before an intake answers. */
  readonly caseId?: string;
  readonly payload?: Body;
}

interface Expected {
  readonly type: string;
  readonly data?: object;
}

interface Step {
  /** The operationId of the route: 'submitCase' or a name in COMMANDS. */
  readonly route: string;
  readonly title: string;
  readonly actor: Actor;
  readonly request: (w: World) => Request;
  readonly status: 200 | 201;
  /** Ids the answer adds to { caseId, revision, position }. */
  readonly adds?: readonly string[];
  /** The events appended to the request's case, given the answer. */
  readonly events: (w: World, answer: Record<string, unknown>) => readonly Expected[];
  /** Events the command appends to other cases. */
  readonly elsewhere?: (w: World) => ReadonlyArray<{ caseId: string } & Expected>;
  /** Breaks the schema; `field` is what errors[].field must name. */
  readonly invalid: { readonly request: (w: World) => Request; readonly field: string };
  /** The same idempotency key with another (valid) request. */
  readonly variant: (w: World) => Request;
  /** A rule of the case broken, run after the step succeeded (the walk's state then). */
  readonly conflict?: {
    readonly actor?: Actor;
    readonly request: (w: World) => Request;
    readonly code: string;
  };
  /** A role that may see the case but not do this: 403. */
  readonly forbidden?: Actor;
  /** Keeps what the answer hands out for later steps. */
  readonly keep?: (w: World, answer: Record<string, unknown>) => void;
}

const on = (caseId: string, path: string, payload?: Body, method: 'POST' | 'DELETE' = 'POST'): Request => ({
  method,
  url: `/api/v1/cases/${caseId}${path}`,
  caseId,
  ...(payload ? { payload } : {}),
});
const intake = (payload: Body): Request => ({ method: 'POST', url: '/api/v1/cases', payload });
const without = (body: Body, key: string): Body =>
  Object.fromEntries(Object.entries(body).filter(([k]) => k !== key));

const STEPS: readonly Step[] = [
  {
    route: 'submitCase',
    title: 'a grid worker registers a case',
    actor: actors.gridWorker,
    request: () => intake(intakeBody()),
    status: 201,
    adds: ['parties'],
    events: () => [
      {
        type: 'CaseSubmitted',
        data: {
          title: '楼上漏水纠纷',
          level: 'grid',
          location: { orgUnitId: 'grid-1' },
          submittedBy: { id: 'grid-wang' },
        },
      },
    ],
    invalid: { request: () => intake(without(intakeBody(), 'title')), field: 'body.title' },
    variant: () => intake(intakeBody('另一件事')),
    forbidden: actors.auditor,
    keep: (w, answer) => {
      w.a = String(answer.caseId);
    },
  },
  {
    route: 'rejectCase',
    title: 'the mediator rejects another case, referring it elsewhere',
    actor: actors.mediator,
    request: (w) => on(w.b, '/reject', { reason: '属物业管理范围', referredTo: '物业公司' }),
    status: 200,
    events: () => [{ type: 'CaseRejected', data: { reason: '属物业管理范围', referredTo: '物业公司' } }],
    invalid: { request: (w) => on(w.b, '/reject', { reason: '' }), field: 'body.reason' },
    variant: (w) => on(w.b, '/reject', { reason: '重复登记' }),
    conflict: { request: (w) => on(w.b, '/reject', { reason: '再次驳回' }), code: 'case_not_submitted' },
    forbidden: actors.gridWorker,
  },
  {
    route: 'escalate',
    title: 'the grid worker escalates the case to the community',
    actor: actors.gridWorker,
    request: (w) => on(w.a, '/escalate', { reason: '网格内无法调处' }),
    status: 200,
    events: () => [
      {
        type: 'CaseEscalated',
        data: {
          fromOrgUnitId: 'grid-1',
          toOrgUnitId: 'community-sunrise',
          fromLevel: 'grid',
          toLevel: 'community',
        },
      },
    ],
    invalid: { request: (w) => on(w.a, '/escalate', { reason: '上报', urgent: true }), field: 'body.urgent' },
    variant: (w) => on(w.a, '/escalate', { reason: '另有原因' }),
    conflict: { request: (w) => on(w.b, '/escalate', { reason: '上报' }), code: 'case_closed' },
    forbidden: actors.resident,
  },
  {
    route: 'acceptCase',
    title: 'the mediator accepts the case on site',
    actor: actors.mediator,
    request: (w) => on(w.a, '/accept', { handlingMode: 'onSite', note: '现场调处' }),
    status: 200,
    events: () => [
      { type: 'CaseAccepted', data: { handlingMode: 'onSite', note: '现场调处', complex: false } },
    ],
    invalid: { request: (w) => on(w.a, '/accept', { handlingMode: 'teleport' }), field: 'body.handlingMode' },
    variant: (w) => on(w.a, '/accept', { handlingMode: 'online' }),
    conflict: { request: (w) => on(w.a, '/accept', { handlingMode: 'onSite' }), code: 'case_not_submitted' },
    forbidden: actors.gridWorker,
  },
  {
    route: 'assignCase',
    title: 'the mediator assigns the case to herself',
    actor: actors.mediator,
    request: (w) => on(w.a, '/assign', { assigneeId: 'mediator-liu' }),
    status: 200,
    events: () => [{ type: 'CaseAssigned', data: { assigneeId: 'mediator-liu' } }],
    invalid: { request: (w) => on(w.a, '/assign', { assigneeId: 'two words' }), field: 'body.assigneeId' },
    variant: (w) => on(w.a, '/assign', { assigneeId: 'chair-chen' }),
    conflict: {
      request: (w) => on(w.a, '/assign', { assigneeId: 'mediator-liu' }),
      code: 'already_assigned',
    },
    forbidden: actors.gridWorker,
  },
  {
    route: 'whistle',
    title: 'the mediator whistles the police, the heating company and the court',
    actor: actors.mediator,
    request: (w) =>
      on(w.a, '/whistle', {
        departmentIds: ['police-east', 'heating-co', 'court-1'],
        reason: '漏水引发冲突',
      }),
    status: 200,
    events: () => [
      {
        type: 'DepartmentsSummoned',
        data: {
          reason: '漏水引发冲突',
          summons: [
            { departmentId: 'police-east', departmentKind: 'police', round: 1 },
            { departmentId: 'heating-co', departmentKind: 'utility', round: 1 },
            { departmentId: 'court-1', departmentKind: 'court', round: 1 },
          ],
        },
      },
    ],
    invalid: {
      request: (w) => on(w.a, '/whistle', { departmentIds: [], reason: '吹哨' }),
      field: 'body.departmentIds',
    },
    variant: (w) => on(w.a, '/whistle', { departmentIds: ['police-east'], reason: '吹哨' }),
    conflict: {
      request: (w) => on(w.a, '/whistle', { departmentIds: ['police-east'], reason: '再次吹哨' }),
      code: 'summons_already_open',
    },
    forbidden: actors.gridWorker,
  },
  {
    route: 'reportIn',
    title: "the police station's liaison reports in",
    actor: police,
    request: (w) => on(w.a, '/summons/police-east/report-in', { note: '民警已到场' }),
    status: 200,
    events: () => [
      {
        type: 'DepartmentReportedIn',
        data: { departmentId: 'police-east', by: police.id, note: '民警已到场' },
      },
    ],
    invalid: { request: (w) => on(w.a, '/summons/police-east/report-in', { note: 42 }), field: 'body.note' },
    variant: (w) => on(w.a, '/summons/police-east/report-in', { note: '另一条' }),
    conflict: {
      actor: heating,
      request: (w) => on(w.a, '/summons/police-east/report-in', { note: '代为报到' }),
      code: 'wrong_department',
    },
    forbidden: actors.mediator,
  },
  {
    route: 'respond',
    title: 'the police station responds',
    actor: police,
    request: (w) => on(w.a, '/summons/police-east/respond', { summary: '已平息冲突' }),
    status: 200,
    events: () => [
      { type: 'DepartmentResponded', data: { departmentId: 'police-east', summary: '已平息冲突' } },
    ],
    invalid: { request: (w) => on(w.a, '/summons/police-east/respond', {}), field: 'body.summary' },
    variant: (w) => on(w.a, '/summons/police-east/respond', { summary: '另一份反馈' }),
    conflict: {
      actor: heating,
      request: (w) => on(w.a, '/summons/heating-co/respond', { summary: '尚未到场就反馈' }),
      code: 'not_reported_in',
    },
    forbidden: actors.mediator,
  },
  {
    route: 'decline',
    title: 'the heating company declines: not its pipes',
    actor: heating,
    request: (w) => on(w.a, '/summons/heating-co/decline', { reason: '非供热管道问题' }),
    status: 200,
    events: () => [{ type: 'SummonsDeclined', data: { departmentId: 'heating-co', by: heating.id } }],
    invalid: {
      request: (w) => on(w.a, '/summons/heating-co/decline', { reason: '   ' }),
      field: 'body.reason',
    },
    variant: (w) => on(w.a, '/summons/heating-co/decline', { reason: '另一理由' }),
    conflict: {
      actor: police,
      request: (w) => on(w.a, '/summons/police-east/decline', { reason: '已反馈后再拒绝' }),
      code: 'summons_closed',
    },
    forbidden: actors.mediator,
  },
  {
    route: 'releaseSummons',
    title: 'the mediator releases the court',
    actor: actors.mediator,
    request: (w) => on(w.a, '/summons/court-1/release', { reason: '暂不需要法院' }),
    status: 200,
    events: () => [{ type: 'SummonsReleased', data: { departmentId: 'court-1', reason: '暂不需要法院' } }],
    invalid: {
      request: (w) => on(w.a, '/summons/court-1/release', { reason: 'x'.repeat(2001) }),
      field: 'body.reason',
    },
    variant: (w) => on(w.a, '/summons/court-1/release', { reason: '另一理由' }),
    conflict: {
      request: (w) => on(w.a, '/summons/police-east/release', { reason: '已反馈' }),
      code: 'summons_closed',
    },
    forbidden: police,
  },
  {
    route: 'joinParticipant',
    title: 'a lawyer joins the mediation',
    actor: actors.mediator,
    request: (w) => on(w.a, '/participants', { userId: 'lawyer-wu', role: 'lawyer' }),
    status: 200,
    events: () => [{ type: 'ParticipantJoined', data: { userId: 'lawyer-wu', role: 'lawyer' } }],
    invalid: {
      request: (w) => on(w.a, '/participants', { userId: 'lawyer-wu', role: 'judge' }),
      field: 'body.role',
    },
    variant: (w) => on(w.a, '/participants', { userId: 'lawyer-wu', role: 'observer' }),
    conflict: {
      request: (w) => on(w.a, '/participants', { userId: 'lawyer-wu', role: 'lawyer' }),
      code: 'participant_exists',
    },
    forbidden: actors.gridWorker,
  },
  {
    route: 'leaveParticipant',
    title: 'the lawyer leaves',
    actor: actors.mediator,
    request: (w) => on(w.a, '/participants/lawyer-wu', undefined, 'DELETE'),
    status: 200,
    events: () => [{ type: 'ParticipantLeft', data: { userId: 'lawyer-wu' } }],
    invalid: {
      request: (w) => on(w.a, '/participants/lawyer%20wu', undefined, 'DELETE'),
      field: 'params.userId',
    },
    variant: (w) => on(w.a, '/participants/lawyer-zhou', undefined, 'DELETE'),
    conflict: {
      request: (w) => on(w.a, '/participants/lawyer-wu', undefined, 'DELETE'),
      code: 'participant_not_found',
    },
    forbidden: actors.gridWorker,
  },
  {
    route: 'scheduleSession',
    title: 'the mediator schedules a joint mediation session',
    actor: actors.mediator,
    request: (w) =>
      on(w.a, '/mediation-sessions', { scheduledAt: '2026-03-04T01:00:00.000Z', place: '社区调解室' }),
    status: 201,
    adds: ['sessionId'],
    events: (_w, answer) => [
      {
        type: 'MediationSessionScheduled',
        data: { sessionId: answer.sessionId, scheduledAt: '2026-03-04T01:00:00.000Z', place: '社区调解室' },
      },
    ],
    invalid: {
      request: (w) => on(w.a, '/mediation-sessions', { scheduledAt: 'tomorrow', place: '社区调解室' }),
      field: 'body.scheduledAt',
    },
    variant: (w) =>
      on(w.a, '/mediation-sessions', { scheduledAt: '2026-03-05T01:00:00.000Z', place: '社区调解室' }),
    conflict: {
      request: (w) =>
        on(w.b, '/mediation-sessions', { scheduledAt: '2026-03-04T01:00:00.000Z', place: '调解室' }),
      code: 'case_not_accepted',
    },
    forbidden: actors.gridWorker,
    keep: (w, answer) => {
      w.sessionId = String(answer.sessionId);
    },
  },
  {
    route: 'recordSession',
    title: 'the session reaches an agreement',
    actor: actors.mediator,
    request: (w) =>
      on(w.a, `/mediation-sessions/${w.sessionId}/record`, { outcome: 'agreement', notes: '双方同意' }),
    status: 200,
    events: (w) => [
      {
        type: 'MediationSessionRecorded',
        data: { sessionId: w.sessionId, outcome: 'agreement', notes: '双方同意' },
      },
    ],
    invalid: {
      request: (w) => on(w.a, `/mediation-sessions/${w.sessionId}/record`, { outcome: 'won' }),
      field: 'body.outcome',
    },
    variant: (w) => on(w.a, `/mediation-sessions/${w.sessionId}/record`, { outcome: 'adjourned' }),
    conflict: {
      request: (w) => on(w.a, `/mediation-sessions/${w.sessionId}/record`, { outcome: 'noAgreement' }),
      code: 'session_already_recorded',
    },
    forbidden: actors.gridWorker,
  },
  {
    route: 'recordAgreement',
    title: 'the mediator records the agreement',
    actor: actors.mediator,
    request: (w) =>
      on(w.a, '/agreements', { terms: '楼上住户赔偿修复费用3000元', signatories: ['张伟', '李娜'] }),
    status: 201,
    adds: ['agreementId'],
    events: (_w, answer) => [
      { type: 'AgreementRecorded', data: { agreementId: answer.agreementId, signatories: ['张伟', '李娜'] } },
    ],
    invalid: {
      request: (w) => on(w.a, '/agreements', { terms: '赔偿', signatories: [] }),
      field: 'body.signatories',
    },
    variant: (w) => on(w.a, '/agreements', { terms: '赔偿5000元', signatories: ['张伟'] }),
    conflict: {
      request: (w) => on(w.b, '/agreements', { terms: '赔偿', signatories: ['张伟'] }),
      code: 'case_not_accepted',
    },
    forbidden: actors.gridWorker,
    keep: (w, answer) => {
      w.agreementId = String(answer.agreementId);
    },
  },
  {
    route: 'requestJudicialConfirmation',
    title: 'the mediator asks the court to confirm the agreement',
    actor: actors.mediator,
    request: (w) => on(w.a, `/agreements/${w.agreementId}/judicial-confirmation`, { courtId: 'court-1' }),
    status: 200,
    events: (w) => [
      { type: 'JudicialConfirmationRequested', data: { agreementId: w.agreementId, courtId: 'court-1' } },
    ],
    invalid: {
      request: (w) => on(w.a, `/agreements/${w.agreementId}/judicial-confirmation`, {}),
      field: 'body.courtId',
    },
    variant: (w) => on(w.a, `/agreements/${w.agreementId}/judicial-confirmation`, { courtId: 'police-east' }),
    conflict: {
      request: (w) =>
        on(w.a, `/agreements/${w.agreementId}/judicial-confirmation`, { courtId: 'police-east' }),
      code: 'not_a_court',
    },
    forbidden: actors.gridWorker,
  },
  {
    route: 'decideJudicialConfirmation',
    title: "the court's liaison grants the confirmation",
    actor: court,
    request: (w) =>
      on(w.a, `/agreements/${w.agreementId}/judicial-confirmation/decision`, {
        granted: true,
        note: '依法确认有效',
      }),
    status: 200,
    events: (w) => [
      {
        type: 'JudicialConfirmationDecided',
        data: { agreementId: w.agreementId, courtId: 'court-1', granted: true, by: court.id },
      },
    ],
    invalid: {
      request: (w) =>
        on(w.a, `/agreements/${w.agreementId}/judicial-confirmation/decision`, { granted: 'yes' }),
      field: 'body.granted',
    },
    variant: (w) =>
      on(w.a, `/agreements/${w.agreementId}/judicial-confirmation/decision`, { granted: false }),
    conflict: {
      actor: police,
      request: (w) =>
        on(w.a, `/agreements/${w.agreementId}/judicial-confirmation/decision`, { granted: true }),
      code: 'wrong_court',
    },
    forbidden: actors.chair,
  },
  {
    route: 'mergeCase',
    title: 'the chair merges the duplicate into the case',
    actor: actors.chair,
    request: (w) => on(w.d, '/merge', { intoCaseId: w.a }),
    status: 200,
    events: (w) => [{ type: 'CaseMerged', data: { intoCaseId: w.a } }],
    elsewhere: (w) => [{ caseId: w.a, type: 'DuplicateCaseMerged', data: { duplicateCaseId: w.d } }],
    invalid: { request: (w) => on(w.d, '/merge', { intoCaseId: '../etc' }), field: 'body.intoCaseId' },
    variant: (w) => on(w.d, '/merge', { intoCaseId: w.c }),
    conflict: { request: (w) => on(w.c, '/merge', { intoCaseId: w.b }), code: 'merge_target_closed' },
    forbidden: actors.mediator,
  },
  {
    route: 'addNote',
    title: 'the grid worker adds a note',
    actor: actors.gridWorker,
    request: (w) => on(w.a, '/notes', { text: '已上门走访，双方情绪平稳。' }),
    status: 201,
    adds: ['noteId'],
    events: (_w, answer) => [
      { type: 'NoteAdded', data: { noteId: answer.noteId, text: '已上门走访，双方情绪平稳。' } },
    ],
    invalid: { request: (w) => on(w.a, '/notes', { text: 'x'.repeat(10_001) }), field: 'body.text' },
    variant: (w) => on(w.a, '/notes', { text: '另一条记录' }),
    conflict: { request: (w) => on(w.d, '/notes', { text: '合并后的记录' }), code: 'case_closed' },
    forbidden: actors.auditor,
  },
  {
    route: 'addAttachment',
    title: 'the grid worker attaches a photo of the ceiling',
    actor: actors.gridWorker,
    request: (w) =>
      on(w.a, '/attachments', {
        name: '天花板.jpg',
        contentType: 'image/jpeg',
        sha256: 'ab'.repeat(32),
        size: 123_456,
      }),
    status: 201,
    adds: ['attachmentId'],
    events: (_w, answer) => [
      {
        type: 'AttachmentAdded',
        data: {
          attachmentId: answer.attachmentId,
          name: '天花板.jpg',
          sha256: 'ab'.repeat(32),
          size: 123_456,
        },
      },
    ],
    invalid: {
      request: (w) =>
        on(w.a, '/attachments', {
          name: 'a.jpg',
          contentType: 'image/jpeg',
          sha256: 'AB'.repeat(32),
          size: 1,
        }),
      field: 'body.sha256',
    },
    variant: (w) =>
      on(w.a, '/attachments', {
        name: '另一张.jpg',
        contentType: 'image/jpeg',
        sha256: 'cd'.repeat(32),
        size: 1,
      }),
    conflict: {
      request: (w) =>
        on(w.d, '/attachments', {
          name: 'a.jpg',
          contentType: 'image/jpeg',
          sha256: 'ab'.repeat(32),
          size: 1,
        }),
      code: 'case_closed',
    },
    forbidden: actors.resident,
  },
  {
    route: 'resolveCase',
    title: 'the mediator resolves the case (every summons answered or released)',
    actor: actors.mediator,
    request: (w) => on(w.a, '/resolve', { summary: '达成调解协议并经司法确认' }),
    status: 200,
    events: () => [{ type: 'CaseResolved', data: { summary: '达成调解协议并经司法确认' } }],
    invalid: { request: (w) => on(w.a, '/resolve', { summary: 5 }), field: 'body.summary' },
    variant: (w) => on(w.a, '/resolve', { summary: '另一份总结' }),
    // Case c still waits for the police: 事不完、人不撤.
    conflict: { request: (w) => on(w.c, '/resolve', { summary: '办结' }), code: 'open_summons' },
    forbidden: actors.gridWorker,
  },
  {
    route: 'giveFeedback',
    title: 'the resident rates it dissatisfied, which reopens it (重办)',
    actor: actors.resident,
    request: (w) => on(w.a, '/feedback', { rating: 'dissatisfied', comment: '赔偿未到位' }),
    status: 200,
    events: () => [
      { type: 'FeedbackGiven', data: { rating: 'dissatisfied', via: 'self', by: 'resident-zhang' } },
      { type: 'CaseReopened', data: { automatic: true } },
    ],
    invalid: { request: (w) => on(w.a, '/feedback', { rating: 'meh' }), field: 'body.rating' },
    variant: (w) => on(w.a, '/feedback', { rating: 'satisfied' }),
    conflict: { request: (w) => on(w.a, '/feedback', { rating: 'satisfied' }), code: 'case_not_resolved' },
    forbidden: police,
  },
  {
    route: 'resolveCase',
    title: 'the mediator resolves it again',
    actor: actors.mediator,
    request: (w) => on(w.a, '/resolve', { summary: '赔偿已到位' }),
    status: 200,
    events: () => [{ type: 'CaseResolved', data: { summary: '赔偿已到位' } }],
    invalid: { request: (w) => on(w.a, '/resolve', { summary: '' }), field: 'body.summary' },
    variant: (w) => on(w.a, '/resolve', { summary: '另一份总结' }),
    conflict: { request: (w) => on(w.a, '/resolve', { summary: '又一次办结' }), code: 'case_not_accepted' },
  },
  {
    route: 'closeCase',
    title: 'the chair closes the case',
    actor: actors.chair,
    request: (w) => on(w.a, '/close', { reason: '回访后结案' }),
    status: 200,
    events: () => [{ type: 'CaseClosed', data: { reason: '回访后结案', noFeedback: false } }],
    invalid: { request: (w) => on(w.a, '/close', { reason: '结案', by: 'chair' }), field: 'body.by' },
    variant: (w) => on(w.a, '/close', {}),
    conflict: { request: (w) => on(w.a, '/close', { reason: '再次结案' }), code: 'case_not_resolved' },
    forbidden: actors.mediator,
  },
  {
    route: 'reopenCase',
    title: 'the chair reopens it within 30 days',
    actor: actors.chair,
    request: (w) => on(w.a, '/reopen', { reason: '漏水复发' }),
    status: 200,
    events: () => [{ type: 'CaseReopened', data: { reason: '漏水复发', automatic: false } }],
    invalid: { request: (w) => on(w.a, '/reopen', {}), field: 'body.reason' },
    variant: (w) => on(w.a, '/reopen', { reason: '另一原因' }),
    conflict: { request: (w) => on(w.a, '/reopen', { reason: '再次重办' }), code: 'invalid_status' },
    forbidden: actors.mediator,
  },
  {
    route: 'withdrawCase',
    title: 'the resident withdraws the other case',
    actor: actors.resident,
    request: (w) => on(w.c, '/withdraw', { reason: '双方已私下和解' }),
    status: 200,
    events: () => [{ type: 'CaseWithdrawn', data: { reason: '双方已私下和解', by: 'resident-zhang' } }],
    invalid: { request: (w) => on(w.c, '/withdraw', { reason: ['和解'] }), field: 'body.reason' },
    variant: (w) => on(w.c, '/withdraw', { reason: '另一原因' }),
    conflict: {
      actor: actors.mediator,
      request: (w) => on(w.c, '/withdraw', { reason: '撤回' }),
      code: 'case_closed',
    },
    forbidden: police,
  },
];

interface Sent {
  readonly res: LightMyRequestResponse;
  readonly appended: number;
}

/** Sends a request and counts what it appended to the whole log. */
async function send(
  h: HttpHarness,
  actor: Actor | undefined,
  request: Request,
  headers: Record<string, string> = {},
): Promise<Sent> {
  const before = (await h.service.store.headPosition()) ?? 0;
  const { method, url, payload } = request;
  const res = await h.as(actor, { method, url, headers, ...(payload ? { payload } : {}) });
  const after = (await h.service.store.headPosition()) ?? 0;
  return { res, appended: after - before };
}

/** A refusal: problem+json with its status and stable code, and nothing in the log. */
function refused(t: Test, sent: Sent, status: number, code: string, label: string): Record<string, unknown> {
  const { res, appended } = sent;
  t.equal(res.statusCode, status, `${label}: ${status} (${res.body.slice(0, 300)})`);
  t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', `${label}: problem+json`);
  const body = res.json() as Record<string, unknown>;
  t.equal(body.code, code, `${label}: code ${code}`);
  t.equal(body.status, status, `${label}: the status in the body too`);
  t.equal(appended, 0, `${label}: nothing appended`);
  return body;
}

const streamOf = (h: HttpHarness, caseId: string): Promise<StoredEvent[]> =>
  readStreamToArray(h.service.store, `case-${caseId}`);

async function revisionOf(h: HttpHarness, caseId: string | undefined): Promise<number> {
  return caseId === undefined ? -1 : (await streamOf(h, caseId)).length - 1;
}

async function post(
  h: HttpHarness,
  actor: Actor,
  url: string,
  payload: Body,
): Promise<Record<string, unknown>> {
  const res = await h.as(actor, { method: 'POST', url, payload });
  if (res.statusCode >= 300) throw new Error(`given ${url}: ${res.statusCode} ${res.body}`);
  return res.json() as Record<string, unknown>;
}

/** The streams before the walk: three more cases in grid-1; c accepted and waiting for the police. */
async function given(h: HttpHarness): Promise<World> {
  const submit = async () => String((await post(h, actors.gridWorker, '/api/v1/cases', intakeBody())).caseId);
  const w: World = {
    a: '',
    b: await submit(),
    c: await submit(),
    d: await submit(),
    sessionId: '',
    agreementId: '',
  };
  await post(h, actors.mediator, `/api/v1/cases/${w.c}/accept`, { handlingMode: 'immediate' });
  await post(h, actors.mediator, `/api/v1/cases/${w.c}/whistle`, {
    departmentIds: ['police-east'],
    reason: '需到场',
  });
  return w;
}

async function walkStep(t: Test, h: HttpHarness, w: World, step: Step, index: number): Promise<void> {
  const request = step.request(w);
  const revision = await revisionOf(h, request.caseId);

  refused(t, await send(h, undefined, request), 401, 'unauthorized', 'no token');
  const outOfScope = step.route === 'submitCase' ? 'org_unit_not_found' : 'case_not_found';
  refused(t, await send(h, outsider, request), 404, outOfScope, 'a mediator of another community');
  if (step.forbidden)
    refused(t, await send(h, step.forbidden, request), 403, 'forbidden', `a ${step.forbidden.role}`);

  const invalid = refused(
    t,
    await send(h, step.actor, step.invalid.request(w)),
    400,
    'validation_failed',
    'bad body',
  );
  const fields = (invalid.errors as Array<{ field: string }> | undefined)?.map((e) => e.field) ?? [];
  t.ok(fields.includes(step.invalid.field), `errors name ${step.invalid.field}: ${fields.join(', ')}`);

  // A revision the case is not at: the one before, or for a new or fresh case the one after.
  const stale = { 'if-match': `"${revision > 0 ? revision - 1 : revision + 1}"` };
  const mismatch = refused(
    t,
    await send(h, step.actor, request, stale),
    412,
    'revision_mismatch',
    'a stale If-Match',
  );
  if (revision >= 0) t.equal(mismatch.currentRevision, revision, 'the 412 names the revision the case is at');
  const longKey = { 'idempotency-key': 'k'.repeat(256) };
  refused(t, await send(h, step.actor, request, longKey), 400, 'validation_failed', 'a 256-character key');

  // When: the request, retry-safe and conditional on the revision the caller saw.
  const key = `walk-${index}-${step.route}`;
  const headers = {
    'idempotency-key': key,
    ...(request.caseId === undefined ? {} : { 'if-match': `"${revision}"` }),
  };
  const sent = await send(h, step.actor, request, headers);
  t.equal(sent.res.statusCode, step.status, `${step.status} (${sent.res.body.slice(0, 300)})`);
  const answer = sent.res.json() as Record<string, unknown>;
  step.keep?.(w, answer);
  const caseId = String(answer.caseId);
  t.equal(caseId, request.caseId ?? caseId, 'the answer names the case');

  // Then: the events appended to the case, and the answer points at the last of them.
  const stream = await streamOf(h, caseId);
  const appended = stream.slice(revision + 1);
  const expected = step.events(w, answer);
  t.same(
    appended.map((e) => e.type),
    expected.map((e) => e.type),
    'the events appended',
  );
  t.match(appended, expected, 'with their data');
  for (const event of appended) {
    t.match(event.metadata, { actor: { id: step.actor.id, role: step.actor.role } }, `${event.type}: who`);
  }
  const elsewhere = step.elsewhere?.(w) ?? [];
  for (const other of elsewhere) {
    t.match(
      (await streamOf(h, other.caseId)).at(-1),
      { type: other.type, data: other.data ?? {} },
      other.type,
    );
  }
  t.equal(sent.appended, expected.length + elsewhere.length, 'nothing else appended');
  const last = stream.at(-1);
  t.same(
    Object.keys(answer).sort(),
    ['caseId', 'revision', 'position', ...(step.adds ?? [])].sort(),
    'the answer has { caseId, revision, position } and its ids',
  );
  t.match(answer, { revision: last?.revision, position: last?.position });
  for (const id of step.adds ?? []) t.ok(answer[id], `the answer adds ${id}`);
  t.equal(sent.res.headers.etag, `"${last?.revision}"`, 'ETag is the revision');

  // A retry with the same key — now with a stale If-Match — gets the first answer and appends nothing.
  const retry = await send(h, step.actor, request, headers);
  t.equal(retry.res.statusCode, step.status, 'the retry: same status');
  t.same(retry.res.json(), answer, 'the retry: same answer');
  t.equal(retry.res.headers.etag, sent.res.headers.etag, 'the retry: same ETag');
  t.equal(retry.appended, 0, 'the retry appends nothing');
  const reused = await send(h, step.actor, step.variant(w), { 'idempotency-key': key });
  refused(t, reused, 409, 'idempotency_key_reused', 'the same key for another request');

  if (step.conflict) {
    const { actor = step.actor, request: broken, code } = step.conflict;
    refused(t, await send(h, actor, broken(w)), 409, code, 'a broken rule');
  }
}

t.test('every command route, walked through a case lifecycle', async (t) => {
  const h = await httpHarness(t);
  const w = await given(h);
  const routes = new Set(STEPS.map((step) => step.route));
  t.same(
    ['submitCase', ...COMMANDS.map((entry) => entry.name)].filter((name) => !routes.has(name)),
    [],
    'the walk covers every route of the command table',
  );
  for (const entry of COMMANDS) {
    const steps = STEPS.filter((step) => step.route === entry.name);
    t.ok(
      steps.every((step) => step.status === (entry.created ? 201 : 200)),
      `${entry.name}: ${entry.created ? 201 : 200}`,
    );
  }
  for (const [index, step] of STEPS.entries()) {
    await t.test(`${step.route}: ${step.title}`, (t) => walkStep(t, h, w, step, index));
  }
  const final = await h.as(actors.chair, { url: `/api/v1/cases/${w.a}` });
  t.match(final.json(), { status: 'accepted', mergedFrom: [w.d] }, 'the case read back after the walk');
});

t.test('two people with the same Idempotency-Key issue two commands', async (t) => {
  const h = await httpHarness(t);
  const otherWorker: Actor = { ...actors.gridWorker, id: 'grid-zhou' };
  const headers = { 'idempotency-key': 'monday-morning-1' };
  const first = await send(h, actors.gridWorker, intake(intakeBody()), headers);
  const second = await send(h, otherWorker, intake(intakeBody()), headers);
  t.equal(first.res.statusCode, 201);
  t.equal(second.res.statusCode, 201);
  t.not(first.res.json().caseId, second.res.json().caseId, 'two cases');
  t.equal(first.appended + second.appended, 2, 'two CaseSubmitted');
  const caseId = String(first.res.json().caseId);
  const note = on(caseId, '/notes', { text: '同一个键' });
  const byMediator = await send(h, actors.mediator, note, headers);
  const byChair = await send(h, actors.chair, note, headers);
  t.match([byMediator.res.statusCode, byChair.res.statusCode], [201, 201]);
  t.not(byMediator.res.json().noteId, byChair.res.json().noteId, 'two notes');
  t.same(
    (await streamOf(h, caseId)).map((e) => e.type),
    ['CaseSubmitted', 'NoteAdded', 'NoteAdded'],
  );
});

t.test('merging into a case outside your scope is refused, and neither case changes', async (t) => {
  const h = await httpHarness(t);
  const riverChair: Actor = { id: 'chair-river', role: 'chair', scope: 'community-river' };
  const duplicate = String((await post(h, actors.gridWorker, '/api/v1/cases', intakeBody())).caseId);
  const river = String(
    (
      await post(h, riverChair, '/api/v1/cases', {
        ...intakeBody(),
        location: { orgUnitId: 'community-river' },
      })
    ).caseId,
  );
  const merge = on(duplicate, '/merge', { intoCaseId: river });
  refused(t, await send(h, actors.chair, merge), 409, 'merge_target_not_found', 'into another community');
  const ghost = on(duplicate, '/merge', { intoCaseId: '0190c0de-0000-7000-8000-000000000000' });
  refused(t, await send(h, actors.chair, ghost), 409, 'merge_target_not_found', 'into no case at all');
  t.same(
    (await streamOf(h, duplicate)).map((e) => e.type),
    ['CaseSubmitted'],
  );
  t.same(
    (await streamOf(h, river)).map((e) => e.type),
    ['CaseSubmitted'],
  );
  const district = await send(h, actors.districtSupervisor, merge);
  t.equal(district.res.statusCode, 200, 'a district supervisor sees both and may merge them');
  t.equal(district.appended, 2);
});

t.test('directory: org units and departments', async (t) => {
  const h = await httpHarness(t);
  const grid3 = {
    id: 'grid-3',
    name: '第三网格',
    kind: 'grid',
    parentId: 'community-sunrise',
    gridType: 'comprehensive',
  };
  const legalAid = { id: 'legal-aid', name: '法律援助中心', kind: 'legalAid', orgUnitId: 'district-1' };
  const cases = [
    {
      url: '/api/v1/org-units',
      body: grid3,
      stream: 'orgunit-grid-3',
      type: 'OrgUnitCreated',
      exists: 'org_unit_exists',
    },
    {
      url: '/api/v1/departments',
      body: legalAid,
      stream: 'department-legal-aid',
      type: 'DepartmentCreated',
      exists: 'department_exists',
    },
  ];
  for (const { url, body, stream, type, exists } of cases) {
    await t.test(url, async (t) => {
      const request: Request = { method: 'POST', url, payload: body };
      refused(t, await send(h, undefined, request), 401, 'unauthorized', 'no token');
      refused(t, await send(h, actors.chair, request), 403, 'forbidden', 'a chair');
      const badSlug = { method: 'POST' as const, url, payload: { ...body, id: 'Grid 3' } };
      const invalid = refused(
        t,
        await send(h, actors.admin, badSlug),
        400,
        'validation_failed',
        'a bad slug',
      );
      t.match(invalid.errors, [{ field: 'body.id' }]);
      const unknown = { method: 'POST' as const, url, payload: { ...body, colour: 'red' } };
      const extra = refused(
        t,
        await send(h, actors.admin, unknown),
        400,
        'validation_failed',
        'an unknown field',
      );
      t.match(extra.errors, [{ field: 'body.colour' }]);

      const created = await send(h, actors.admin, request);
      t.equal(created.res.statusCode, 201, created.res.body);
      const events = await readStreamToArray(h.service.store, stream);
      t.match(events, [{ type, data: body }]);
      t.same(created.res.json(), { id: body.id, revision: 0, position: events[0]?.position });
      t.equal(created.appended, 1);
      refused(t, await send(h, actors.admin, request), 409, exists, 'the same id again');
    });
  }
});
