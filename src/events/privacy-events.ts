// What happened to personal data (DESIGN.md §5): a person erased (their key deleted), and personal data
// revealed to someone, with who, when and why. Hash-chained like every stream.
import { z } from 'zod';

const id = z.string().min(1).max(200);
const instant = z.iso.datetime();

export const REVEAL_REASON = { min: 5, max: 500 } as const;

export const privacyEventSchemas = {
  /** Stream `person-<personId>`. */
  PersonErased: z.object({ personId: id, at: instant, by: id }),
  /** Stream `audit-reveals`, one for all cases, so an auditor reads every reveal in one place. */
  PersonalDataRevealed: z.object({
    caseId: id,
    /** Where the case is: lets a scoped auditor's list hold only the cases they may see. */
    orgUnitId: id,
    /** The people whose data was shown (the erased ones had none to show). */
    personIds: z.array(id).max(200),
    reason: z
      .string()
      .min(REVEAL_REASON.min)
      .max(REVEAL_REASON.max)
      .refine((value) => value.trim().length >= REVEAL_REASON.min, 'must say why'),
    by: id,
    role: z.string().min(1).max(50),
    at: instant,
  }),
} as const;

export type PrivacyEventType = keyof typeof privacyEventSchemas;
export type PrivacyEventData<T extends PrivacyEventType> = z.infer<(typeof privacyEventSchemas)[T]>;

export const personStream = (personId: string): string => `person-${personId}`;
export const REVEALS_STREAM = 'audit-reveals';
