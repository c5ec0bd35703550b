import type { CaseEvent, CaseEventData, CaseEventType } from '../../events/case-events.js';

/** Builds a typed case event. */
export const caseEvent = <T extends CaseEventType>(type: T, data: CaseEventData<T>): CaseEvent =>
  ({ type, data }) as CaseEvent;

/** Drops keys whose value is undefined, so optional fields are absent rather than null-ish in the log. */
export function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
