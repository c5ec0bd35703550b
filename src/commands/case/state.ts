// A case as its events have made it: a discriminated union on `status`, folded by `evolve`.
import type {
  CaseEvent,
  CaseEventData,
  CaseEventType,
  Level,
  Party,
  Urgency,
} from '../../events/case-events.js';

export type SummonsStatus = 'pending' | 'reportedIn' | 'responded' | 'declined' | 'released';

export interface Summons {
  readonly departmentId: string;
  readonly departmentKind: string;
  readonly round: number;
  readonly status: SummonsStatus;
  readonly summonedAt: string;
  readonly reportInDueAt: string;
  readonly reportedInAt?: string;
  readonly respondDueAt?: string;
  readonly closedAt?: string;
  /** Frozen when the system recorded the clock as run out. */
  readonly overdue: { readonly reportIn: boolean; readonly respond: boolean };
}

export interface Agreement {
  readonly agreementId: string;
  readonly recordedAt: string;
  readonly signatories: readonly string[];
  readonly confirmation?: {
    readonly courtId: string;
    readonly requestedAt: string;
    readonly decision?: { readonly granted: boolean; readonly at: string };
  };
}

export interface Participant {
  readonly userId: string;
  readonly role: string;
  readonly departmentId?: string;
}

export interface Feedback {
  readonly rating: 'satisfied' | 'basicallySatisfied' | 'dissatisfied';
  readonly via: string;
  readonly at: string;
}

/** What every case carries whatever its status. */
export interface CaseFile {
  readonly caseId: string;
  readonly kind: string;
  readonly category: string;
  readonly title: string;
  readonly description: string;
  readonly channel: string;
  readonly peopleInvolved?: number;
  readonly massIncidentRisk: boolean;
  readonly locationAddress?: string;
  readonly urgency: Urgency;
  readonly parties: readonly Party[];
  readonly locationOrgUnitId: string;
  readonly submittedAt: string;
  readonly acceptDueAt: string;
  readonly submittedBy: string;
  /** When the case was last escalated, by a person or by the system. */
  readonly lastEscalatedAt?: string;
  /** The org unit now handling the case; escalation moves it to the parent. */
  readonly orgUnitId: string;
  readonly level: Level;
  readonly assigneeId?: string;
  readonly complex: boolean;
  readonly resolveDueAt?: string;
  readonly summons: Readonly<Record<string, Summons>>;
  readonly participants: Readonly<Record<string, Participant>>;
  readonly sessions: Readonly<Record<string, { readonly recorded: boolean }>>;
  readonly agreements: Readonly<Record<string, Agreement>>;
  readonly noteCount: number;
  readonly attachmentCount: number;
  readonly feedback: readonly Feedback[];
  readonly reopenCount: number;
  /** Clocks the system has already acted on, keyed clock/department/due, so each fires once. */
  readonly firedClocks: readonly string[];
  readonly mergedFrom: readonly string[];
}

export type CaseState =
  | { readonly status: 'initial' }
  | (CaseFile & { readonly status: 'submitted' })
  | (CaseFile & { readonly status: 'accepted'; readonly acceptedAt: string })
  | (CaseFile & { readonly status: 'resolved'; readonly resolvedAt: string; readonly feedbackDueAt: string })
  | (CaseFile & { readonly status: 'closed'; readonly closedAt: string; readonly noFeedback: boolean })
  | (CaseFile & { readonly status: 'rejected'; readonly rejectedAt: string })
  | (CaseFile & { readonly status: 'withdrawn'; readonly withdrawnAt: string })
  | (CaseFile & { readonly status: 'merged'; readonly intoCaseId: string });

export type ExistingCase = Exclude<CaseState, { status: 'initial' }>;
export type CaseStatus = ExistingCase['status'];

export const initialState = (): CaseState => ({ status: 'initial' });

export const OPEN_SUMMONS: ReadonlySet<SummonsStatus> = new Set(['pending', 'reportedIn']);

/**
 * A clock that ran out has been answered by an escalation when the case was escalated at or after its
 * due time: a missed deadline moves the case up one level, and several deadlines missed before the
 * system (or a person) escalated it do not move it several levels at once.
 */
