// Opens the event store the configuration names. The KurrentDB client is loaded only when used.
import type { StoreConfig } from '../config.js';
import type { EventStore } from './event-store.js';
import { openSqliteEventStore } from './sqlite/sqlite-event-store.js';

export async function openEventStore(config: StoreConfig, maxEventBytes: number): Promise<EventStore> {
  if (config.kind === 'sqlite') {
    return openSqliteEventStore({ file: config.file, synchronous: config.synchronous, maxEventBytes });
  }
  const { createKurrentDbEventStore } = await import('./kurrentdb/kurrentdb-event-store.js');
  return createKurrentDbEventStore({ connectionString: config.connectionString, maxEventBytes });
}
