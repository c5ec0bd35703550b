// Time travel for the command line: the case as it stood at a revision or an instant, folded from its
// stream exactly as GET /cases/{id}?revision=|?at= folds it, and shown as that answer shows it.

import type { EventStore } from '../events/event-store.js';
import { caseView } from '../http/case-view.js';
import { caseAsOf } from '../http/query-case.js';

export type AsOf = { readonly revision: number } | { readonly at: Date } | undefined;

/** The case view then, or undefined when the case did not exist yet (or at all). */
export async function replayCase(
  store: EventStore,
  caseId: string,
  asOf: AsOf,
): Promise<Record<string, unknown> | undefined> {
  // "Now" is the whole stream: every revision there is.
  const then = await caseAsOf(store, caseId, asOf ?? { revision: Number.MAX_SAFE_INTEGER - 1 });
  if (then.state.status === 'initial') return undefined;
  return caseView(then.state, then.revision);
}