export function escalatedSince(state: { readonly lastEscalatedAt?: string }, dueAt: string): boolean {
  return state.lastEscalatedAt !== undefined && state.lastEscalatedAt >= dueAt;
}

export function clockKey(clock: string, dueAt: string, departmentId?: string): string {
  return departmentId ? `${clock}/${departmentId}/${dueAt}` : `${clock}/${dueAt}`;
}

function submitted(data: CaseEventData<'CaseSubmitted'>): CaseState {
  return {
    status: 'submitted',
    caseId: data.caseId,
    kind: data.kind,
    category: data.category,
    title: data.title,
    description: data.description,
    channel: data.channel,
    ...(data.peopleInvolved === undefined ? {} : { peopleInvolved: data.peopleInvolved }),
    massIncidentRisk: data.massIncidentRisk ?? false,
    ...(data.location.address === undefined ? {} : { locationAddress: data.location.address }),
    urgency: data.urgency,
    parties: data.parties,
    locationOrgUnitId: data.location.orgUnitId,
    submittedAt: data.at,
    acceptDueAt: data.acceptDueAt,
    submittedBy: data.submittedBy.id,
    orgUnitId: data.location.orgUnitId,
    level: data.level,
    complex: false,
    summons: {},
    participants: {},
    sessions: {},
    agreements: {},
    noteCount: 0,
    attachmentCount: 0,
    feedback: [],
    reopenCount: 0,
    firedClocks: [],
    mergedFrom: [],
  };
}

function updateSummons(state: ExistingCase, departmentId: string, change: Partial<Summons>): ExistingCase {
  const current = state.summons[departmentId];
  if (!current) return state;
  return { ...state, summons: { ...state.summons, [departmentId]: { ...current, ...change } } };
}

/** Summons still open when the case ends are released with it: nobody stays summoned to a closed file. */
function releaseOpenSummons(state: ExistingCase, at: string): Record<string, Summons> {
  return Object.fromEntries(
    Object.entries(state.summons).map(([id, s]) => [
      id,
      OPEN_SUMMONS.has(s.status) ? { ...s, status: 'released' as const, closedAt: at } : s,
    ]),
  );
}

type Evolvers = { [T in CaseEventType]: (state: ExistingCase, data: CaseEventData<T>) => ExistingCase };

