// Every command of DESIGN.md §8 in one table: path, TypeBox body, and how the body becomes a domain
// command. The routes and the OpenAPI document are generated from it; no rule lives here.
import { type Static, type TSchema, Type } from 'typebox';
import type { CaseCommand } from '../commands/case/commands.js';
import {
  CASE_KINDS,
  CHANNELS,
  FEEDBACK_VIA,
  HANDLING_MODES,
  PARTICIPANT_ROLES,
  RATINGS,
  SESSION_OUTCOMES,
  URGENCIES,
} from '../events/case-events.js';

const text = (maxLength: number, description?: string) =>
  Type.String({ minLength: 1, maxLength, pattern: '\\S', ...(description ? { description } : {}) });
const optionalText = (maxLength: number) => Type.Optional(Type.String({ maxLength }));
/** Ids of cases, people, sessions, agreements, departments: printable, no spaces, slashes or control characters. */
export const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]*$';
const id = Type.String({ minLength: 1, maxLength: 200, pattern: ID_PATTERN });
const oneOf = <const T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });
const instant = Type.String({ format: 'date-time', maxLength: 40 });
const strict = <T extends Record<string, TSchema>>(properties: T) =>
  Type.Object(properties, { additionalProperties: false });

export const partyBody = strict({
  role: oneOf(['complainant', 'respondent', 'affected'] as const),
  kind: oneOf(['person', 'organization'] as const),
  name: text(200),
  phone: Type.Optional(Type.String({ maxLength: 40, pattern: '^[0-9+() -]{3,40}$' })),
  idNumber: Type.Optional(Type.String({ maxLength: 40, pattern: '^[0-9A-Za-z-]{4,40}$' })),
  address: optionalText(500),
  userId: Type.Optional(id),
});

export const intakeBody = strict({
  kind: oneOf(CASE_KINDS),
  category: text(100),
  title: text(200),
  description: text(10_000),
  channel: oneOf(CHANNELS),
  location: strict({ orgUnitId: id, address: optionalText(500) }),
  parties: Type.Array(partyBody, { minItems: 1, maxItems: 50 }),
  urgency: oneOf(URGENCIES),
  peopleInvolved: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  massIncidentRisk: Type.Optional(Type.Boolean()),
});

/** Mints the ids a command needs; derived from the command id, so a retried request gets the same ones. */
export type IdMaker = (label: string) => string;

export interface CommandEntry<S extends TSchema = TSchema> {
  readonly name: string;
  readonly summary: string;
  readonly method: 'POST' | 'DELETE';
  /** Under /api/v1/cases/:id; the intake alone has no :id. */
  readonly path: string;
  readonly body: S;
  readonly created?: boolean;
  readonly example?: Static<S>;
  /** The domain command, and what the answer adds to { caseId, revision, position }. */
  readonly toCommand: (
    body: Static<S>,
    params: Record<string, string>,
    ids: IdMaker,
  ) => { command: CaseCommand; answer?: Record<string, unknown> };
}

const entry = <S extends TSchema>(value: CommandEntry<S>): CommandEntry => value as unknown as CommandEntry;
const empty = strict({});

