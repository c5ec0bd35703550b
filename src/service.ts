// Puts the parts together for `casetrail serve` and the CLI: the event store, the read models and
// their runner, the person keys of crypto-shredding, the command handlers and the deadline process.
import { join } from 'node:path';
import { DirectoryRepository } from './commands/directory/directory-repository.js';
import { CaseCommandHandler } from './commands/handle-case-command.js';
import { DirectoryCommandHandler } from './commands/handle-directory-command.js';
import type { Config } from './config.js';
import { personalDataVault, setPersonalDataVault } from './events/case-codec.js';
import type { EventStore } from './events/event-store.js';
import { uuidv7 } from './events/ids.js';
import { openEventStore } from './events/open-store.js';
import { PersonErasure } from './privacy/erasure.js';
import { PersonKeyStore } from './privacy/key-store.js';
import { KeyStoreVault } from './privacy/personal-data.js';
import { RevealLog } from './privacy/reveal-log.js';
import { ALL_PROJECTIONS } from './projections/all.js';
import { DeadlineProcess, type DeadlineProcessOptions } from './projections/deadline-process.js';
import type { ProjectedChange } from './projections/projection.js';
import { ReadModels } from './projections/read-models.js';
import { ProjectionRunner } from './projections/runner.js';

export interface Service {
  readonly store: EventStore;
  readonly readModels: ReadModels;
  readonly runner: ProjectionRunner;
  readonly cases: CaseCommandHandler;
  readonly directory: DirectoryCommandHandler;
  readonly deadlines: DeadlineProcess;
  /** Personal data (DESIGN.md §5): the key per person, erasure, and the recorded reveals. */
  readonly privacy: {
    readonly keys: PersonKeyStore;
    readonly erasure: PersonErasure;
    readonly reveals: RevealLog;
  };
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
  const keys = new PersonKeyStore(config.keysFile, clock);
  const vault = new KeyStoreVault(keys);
  // Every reader of case events (the handler's cache, time travel, histories) opens parties through it.
  const previousVault = setPersonalDataVault(vault);
  const directoryRepository = new DirectoryRepository(store);
  const cases = new CaseCommandHandler({ store, directory: directoryRepository, clock, personalData: vault });
  const directory = new DirectoryCommandHandler(store, directoryRepository, clock);
  const runner = new ProjectionRunner(store, readModels, ALL_PROJECTIONS, () => clock().getTime());
  const erasure = new PersonErasure({
    store,
    keys,
    clock,
    newId: uuidv7,
    onErased: () => cases.cases.forgetAll(),
  });
  // An erasure made by another instance reaches this one through the log: forget what it opened.
  runner.changes.on('change', (changes: readonly ProjectedChange[]) => {
    if (changes.some((change) => change.type === 'PersonErased')) cases.cases.forgetAll();
  });
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
    privacy: { keys, erasure, reveals: new RevealLog(store, clock, uuidv7) },
    clock,
    async close() {
      await deadlines.stop();
      await runner.stop();
      await store.close();
      readModels.close();
      if (personalDataVault() === vault) setPersonalDataVault(previousVault);
      keys.close();
    },
  };
}
