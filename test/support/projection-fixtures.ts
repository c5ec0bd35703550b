// Projections under test: the real command handler writes realistic events to a SQLite store, and a
// fresh read-model file applies them through each projection's own create/prepare.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { Test } from 'tap';
import type { Actor } from '../../src/commands/actor.js';
import type { CaseCommand } from '../../src/commands/case/commands.js';
import type { ExistingCase } from '../../src/commands/case/state.js';
import { MAX_PAGE_SIZE, type StoredEvent } from '../../src/events/event-store.js';
import type { Projection } from '../../src/projections/projection.js';
import { liveNames, ReadModels } from '../../src/projections/read-models.js';
import { T0 } from './case-fixtures.js';
import { type Harness, harness } from './handler-fixtures.js';

export interface ProjectionDb {
  readonly db: Database.Database;
  /** Applies events in one transaction, as the runner does with a batch. */
  apply(events: readonly StoredEvent[]): void;
  /** Every row of every table of the projections, sorted: what "nothing changed" compares. */
  dump(): Record<string, unknown[]>;
}

export function projectionDb(t: Test, projections: readonly Projection[]): ProjectionDb {
  const dir = mkdtempSync(join(tmpdir(), 'casetrail-projection-'));
  const readModels = new ReadModels(join(dir, 'read-models.sqlite'));
  const { db } = readModels;
  for (const projection of projections) projection.create(db, liveNames(projection), 'test');
  const appliers = projections.map((projection) => projection.prepare(db, liveNames(projection)));
  t.teardown(() => {
    readModels.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const applyAll = db.transaction((events: readonly StoredEvent[]) => {
    for (const event of events) for (const apply of appliers) apply(event);
  });
  const tables = projections.flatMap((projection) => projection.tables);
  return {
    db,
    apply: (events) => applyAll(events),
    dump: () =>
      Object.fromEntries(
        tables.map((table) => {
          const rows = db.prepare(`SELECT * FROM "${table}"`).all();
          return [table, rows.map((row) => JSON.stringify(row)).sort()];
        }),
      ),
  };
}

export interface Step {
  readonly events: StoredEvent[];
  readonly state: ExistingCase;
}

/** Drives the handler on a real store and hands back the events each command appended to the log. */
export class Scenario {
  private seen = 0;

  private constructor(readonly h: Harness) {}

  static async start(t: Test): Promise<Scenario> {
    return new Scenario(await harness(t));
  }

  /** Everything in the log not yet handed out: at first, the directory the harness created. */
  async newEvents(): Promise<StoredEvent[]> {
    const events = await this.readAfter(this.seen);
    this.seen = events.at(-1)?.position ?? this.seen;
    return events;
  }

  /** Moves the clock to `minute` after T0, then runs the command on the case. */
  async run(minute: number, caseId: string, command: CaseCommand, actor: Actor): Promise<Step> {
    const elapsed = (this.h.clock.read().getTime() - Date.parse(T0)) / 60_000;
    if (minute < elapsed)
      throw new Error(`the clock is at minute ${elapsed}; it cannot go back to ${minute}`);
    this.h.clock.advance(minute - elapsed);
    const result = await this.h.handler.handle({ caseId, command, actor });
    if (result.state.status === 'initial') throw new Error(`${command.type} left case ${caseId} uncreated`);
    return { events: await this.newEvents(), state: result.state };
  }

  /** Every event of the log so far, from the first. */
  all(): Promise<StoredEvent[]> {
    return this.readAfter(0);
  }

  private async readAfter(position: number): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    for (let after = position; ; ) {
      const page = await this.h.store.readAll({ after, limit: MAX_PAGE_SIZE });
      if (page.length === 0) return events;
      events.push(...page);
      after = page.at(-1)!.position;
    }
  }
}
