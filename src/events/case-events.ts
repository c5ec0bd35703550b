// What happened to a case: one zod schema per event type, each with its current schema version.
// Appends validate against these; reads upcast older versions first (see upcasters.ts).
import { z } from 'zod';

const id = z.string().min(1).max(200);
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => value.trim().length > 0, 'must not be blank');
// Instants are stored in UTC ('Z'), so that comparing them as strings compares them in time.
const instant = z.iso.datetime();

export const CASE_KINDS = ['dispute', 'complaint', 'help', 'consultation', 'suggestion', 'report'] as const;
export const CHANNELS = [
  'walkIn',
  'phone',
  'online',
  'gridPatrol',
  'buildingHead',
  'hotline',
  'open311',
] as const;
export const URGENCIES = ['emergency', 'urgent', 'normal'] as const;
export const LEVELS = ['grid', 'community', 'street', 'district'] as const;
export const HANDLING_MODES = ['onSite', 'immediate', 'online'] as const;
export const PARTICIPANT_ROLES = [
  'mediator',
  'police',
  'lawyer',
  'judicialOfficer',
  'departmentLiaison',
  'party',
  'observer',
] as const;
export const SESSION_OUTCOMES = ['agreement', 'partialAgreement', 'noAgreement', 'adjourned'] as const;
export const RATINGS = ['satisfied', 'basicallySatisfied', 'dissatisfied'] as const;
export const FEEDBACK_VIA = ['self', 'phone', 'visit'] as const;
export const CLOCKS = ['accept', 'reportIn', 'respond', 'resolve', 'feedback'] as const;

export type Urgency = (typeof URGENCIES)[number];
export type Level = (typeof LEVELS)[number];
export type Clock = (typeof CLOCKS)[number];

const actorRef = z.object({ id, role: z.string(), dept: id.optional() });

export const partySchema = z.object({
  personId: id,
  role: z.enum(['complainant', 'respondent', 'affected']),
  kind: z.enum(['person', 'organization']),
  name: text(200),
  phone: z.string().max(40).optional(),
  idNumber: z.string().max(40).optional(),
  address: z.string().max(500).optional(),
  userId: id.optional(),
});
/**
 * A party as the decider sees it. On read, a person whose key was erased (crypto-shredding) comes back
 * `erased`: name '[erased]' and no other personal field; a reader that does not open personal data
 * (the projections) gets it `withheld` the same way.
 */
export type Party = z.infer<typeof partySchema> & { readonly erased?: true; readonly withheld?: true };

/** The fields of a party that are personal data: stored only inside its encrypted envelope. */
export const PERSONAL_FIELDS = ['name', 'phone', 'idNumber', 'address'] as const;
export type PersonalFields = Pick<Party, (typeof PERSONAL_FIELDS)[number]>;

/**
 * A party's personal data as stored (DESIGN.md §5): AES-256-GCM under the person's own key, kept
 * outside the log (src/privacy). The hash chain covers the ciphertext, so erasing the key later
 * leaves every hash intact.
 */
export const personalEnvelopeSchema = z
  .object({
    v: z.literal(1),
    iv: z.base64().length(16),
    tag: z.base64().length(24),
    ct: z.base64().max(8000),
  })
  .strict();
export type PersonalEnvelope = z.infer<typeof personalEnvelopeSchema>;

/** The stored shape of a party: what is not personal in clear, the rest in the envelope. */
export const sealedPartySchema = partySchema
  .pick({ personId: true, role: true, kind: true, userId: true })
  .extend({ personal: personalEnvelopeSchema })
  .strict();
export type SealedParty = z.infer<typeof sealedPartySchema>;

/** A party as a stored CaseSubmitted may hold it: sealed, or in clear from before encryption. */
export const storedPartySchema = z.union([sealedPartySchema, partySchema]);

const summonsClock = z.enum(['reportIn', 'respond']);

