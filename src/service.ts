// Puts the parts together for `casetrail serve` and the CLI: the event store, the read models and
// their runner, the command handlers and the deadline process.
import { join } from 'node:path';
import { DirectoryRepository } from './commands/directory/directory-repository.js';
import { CaseCommandHandler } from './commands/handle-case-command.js';
import { DirectoryCommandHandler } from './commands/handle-directory-command.js';
import type { Config } from './config.js';
import type { EventStore } from './events/event-store.js';
import { openEventStore } from './events/open-store.js';
import { ALL_PROJECTIONS } from './projections/all.js';
import { DeadlineProcess, type DeadlineProcessOptions } from './projections/deadline-process.js';
import { ReadModels } from './projections/read-models.js';
import { ProjectionRunner } from './projections/runner.js';

export interface Service {
  readonly store: EventStore;
  readonly readModels: ReadModels;
  readonly runner: ProjectionRunner;
  readonly cases: CaseCommandHandler;
  readonly directory: DirectoryCommandHandler;
  readonly deadlines: DeadlineProcess;
  /** The service's time: queries that judge deadlines ("overdue now") read it. */
  readonly clock: () => Date;
  close(): Promise<void>;
}

export interface ServiceOptions {
  readonly clock?: () => Date;
  /** Start the projection runner and the deadline process (the CLI's one-off commands do not). */
  readonly live?: boolean;
  readonly onDeadlineError?: DeadlineProcessOptions['onError'];
}

export const readModelsFile = (config: Pick<Config, 'dataDir'>): string =>
  join(config.dataDir, 'read-models.sqlite');

export async function openService(config: Config, options: ServiceOptions = {}): Promise<Service> {
  const clock = options.clock ?? (() => new Date());
  const store = await openEventStore(config.store, config.maxEventBytes);
  const readModels = new ReadModels(readModelsFile(config));
  const directoryRepository = new DirectoryRepository(store);
  const cases = new CaseCommandHandler({ store, directory: directoryRepository, clock });
  const directory = new DirectoryCommandHandler(store, directoryRepository, clock);
  const runner = new ProjectionRunner(store, readModels, ALL_PROJECTIONS, () => clock().getTime());
  const deadlines = new DeadlineProcess({
    readModels,
    handler: cases,
    clock,
    ...(options.onDeadlineError ? { onError: options.onDeadlineError } : {}),
  });
  if (options.live !== false) {
    await runner.start();
    deadlines.start();
  }
  return {
    store,
    readModels,
    runner,
    cases,
    directory,
    deadlines,
    clock,
    async close() {
      await deadlines.stop();
      await runner.stop();
      await store.close();
      readModels.close();
    },
  };
}