export const COMMANDS: readonly CommandEntry[] = [
  entry({
    name: 'acceptCase',
    summary: 'Accept a submitted case (受理) and choose how it is handled (三办)',
    method: 'POST',
    path: '/accept',
    body: strict({
      handlingMode: oneOf(HANDLING_MODES),
      note: optionalText(2000),
      complex: Type.Optional(Type.Boolean()),
    }),
    example: { handlingMode: 'onSite', note: '现场调处' },
    toCommand: (body) => ({ command: { type: 'AcceptCase', ...body } }),
  }),
  entry({
    name: 'rejectCase',
    summary: 'Reject a submitted case (不予受理), optionally referring it elsewhere',
    method: 'POST',
    path: '/reject',
    body: strict({ reason: text(2000), referredTo: optionalText(200) }),
    toCommand: (body) => ({ command: { type: 'RejectCase', ...body } }),
  }),
  entry({
    name: 'assignCase',
    summary: 'Assign an accepted case to a member of staff',
    method: 'POST',
    path: '/assign',
    body: strict({ assigneeId: id }),
    toCommand: (body) => ({ command: { type: 'AssignCase', ...body } }),
  }),
  entry({
    name: 'whistle',
    summary: 'Summon one or more departments at once (吹哨)',
    method: 'POST',
    path: '/whistle',
    body: strict({
      departmentIds: Type.Array(id, { minItems: 1, maxItems: 20, uniqueItems: true }),
      reason: text(2000),
      reportInMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_080 })),
    }),
    example: {
      departmentIds: ['police-east', 'labour-arbitration'],
      reason: '欠薪纠纷，工人聚集',
      reportInMinutes: 30,
    },
    toCommand: (body) => ({ command: { type: 'WhistleDepartments', ...body } }),
  }),
  entry({
    name: 'reportIn',
    summary: "A department's liaison reports in (报到)",
    method: 'POST',
    path: '/summons/:departmentId/report-in',
    body: strict({ note: optionalText(2000) }),
    toCommand: (body, params) => ({
      command: { type: 'ReportIn', departmentId: params.departmentId!, ...body },
    }),
  }),
  entry({
    name: 'respond',
    summary: 'The department reports what it did (反馈)',
    method: 'POST',
    path: '/summons/:departmentId/respond',
    body: strict({ summary: text(5000) }),
    toCommand: (body, params) => ({
      command: { type: 'RespondToSummons', departmentId: params.departmentId!, ...body },
    }),
  }),
  entry({
    name: 'decline',
    summary: 'The department declines the summons, with its reason',
    method: 'POST',
    path: '/summons/:departmentId/decline',
    body: strict({ reason: text(2000) }),
    toCommand: (body, params) => ({
      command: { type: 'DeclineSummons', departmentId: params.departmentId!, ...body },
    }),
  }),
  entry({
    name: 'releaseSummons',
    summary: 'Release a department from its summons',
    method: 'POST',
    path: '/summons/:departmentId/release',
    body: strict({ reason: text(2000) }),
    toCommand: (body, params) => ({
      command: { type: 'ReleaseSummons', departmentId: params.departmentId!, ...body },
    }),
  }),
  entry({
    name: 'joinParticipant',
    summary: 'A participant joins the case (多方联调)',
    method: 'POST',
    path: '/participants',
    body: strict({ userId: id, role: oneOf(PARTICIPANT_ROLES), departmentId: Type.Optional(id) }),
    toCommand: (body) => ({ command: { type: 'AddParticipant', ...body } }),
  }),
  entry({
    name: 'leaveParticipant',
    summary: 'A participant leaves the case',
    method: 'DELETE',
    path: '/participants/:userId',
    body: empty,
    toCommand: (_body, params) => ({ command: { type: 'RemoveParticipant', userId: params.userId! } }),
  }),
  entry({
    name: 'scheduleSession',
    summary: 'Schedule a mediation session',
    method: 'POST',
    path: '/mediation-sessions',
    body: strict({ scheduledAt: instant, place: text(500) }),
    created: true,
    toCommand: (body, _params, ids) => {
      const sessionId = ids('session');
      return { command: { type: 'ScheduleMediationSession', sessionId, ...body }, answer: { sessionId } };
    },
  }),
  entry({
    name: 'recordSession',
    summary: 'Record how a mediation session went',
    method: 'POST',
    path: '/mediation-sessions/:sid/record',
    body: strict({ outcome: oneOf(SESSION_OUTCOMES), notes: optionalText(10_000) }),
    toCommand: (body, params) => ({
      command: { type: 'RecordMediationSession', sessionId: params.sid!, ...body },
    }),
  }),
  entry({
    name: 'recordAgreement',
    summary: 'Record a mediation agreement (调解协议) with its signatories',
    method: 'POST',
    path: '/agreements',
    body: strict({ terms: text(20_000), signatories: Type.Array(text(200), { minItems: 1, maxItems: 200 }) }),
    created: true,
    toCommand: (body, _params, ids) => {
      const agreementId = ids('agreement');
      return { command: { type: 'RecordAgreement', agreementId, ...body }, answer: { agreementId } };
    },
  }),
  entry({
    name: 'requestJudicialConfirmation',
    summary: 'Ask a court to confirm an agreement (司法确认), within 30 days of it',
    method: 'POST',
    path: '/agreements/:aid/judicial-confirmation',
    body: strict({ courtId: id }),
    toCommand: (body, params) => ({
      command: { type: 'RequestJudicialConfirmation', agreementId: params.aid!, ...body },
    }),
  }),
  entry({
    name: 'decideJudicialConfirmation',
    summary: "The court's liaison grants or refuses the confirmation",
    method: 'POST',
    path: '/agreements/:aid/judicial-confirmation/decision',
    body: strict({ granted: Type.Boolean(), note: optionalText(2000) }),
    toCommand: (body, params) => ({
      command: { type: 'DecideJudicialConfirmation', agreementId: params.aid!, ...body },
    }),
  }),
  entry({
    name: 'escalate',
    summary: 'Escalate one level up (上报): grid → community → street → district',
    method: 'POST',
    path: '/escalate',
    body: strict({ reason: text(2000) }),
    toCommand: (body) => ({ command: { type: 'EscalateCase', ...body } }),
  }),
  entry({
    name: 'addNote',
    summary: 'Add a note',
    method: 'POST',
    path: '/notes',
    body: strict({ text: text(10_000) }),
    created: true,
    example: { text: '网格员已上门走访，双方情绪平稳。' },
    toCommand: (body, _params, ids) => {
      const noteId = ids('note');
      return { command: { type: 'AddNote', noteId, ...body }, answer: { noteId } };
    },
  }),
  entry({
    name: 'addAttachment',
    summary: 'Record an attachment by its SHA-256 and size',
    method: 'POST',
    path: '/attachments',
    body: strict({
      name: text(255),
      contentType: Type.String({ minLength: 3, maxLength: 100, pattern: '^[\\w.+-]+/[\\w.+-]+$' }),
      sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
      size: Type.Integer({ minimum: 0, maximum: 104_857_600 }),
    }),
    created: true,
    toCommand: (body, _params, ids) => {
      const attachmentId = ids('attachment');
      return { command: { type: 'AddAttachment', attachmentId, ...body }, answer: { attachmentId } };
    },
  }),
  entry({
    name: 'resolveCase',
    summary: 'Resolve the case (办结); every summons must be answered or released first',
    method: 'POST',
    path: '/resolve',
    body: strict({ summary: text(5000) }),
    toCommand: (body) => ({ command: { type: 'ResolveCase', ...body } }),
  }),
  entry({
    name: 'giveFeedback',
    summary: 'Rate the outcome (回访, 满意度): the resident party, or staff after a follow-up call',
    method: 'POST',
    path: '/feedback',
    body: strict({
      rating: oneOf(RATINGS),
      comment: optionalText(2000),
      via: Type.Optional(oneOf(FEEDBACK_VIA)),
    }),
    toCommand: (body) => ({ command: { type: 'GiveFeedback', ...body } }),
  }),
  entry({
    name: 'reopenCase',
    summary: 'Reopen a resolved case, or a closed one within 30 days (重办)',
    method: 'POST',
    path: '/reopen',
    body: strict({ reason: text(2000) }),
    toCommand: (body) => ({ command: { type: 'ReopenCase', ...body } }),
  }),
  entry({
    name: 'closeCase',
    summary: 'Close a resolved case',
    method: 'POST',
    path: '/close',
    body: strict({ reason: optionalText(2000) }),
    toCommand: (body) => ({ command: { type: 'CloseCase', ...body } }),
  }),
  entry({
    name: 'withdrawCase',
    summary: 'Withdraw the case',
    method: 'POST',
    path: '/withdraw',
    body: strict({ reason: text(2000) }),
    toCommand: (body) => ({ command: { type: 'WithdrawCase', ...body } }),
  }),
  entry({
    name: 'mergeCase',
    summary: 'Merge this duplicate into another case; both histories point at each other',
    method: 'POST',
    path: '/merge',
    body: strict({ intoCaseId: id }),
    toCommand: (body) => ({ command: { type: 'MergeCase', ...body } }),
  }),
];

export type IntakeBody = Static<typeof intakeBody>;

/** The intake: the server picks the case id and a person id per party. */
export function intakeCommand(body: IntakeBody, ids: IdMaker): { command: CaseCommand; caseId: string } {
  const caseId = ids('case');
  const parties = body.parties.map((party, index) => ({ ...party, personId: ids(`person-${index}`) }));
  return { caseId, command: { type: 'SubmitCase', caseId, ...body, parties } };
}