export const caseEventSchemas = {
  CaseSubmitted: z.object({
    caseId: id,
    kind: z.enum(CASE_KINDS),
    category: text(100),
    title: text(200),
    description: text(10_000),
    channel: z.enum(CHANNELS),
    location: z.object({ orgUnitId: id, address: z.string().max(500).optional() }),
    parties: z.array(partySchema).min(1).max(200),
    urgency: z.enum(URGENCIES),
    peopleInvolved: z.number().int().min(1).optional(),
    massIncidentRisk: z.boolean().optional(),
    level: z.enum(LEVELS),
    submittedBy: actorRef,
    at: instant,
    acceptDueAt: instant,
  }),
  CaseAccepted: z.object({
    handlingMode: z.enum(HANDLING_MODES),
    note: z.string().max(2000).optional(),
    complex: z.boolean(),
    at: instant,
    resolveDueAt: instant,
  }),
  CaseRejected: z.object({ reason: text(2000), referredTo: z.string().max(200).optional(), at: instant }),
  CaseAssigned: z.object({ assigneeId: id, at: instant }),
  DepartmentsSummoned: z.object({
    reason: text(2000),
    at: instant,
    summons: z
      .array(
        z.object({
          departmentId: id,
          departmentKind: z.string(),
          round: z.number().int().min(1),
          reportInDueAt: instant,
        }),
      )
      .min(1),
  }),
  DepartmentReportedIn: z.object({
    departmentId: id,
    by: id,
    note: z.string().max(2000).optional(),
    at: instant,
    respondDueAt: instant,
  }),
  DepartmentResponded: z.object({ departmentId: id, by: id, summary: text(5000), at: instant }),
  SummonsDeclined: z.object({ departmentId: id, by: id, reason: text(2000), at: instant }),
  SummonsReleased: z.object({ departmentId: id, reason: text(2000), at: instant }),
  SummonsOverdue: z.object({
    departmentId: id,
    round: z.number().int().min(1),
    clock: summonsClock,
    dueAt: instant,
    at: instant,
  }),
  ParticipantJoined: z.object({
    userId: id,
    role: z.enum(PARTICIPANT_ROLES),
    departmentId: id.optional(),
    at: instant,
  }),
  ParticipantLeft: z.object({ userId: id, at: instant }),
  MediationSessionScheduled: z.object({ sessionId: id, scheduledAt: instant, place: text(500), at: instant }),
  MediationSessionRecorded: z.object({
    sessionId: id,
    outcome: z.enum(SESSION_OUTCOMES),
    notes: z.string().max(10_000).optional(),
    at: instant,
  }),
  AgreementRecorded: z.object({
    agreementId: id,
    terms: text(20_000),
    signatories: z.array(text(200)).min(1).max(200),
    at: instant,
  }),
  JudicialConfirmationRequested: z.object({ agreementId: id, courtId: id, at: instant }),
  JudicialConfirmationDecided: z.object({
    agreementId: id,
    courtId: id,
    granted: z.boolean(),
    note: z.string().max(2000).optional(),
    by: id,
    at: instant,
  }),
  CaseEscalated: z.object({
    fromOrgUnitId: id,
    toOrgUnitId: id,
    fromLevel: z.enum(LEVELS),
    toLevel: z.enum(LEVELS),
    reason: text(2000),
    /** Set when the system escalated because a clock ran out. */
    trigger: z.object({ clock: z.enum(CLOCKS), departmentId: id.optional(), dueAt: instant }).optional(),
    at: instant,
  }),
  NoteAdded: z.object({ noteId: id, text: text(10_000), at: instant }),
  AttachmentAdded: z.object({
    attachmentId: id,
    name: text(255),
    contentType: z.string().max(100),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    size: z.number().int().min(0),
    at: instant,
  }),
  CaseResolved: z.object({ summary: text(5000), at: instant, feedbackDueAt: instant }),
  FeedbackGiven: z.object({
    rating: z.enum(RATINGS),
    comment: z.string().max(2000).optional(),
    via: z.enum(FEEDBACK_VIA),
    by: id,
    at: instant,
  }),
  CaseReopened: z.object({ reason: text(2000), automatic: z.boolean(), at: instant, resolveDueAt: instant }),
  CaseClosed: z.object({ reason: z.string().max(2000).optional(), noFeedback: z.boolean(), at: instant }),
  CaseWithdrawn: z.object({ reason: text(2000), by: id, at: instant }),
  CaseMerged: z.object({ intoCaseId: id, at: instant }),
  DuplicateCaseMerged: z.object({ duplicateCaseId: id, at: instant }),
} as const;

export type CaseEventType = keyof typeof caseEventSchemas;
export type CaseEventData<T extends CaseEventType> = z.infer<(typeof caseEventSchemas)[T]>;
export type CaseEvent = {
  [T in CaseEventType]: { readonly type: T; readonly data: CaseEventData<T> };
}[CaseEventType];

/** The schema version written today; older stored versions are upcast on read. */
export const caseEventVersions: Record<CaseEventType, number> = Object.fromEntries(
  Object.keys(caseEventSchemas).map((type) => [type, type === 'CaseSubmitted' ? 2 : 1]),
) as Record<CaseEventType, number>;

export function isCaseEventType(type: string): type is CaseEventType {
  return Object.hasOwn(caseEventSchemas, type);
}
