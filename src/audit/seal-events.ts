// The events of the `audit-seals` stream, one zod schema each (version 1): validated before they are
// appended, and again when read back, since what a verification trusts must have the shape it expects.
import { z } from 'zod';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lower-case hex');
const whole = z.number().int().min(0);

/** [stream, last revision at or before the sealed position, that event's hash] */
export const sealLeafSchema = z.tuple([z.string().min(1).max(200), whole, hex64]);

export const sealSchema = z.object({
  sealId: z.string().min(1).max(100),
  version: whole,
  position: whole,
  streams: whole,
  events: whole,
  merkleRoot: hex64,
  root: hex64,
  takenAt: z.string(),
  takenBy: z.object({ id: z.string(), role: z.string() }),
});
export type Seal = z.infer<typeof sealSchema>;

export const sealEventSchemas = {
  /** What the seal states; its leaves follow in `chunks` SealLeavesRecorded of the same append. */
  SealTaken: sealSchema.extend({ chunks: whole }),
  SealLeavesRecorded: z.object({ sealId: z.string(), chunk: whole, leaves: z.array(sealLeafSchema) }),
} as const;

export const SEAL_EVENT_VERSION = 1;
