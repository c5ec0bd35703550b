// The case as an answer: its state, personal data masked, and the clocks now running.
import { Type } from 'typebox';
import { runningClocks } from '../commands/case/deadlines.js';
import type { ExistingCase } from '../commands/case/state.js';
import { maskAddress, maskParty } from './masking.js';

export function caseView(state: ExistingCase, revision: number): Record<string, unknown> {
  const {
    parties,
    locationAddress,
    firedClocks: _fired,
    summons,
    participants,
    sessions,
    agreements,
    ...file
  } = state;
  return {
    ...file,
    revision,
    parties: parties.map(maskParty),
    ...(locationAddress ? { locationAddress: maskAddress(locationAddress) } : {}),
    summons: Object.values(summons),
    participants: Object.values(participants),
    sessions: Object.entries(sessions).map(([sessionId, session]) => ({ sessionId, ...session })),
    agreements: Object.values(agreements),
    clocks: runningClocks(state),
  };
}

export const maskedParty = Type.Object({
  personId: Type.String(),
  role: Type.String(),
  kind: Type.String(),
  name: Type.String({ description: 'a person’s name masked to the family name: 张*' }),
  phone: Type.Optional(Type.String({ description: 'masked: 138****5678' })),
  idNumber: Type.Optional(Type.String()),
  address: Type.Optional(Type.String()),
  userId: Type.Optional(Type.String()),
  erased: Type.Optional(
    Type.Boolean({ description: 'the person was erased (crypto-shredding): the name reads [erased]' }),
  ),
});

/**
 * The answer's schema documents the main fields; it also serialises the parties, so a field added to
 * a party later is dropped from answers until someone decides how to mask it.
 */
export const caseViewSchema = Type.Object(
  {
    caseId: Type.String(),
    status: Type.String(),
    revision: Type.Integer({ description: 'the revision this view is of; send it back in If-Match' }),
    kind: Type.String(),
    category: Type.String(),
    title: Type.String(),
    locationOrgUnitId: Type.String(),
    orgUnitId: Type.String({ description: 'the org unit handling the case now' }),
    level: Type.String(),
    parties: Type.Array(maskedParty),
    locationAddress: Type.Optional(Type.String({ description: 'masked after its first four characters' })),
  },
  { additionalProperties: true },
);
