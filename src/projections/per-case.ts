// The shape most read models share: skip events they do not use, keep their own copy of the org-unit
// tree, create the case's row on CaseSubmitted, and apply each later event once (the row remembers the
// last position it took, so the same event twice changes nothing).
import { decodeCaseEvent } from '../events/case-codec.js';
import type { CaseEvent, CaseEventData } from '../events/case-events.js';
import type { StoredEvent } from '../events/event-store.js';
import { caseIdOf } from './projection.js';

export interface PerCaseModel {
  /** Event types the model uses; anything else is skipped before any read. */
  readonly handled: ReadonlySet<string>;
  readonly lastPosition: (caseId: string) => number | undefined;
  readonly touch: (caseId: string, position: number) => void;
  readonly orgUnitCreated?: (id: string, kind: string, parentId: string | null) => void;
  readonly submitted: (caseId: string, data: CaseEventData<'CaseSubmitted'>, stored: StoredEvent) => void;
  readonly apply: (caseId: string, event: CaseEvent, stored: StoredEvent) => void;
}

export function perCaseApplier(model: PerCaseModel): (stored: StoredEvent) => void {
  return (stored) => {
    if (!model.handled.has(stored.type)) return;
    if (stored.type === 'OrgUnitCreated') {
      const { id, kind, parentId } = stored.data as { id: string; kind: string; parentId?: string };
      model.orgUnitCreated?.(id, kind, parentId ?? null);
      return;
    }
    const caseId = caseIdOf(stored.stream);
    if (!caseId) return;
    const last = model.lastPosition(caseId);
    if (last !== undefined && stored.position <= last) return;
    // No read model holds personal data: parties stay sealed, and rebuilds read no key.
    const event = decodeCaseEvent(stored, { personalData: 'withhold' });
    if (event.type === 'CaseSubmitted') {
      model.submitted(caseId, event.data, stored);
      return;
    }
    if (last === undefined) throw new Error(`case ${caseId} has events but no CaseSubmitted before them`);
    model.apply(caseId, event, stored);
    model.touch(caseId, stored.position);
  };
}
