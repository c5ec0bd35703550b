// Old event versions are upcast on read, never rewritten: the stored bytes (and their hashes) stay.
import type { JsonObject } from './event-store.js';

type Upcaster = (data: JsonObject) => JsonObject;

/** upcasters[type][fromVersion] turns version fromVersion into fromVersion + 1. */
const upcasters: Record<string, Record<number, Upcaster>> = {
  CaseSubmitted: {
    // Version 1 came from early intake forms that had no urgency field: those cases were all handled
    // on the normal clock.
    1: (data) => ({ ...data, urgency: 'normal' }),
  },
};

export function upcast(type: string, data: JsonObject, version: number, target: number): JsonObject {
  let current = data;
  for (let from = version; from < target; from += 1) {
    const step = upcasters[type]?.[from];
    if (!step) throw new Error(`no upcaster for ${type} from version ${from} to ${from + 1}`);
    current = step(current);
  }
  return current;
}