// One entry per event type: the mapped type makes a forgotten event a compile error.
const evolvers: Evolvers = {
  CaseSubmitted: (state) => state,
  CaseAccepted: (state, { at, complex, resolveDueAt }) => ({
    ...state,
    status: 'accepted',
    acceptedAt: at,
    complex,
    resolveDueAt,
  }),
  CaseRejected: (state, { at }) => ({ ...state, status: 'rejected', rejectedAt: at }),
  CaseAssigned: (state, { assigneeId }) => ({ ...state, assigneeId }),
  DepartmentsSummoned: (state, { at, summons }) => {
    const next = { ...state.summons };
    for (const s of summons) {
      next[s.departmentId] = {
        departmentId: s.departmentId,
        departmentKind: s.departmentKind,
        round: s.round,
        status: 'pending',
        summonedAt: at,
        reportInDueAt: s.reportInDueAt,
        overdue: { reportIn: false, respond: false },
      };
    }
    return { ...state, summons: next };
  },
  DepartmentReportedIn: (state, { departmentId, at, respondDueAt }) =>
    updateSummons(state, departmentId, { status: 'reportedIn', reportedInAt: at, respondDueAt }),
  DepartmentResponded: (state, { departmentId, at }) =>
    updateSummons(state, departmentId, { status: 'responded', closedAt: at }),
  SummonsDeclined: (state, { departmentId, at }) =>
    updateSummons(state, departmentId, { status: 'declined', closedAt: at }),
  SummonsReleased: (state, { departmentId, at }) =>
    updateSummons(state, departmentId, { status: 'released', closedAt: at }),
  SummonsOverdue: (state, { departmentId, clock, dueAt }) => {
    const current = state.summons[departmentId];
    if (!current) return state;
    const fired = {
      ...state,
      firedClocks: [...state.firedClocks, `overdue:${clockKey(clock, dueAt, departmentId)}`],
    };
    return updateSummons(fired, departmentId, { overdue: { ...current.overdue, [clock]: true } });
  },
  ParticipantJoined: (state, { userId, role, departmentId }) => {
    const participant: Participant = departmentId ? { userId, role, departmentId } : { userId, role };
    return { ...state, participants: { ...state.participants, [userId]: participant } };
  },
  ParticipantLeft: (state, { userId }) => {
    const { [userId]: _left, ...participants } = state.participants;
    return { ...state, participants };
  },
  MediationSessionScheduled: (state, { sessionId }) => ({
    ...state,
    sessions: { ...state.sessions, [sessionId]: { recorded: false } },
  }),
  MediationSessionRecorded: (state, { sessionId }) => ({
    ...state,
    sessions: { ...state.sessions, [sessionId]: { recorded: true } },
  }),
  AgreementRecorded: (state, { agreementId, at, signatories }) => ({
    ...state,
    agreements: { ...state.agreements, [agreementId]: { agreementId, recordedAt: at, signatories } },
  }),
  JudicialConfirmationRequested: (state, { agreementId, courtId, at }) =>
    updateAgreement(state, agreementId, () => ({ courtId, requestedAt: at })),
  JudicialConfirmationDecided: (state, { agreementId, granted, at }) =>
    updateAgreement(
      state,
      agreementId,
      (confirmation) => confirmation && { ...confirmation, decision: { granted, at } },
    ),
  CaseEscalated: (state, { toOrgUnitId, toLevel, at }) => ({
    ...state,
    orgUnitId: toOrgUnitId,
    level: toLevel,
    lastEscalatedAt: at,
  }),
  NoteAdded: (state) => ({ ...state, noteCount: state.noteCount + 1 }),
  AttachmentAdded: (state) => ({ ...state, attachmentCount: state.attachmentCount + 1 }),
  CaseResolved: (state, { at, feedbackDueAt }) => ({
    ...state,
    status: 'resolved',
    resolvedAt: at,
    feedbackDueAt,
  }),
  FeedbackGiven: (state, { rating, via, at }) => ({
    ...state,
    feedback: [...state.feedback, { rating, via, at }],
  }),
  CaseReopened: (state, { at, resolveDueAt }) => ({
    ...withoutEnding(state),
    status: 'accepted',
    acceptedAt: at,
    resolveDueAt,
    reopenCount: state.reopenCount + 1,
  }),
  CaseClosed: (state, { at, noFeedback }) => ({ ...state, status: 'closed', closedAt: at, noFeedback }),
  CaseWithdrawn: (state, { at }) => ({
    ...state,
    status: 'withdrawn',
    withdrawnAt: at,
    summons: releaseOpenSummons(state, at),
  }),
  CaseMerged: (state, { intoCaseId, at }) => ({
    ...state,
    status: 'merged',
    intoCaseId,
    summons: releaseOpenSummons(state, at),
  }),
  DuplicateCaseMerged: (state, { duplicateCaseId }) => ({
    ...state,
    mergedFrom: [...state.mergedFrom, duplicateCaseId],
  }),
};

function updateAgreement(
  state: ExistingCase,
  agreementId: string,
  change: (confirmation: Agreement['confirmation']) => Agreement['confirmation'],
): ExistingCase {
  const agreement = state.agreements[agreementId];
  if (!agreement) return state;
  const confirmation = change(agreement.confirmation);
  if (!confirmation) return state;
  return { ...state, agreements: { ...state.agreements, [agreementId]: { ...agreement, confirmation } } };
}

export function evolve(state: CaseState, event: CaseEvent): CaseState {
  if (event.type === 'CaseSubmitted') return state.status === 'initial' ? submitted(event.data) : state;
  if (state.status === 'initial') return state;
  const evolver = evolvers[event.type] as (state: ExistingCase, data: CaseEvent['data']) => ExistingCase;
  return evolver(state, event.data);
}

/** The fields only a resolved or closed case has, dropped when it is reopened. */
function withoutEnding(state: ExistingCase): CaseFile {
  const { status: _status, ...file } = state as unknown as CaseFile & Record<string, unknown>;
  for (const key of ['resolvedAt', 'feedbackDueAt', 'closedAt', 'noFeedback', 'acceptedAt']) delete file[key];
  return file as CaseFile;
}

export function foldCase(events: readonly CaseEvent[], from: CaseState = initialState()): CaseState {
  return events.reduce(evolve, from);
}
