// Rebuilds read models from zero into fresh tables while the live ones keep answering, then swaps
// them in within one transaction once they have caught up with the live checkpoint.
import { randomBytes } from 'node:crypto';
import type { EventStore, StoredEvent } from '../events/event-store.js';
import { type Projection, ProjectionFailedError } from './projection.js';
import { dropTables, liveNames, type ReadModels, rebuildNames } from './read-models.js';

const PAGE = 2000;

export interface RebuildReport {
  readonly projections: readonly string[];
  readonly events: number;
  readonly position: number;
  readonly seconds: number;
}

export async function rebuild(
  store: EventStore,
  readModels: ReadModels,
  projections: readonly Projection[],
  onProgress?: (position: number, target: number) => void,
): Promise<RebuildReport> {
  const startedAt = process.hrtime.bigint();
  const { db } = readModels;
  const tag = randomBytes(4).toString('hex');
  db.transaction(() => {
    for (const projection of projections) {
      dropTables(db, rebuildNames(projection));
      projection.create(db, rebuildNames(projection), tag);
    }
  })();
  const appliers = projections.map((p) => ({ name: p.name, apply: p.prepare(db, rebuildNames(p)) }));
  const applyPage = db.transaction((page: readonly StoredEvent[]) => {
    for (const event of page) {
      for (const { name, apply } of appliers) {
        try {
          apply(event);
        } catch (error) {
          throw new ProjectionFailedError(name, event.position, event.id, event.type, error);
        }
      }
    }
  });
  // Rebuilding every installed model may go past the live checkpoint and move it; rebuilding only
  // some must stop exactly at it, or the others would skip what the rebuilt ones took.
  const rebuilt = new Set(projections.map((p) => p.name));
  const advance = readModels.installedNames().every((name) => rebuilt.has(name));
  let position = 0;
  let events = 0;
  for (;;) {
    const live = readModels.checkpoint();
    const target = advance ? Math.max(live, (await store.headPosition()) ?? 0) : live;
    while (position < target) {
      const page = (await store.readAll({ after: position, limit: PAGE })).filter(
        (e) => e.position <= target,
      );
      if (page.length === 0) break;
      // BEGIN IMMEDIATE: the models read before they write, and a deferred transaction that reads
      // while the live runner commits cannot upgrade to a write (SQLITE_BUSY_SNAPSHOT, no waiting).
      applyPage.immediate(page);
      events += page.length;
      position = page.at(-1)!.position;
      onProgress?.(position, target);
    }
    const swapped = db
      .transaction(() => {
        const now = readModels.checkpoint();
        if (advance ? now > position : now !== position) return false;
        for (const projection of projections) {
          dropTables(db, liveNames(projection));
          for (const table of projection.tables)
            db.exec(`ALTER TABLE "${table}__rebuild" RENAME TO "${table}"`);
          readModels.recordVersion(projection);
        }
        if (advance) readModels.moveCheckpoint(position);
        return true;
      })
      .immediate();
    if (swapped) break;
  }
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  return { projections: projections.map((p) => p.name), events, position, seconds };
}
