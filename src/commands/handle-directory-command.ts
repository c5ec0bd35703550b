// The command handler for the directory (admin only): create and rename org units and departments.

import type { DirectoryEvent } from '../events/directory-events.js';
import { departmentStream, directoryEventSchemas, orgUnitStream, slug } from '../events/directory-events.js';
import { ConcurrencyError } from '../events/errors.js';
import { type EventStore, readStreamToArray } from '../events/event-store.js';
import { GENESIS_HASH } from '../events/hash-chain.js';
import { uuidv7 } from '../events/ids.js';
import type { Actor } from './actor.js';
import {
  type DirectoryCommand,
  type DirectoryEntry,
  decideDirectory,
  evolveDirectory,
} from './directory/directory-decider.js';
import type { DirectoryRepository } from './directory/directory-repository.js';
import { DomainError } from './domain-error.js';
import { AccessDeniedError } from './policy.js';
import { recordEvents } from './record-events.js';

export interface DirectoryCommandResult {
  readonly id: string;
  readonly revision: number;
  readonly position: number;
  readonly replayed: boolean;
}

function streamOf(command: DirectoryCommand): { id: string; stream: string } {
  switch (command.type) {
    case 'CreateOrgUnit':
      return { id: command.unit.id, stream: orgUnitStream(command.unit.id) };
    case 'RenameOrgUnit':
      return { id: command.id, stream: orgUnitStream(command.id) };
    case 'CreateDepartment':
      return { id: command.department.id, stream: departmentStream(command.department.id) };
    case 'RenameDepartment':
      return { id: command.id, stream: departmentStream(command.id) };
  }
}

export class DirectoryCommandHandler {
  constructor(
    private readonly store: EventStore,
    private readonly directory: DirectoryRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async handle(
    command: DirectoryCommand,
    actor: Actor,
    commandId: string = uuidv7(),
    correlationId = commandId,
  ): Promise<DirectoryCommandResult> {
    if (actor.role !== 'admin')
      throw new AccessDeniedError(403, 'forbidden', 'only an administrator changes the directory');
    const { id, stream } = streamOf(command);
    if (!slug.safeParse(id).success) {
      throw new DomainError(
        'validation_failed',
        `id ${JSON.stringify(id)} must be a slug: lower-case letters, digits and dashes`,
      );
    }
    const history = await readStreamToArray(this.store, stream);
    const applied = history.find((event) => event.metadata.commandId === commandId);
    if (applied) return { id, revision: applied.revision, position: applied.position, replayed: true };
    const state = history.reduce<DirectoryEntry>(
      (entry, stored) => evolveDirectory(entry, stored as unknown as DirectoryEvent),
      { status: 'initial' },
    );
    const parentId = command.type === 'CreateOrgUnit' ? command.unit.parentId : undefined;
    const orgUnitId = command.type === 'CreateDepartment' ? command.department.orgUnitId : undefined;
    const parent = parentId === undefined ? undefined : await this.directory.orgUnit(parentId);
    const orgUnit = orgUnitId === undefined ? undefined : await this.directory.orgUnit(orgUnitId);
    const events = decideDirectory(command, state, {
      ...(parent ? { parent } : {}),
      ...(orgUnit ? { orgUnit } : {}),
    });
    const decided = events.map((event) => {
      const parsed = directoryEventSchemas[event.type].safeParse(event.data);
      if (!parsed.success) {
        throw new DomainError(
          'validation_failed',
          parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        );
      }
      return { ...event, schemaVersion: 1 };
    });
    const last = history.at(-1);
    const meta = { commandId, correlationId, occurredAt: this.clock().toISOString(), actor };
    const recorded = recordEvents(
      stream,
      history.length - 1,
      last ? String(last.metadata.hash) : GENESIS_HASH,
      decided,
      meta,
      uuidv7,
    );
    try {
      const result = await this.store.append(stream, recorded.events, {
        expectedRevision: last ? last.revision : 'noStream',
      });
      this.directory.remember(events.reduce(evolveDirectory, state));
      return { id, revision: result.nextExpectedRevision, position: result.position, replayed: false };
    } catch (error) {
      if (error instanceof ConcurrencyError) {
        throw new DomainError(
          command.type.startsWith('Create') ? 'directory_entry_exists' : 'concurrent_change',
          `${id} was changed at the same moment; try again`,
        );
      }
      throw error;
    }
  }
}
