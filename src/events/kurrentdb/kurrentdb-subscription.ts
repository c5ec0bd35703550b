// A catch-up subscription to $all that survives disconnects and leader changes: it remembers the last
// position it passed and, after a transient failure, resubscribes from there with jittered backoff.
// The server delivers in log order, so skipping anything at or before that position rules out
// duplicates, and resubscribing from it rules out gaps.
import { setTimeout as sleep } from 'node:timers/promises';
import type { AllStreamSubscription } from '@kurrent/kurrentdb-client';
import type { StoredEvent, Subscription } from '../event-store.js';
import { commitOf, isRetryable, toStoredEvent, toStoreError } from './kurrentdb-mapping.js';

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

export interface KurrentDbSubscriptionOptions {
  /** Opens a server subscription delivering events after `after` (or from the start). */
  readonly open: (after: bigint | undefined) => AllStreamSubscription;
  readonly after: number | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Open subscriptions, so that closing the store can end them before it disposes the client. */
  readonly registry: Set<KurrentDbSubscription>;
}

/** Equal jitter: half the ceiling for sure, half at random, so reconnecting clients spread out. */
function retryDelay(failures: number): number {
  const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** failures);
  return ceiling / 2 + (Math.random() * ceiling) / 2;
}

function ignore(): void {}

export class KurrentDbSubscription implements Subscription {
  private closed = false;
  private iterating = false;
  private failures = 0;
  private current: AllStreamSubscription | undefined;
  private readonly stopped = new AbortController();
  private readonly onAbort = (): void => void this.close();

  constructor(private readonly options: KurrentDbSubscriptionOptions) {
    options.registry.add(this);
    if (options.signal?.aborted) void this.close();
    else options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<StoredEvent> {
    if (this.iterating) throw new Error('a subscription can be iterated only once');
    this.iterating = true;
    return this.events();
  }

  /** Ends iteration at once: a pending next() settles as done rather than waiting for an event. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopped.abort();
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.options.registry.delete(this);
    if (this.current) this.release(this.current);
  }

  private async *events(): AsyncGenerator<StoredEvent> {
    let last = this.options.after === undefined ? undefined : BigInt(this.options.after);
    try {
      while (!this.closed) {
        const subscription = this.openAfter(last);
        try {
          for await (const resolved of subscription) {
            if (this.closed) return;
            const commit = commitOf(resolved);
            if (commit === undefined || (last !== undefined && commit <= last)) continue;
            const event = toStoredEvent(resolved);
            // Skipped (foreign, non-JSON) events still move the resume point past them.
            last = commit;
            this.failures = 0;
            if (event) yield event;
          }
          // Reaching here means the server ended a live subscription; carry on from `last`.
        } catch (error) {
          if (this.closed) return;
          if (!isRetryable(error)) throw toStoreError(error);
        } finally {
          this.release(subscription);
        }
        await this.backoff();
      }
    } finally {
      await this.close();
    }
  }

  private openAfter(last: bigint | undefined): AllStreamSubscription {
    const subscription = this.options.open(last);
    this.current = subscription;
    // Errors reach the iterator through its own listener; this one keeps a late error after
    // teardown from becoming an uncaught 'error' event.
    subscription.on('error', ignore);
    subscription.on('caughtUp', () => {
      this.failures = 0;
    });
    return subscription;
  }

  /**
   * Destroying the readable ends a pending iteration now; cancelling the gRPC call is left to run in
   * the background because it first waits for the call to exist, which may take a whole discovery.
   */
  private release(subscription: AllStreamSubscription): void {
    if (this.current === subscription) this.current = undefined;
    subscription.destroy();
    subscription.unsubscribe().catch(ignore);
  }

  private async backoff(): Promise<void> {
    const delay = retryDelay(this.failures);
    this.failures += 1;
    await sleep(delay, undefined, { signal: this.stopped.signal }).catch(ignore);
  }
}
