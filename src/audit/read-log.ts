// Reading the log for verification, whatever state it is in: a page whose stored JSON no longer parses
// is read again one event at a time, so that the pass can name the unreadable event and go on.
import type { EventStore, StoredEvent } from '../events/event-store.js';
import type { Break } from './verify.js';

export interface Page {
  readonly events: StoredEvent[];
  /** The position to read after next. */
  readonly next: number;
  readonly unreadable?: Break;
}

/**
 * A page of the log. A stored event whose JSON no longer parses makes the whole page unreadable; then
 * the events before it are read one at a time and the one that fails is reported by its position (its
 * stream is unknown, but the stream's next event then shows a revision gap).
 */
export async function readPage(store: EventStore, after: number, limit: number): Promise<Page> {
  try {
    const events = await store.readAll({ after, limit });
    return { events, next: events.at(-1)?.position ?? after };
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  const events: StoredEvent[] = [];
  let next = after;
  for (;;) {
    try {
      const [event] = await store.readAll({ after: next, limit: 1 });
      if (event === undefined || events.length >= limit) return { events, next };
      events.push(event);
      next = event.position;
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      const bad = await firstUnreadable(store, next);
      const unreadable: Break = {
        stream: null,
        revision: null,
        position: bad,
        problem: 'unreadable',
        detail: `the event at position ${bad} is not valid JSON any more: ${error.message}`,
      };
      return { events, next: bad, unreadable };
    }
  }
}

/** The position of the event after `after` that cannot be read: the first p whose successor reads. */
async function firstUnreadable(store: EventStore, after: number): Promise<number> {
  const head = (await store.headPosition()) ?? after + 1;
  for (let p = after + 1; p < head; p += 1) {
    try {
      await store.readAll({ after: p, limit: 1 });
      return p;
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
    }
  }
  return head;
}
