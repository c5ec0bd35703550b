// The case as an answer: its state, personal data masked, and the clocks now running.
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
