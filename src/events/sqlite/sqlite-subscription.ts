// A subscription to the embedded log: catch up page by page, then sleep until this process appends
// (or a poll interval passes, for appends by another process) and read on from the last position.
// Positions only grow and a reader sees whole transactions, so there is no gap and no duplicate.
import type { EventEmitter } from 'node:events';
import type { StoredEvent, Subscription } from '../event-store.js';

export interface PollingSubscriptionOptions {
  readonly readPage: (after: number) => StoredEvent[];
  readonly after: number;
  readonly appended: EventEmitter;
  readonly pollIntervalMs: number;
  readonly signal?: AbortSignal | undefined;
  readonly onClose: () => void;
}

export class PollingSubscription implements Subscription {
  private closed = false;
  private wake: (() => void) | undefined;
  private iterating = false;
  private readonly onAppend = (): void => this.wake?.();
  private readonly onAbort = (): void => void this.close();

  constructor(private readonly options: PollingSubscriptionOptions) {
    options.appended.on('appended', this.onAppend);
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (options.signal?.aborted) this.closed = true;
  }

  [Symbol.asyncIterator](): AsyncIterator<StoredEvent> {
    if (this.iterating) throw new Error('a subscription can be iterated only once');
    this.iterating = true;
    return this.events();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.release();
    this.wake?.();
  }

  private async *events(): AsyncGenerator<StoredEvent> {
    let position = this.options.after;
    try {
      while (!this.closed) {
        // The read is synchronous, so no append can slip in between an empty page and the sleep.
        const page = this.options.readPage(position);
        if (page.length === 0) {
          await this.sleep();
          continue;
        }
        for (const event of page) {
          if (this.closed) return;
          position = event.position;
          yield event;
        }
      }
    } finally {
      await this.close();
    }
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.options.pollIntervalMs);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }

  private release(): void {
    this.options.appended.off('appended', this.onAppend);
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.options.onClose();
  }
}
