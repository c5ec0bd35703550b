// The command handler for cases: load → authorize → decide → append with the expected revision.
// A command id already applied to the case returns the first result and appends nothing; a conflict
// is retried with jitter unless the caller pinned the revision (If-Match).
import { type PersonalDataVault, sealPersonalData, validateNewCaseEvent } from '../events/case-codec.js';
import type { CaseEvent } from '../events/case-events.js';
import { ConcurrencyError } from '../events/errors.js';
import type { EventStore } from '../events/event-store.js';
import { uuidv7 } from '../events/ids.js';
import type { Actor } from './actor.js';
import { type AppliedCommand, CaseRepository, caseStream, type LoadedCase } from './case/case-repository.js';
import type { CaseCommand } from './case/commands.js';
import { DEFAULT_DEADLINES, type Deadlines } from './case/deadlines.js';
import { decide } from './case/decide.js';
import { type CaseState, type ExistingCase, foldCase, initialState } from './case/state.js';
import type { DirectoryView } from './directory/directory.js';
import type { DirectoryRepository } from './directory/directory-repository.js';
import { DomainError } from './domain-error.js';
import { KeyedLock } from './keyed-lock.js';
import { authorize, canSee } from './policy.js';
import { recordEvents } from './record-events.js';

export interface CaseCommandRequest {
  readonly caseId: string;
  readonly command: CaseCommand;
  readonly actor: Actor;
  /** The idempotency key: the same id again returns the first result. */
  readonly commandId?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  /** If-Match: decide only if the case is still at this revision. */
  readonly expectedRevision?: number;
  /** A digest of the request behind an idempotency key: the same key with another request is refused. */
  readonly fingerprint?: string;
}

export interface CaseCommandResult {
  readonly caseId: string;
  readonly revision: number;
  readonly position: number;
  readonly events: readonly CaseEvent[];
  /** True when this command id had been applied before and nothing was appended now. */
  readonly replayed: boolean;
  readonly state: CaseState;
}

export interface CaseHandlerOptions {
  readonly store: EventStore;
  readonly directory: DirectoryRepository;
  readonly deadlines?: Deadlines;
  readonly clock?: () => Date;
  readonly newId?: () => string;
  readonly maxAttempts?: number;
  readonly repository?: CaseRepository;
  /**
   * Seals parties' personal data before it is chained and stored (DESIGN.md §5). openService always
   * gives one; without it (unit tests, benchmarks) parties are stored as the decider wrote them.
   */
  readonly personalData?: PersonalDataVault;
}

export class RevisionMismatchError extends DomainError {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super('revision_mismatch', `the case is at revision ${actual}, not ${expected}; reload it and try again`);
    this.name = 'RevisionMismatchError';
  }
}

export class CaseCommandHandler {
  readonly cases: CaseRepository;
  private readonly lock = new KeyedLock();
  private readonly clock: () => Date;
  private readonly newId: () => string;

  constructor(private readonly options: CaseHandlerOptions) {
    this.cases = options.repository ?? new CaseRepository(options.store);
    this.clock = options.clock ?? (() => new Date());
    this.newId = options.newId ?? (() => uuidv7());
  }

  /** The directory entries needed to decide who may see this case (or a case located there). */
  directoryView(state: Pick<ExistingCase, 'locationOrgUnitId' | 'orgUnitId'>): Promise<DirectoryView> {
    return this.options.directory.view([state.locationOrgUnitId, state.orgUnitId], []);
  }

  /** Commands on one case run one at a time in this process; other processes are caught by the revision. */
  async handle(request: CaseCommandRequest): Promise<CaseCommandResult> {
    const commandId = request.commandId ?? this.newId();
    const identified = { ...request, commandId };
    const result = await this.lock.run(request.caseId, () => this.attempt(identified, 1));
    // Outside the duplicate's lock, so that two opposite merges cannot wait on each other. A retried
    // merge runs this again, which completes a merge whose second half was interrupted.
    if (request.command.type === 'MergeCase') {
      await this.pointTargetBack(request.caseId, request.command.intoCaseId, identified);
    }
    return result;
  }

  private async attempt(request: CaseCommandRequest, attempt: number): Promise<CaseCommandResult> {
    const loaded = await this.cases.load(request.caseId);
    try {
      return await this.decideAndAppend(request, loaded);
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      this.cases.forget(request.caseId);
      if (request.expectedRevision !== undefined) {
        // The write that won may be this very command, retried through another instance: the caller
        // then gets its first answer, as any retry with its key does, rather than a 412 for its own write.
        const reloaded = await this.cases.load(request.caseId);
        if (request.commandId !== undefined && reloaded.commands.has(request.commandId))
          return this.decideAndAppend(request, reloaded);
        throw new RevisionMismatchError(
          request.expectedRevision,
          typeof error.actual === 'number' ? error.actual : -1,
        );
      }
      if (attempt >= (this.options.maxAttempts ?? 5)) throw error;
      await sleep(Math.random() * 10 * 2 ** attempt);
      return this.attempt(request, attempt + 1);
    }
  }

  private async decideAndAppend(request: CaseCommandRequest, loaded: LoadedCase): Promise<CaseCommandResult> {
    const { caseId, command, actor } = request;
    const commandId = request.commandId ?? this.newId();
    const applied = loaded.commands.get(commandId);
    if (applied) {
      if (request.fingerprint && applied.fingerprint && applied.fingerprint !== request.fingerprint) {
        throw new DomainError(
          'idempotency_key_reused',
          'this Idempotency-Key was already used for a different request',
        );
      }
      const { revision, position } = applied;
      return { caseId, revision, position, events: [], replayed: true, state: loaded.state };
    }
    const directory = await this.options.directory.view(
      orgUnitsOf(command, loaded.state),
      departmentsOf(command),
    );
    authorize(actor, command, loaded.state, directory);
    // Only after authorizing: a 412 names the case's revision, so it must not tell someone who may not
    // see the case that it exists, or how far it has come (they get the 404 anyone else gets).
    if (request.expectedRevision !== undefined && request.expectedRevision !== loaded.revision) {
      throw new RevisionMismatchError(request.expectedRevision, loaded.revision);
    }
    const mergeTarget =
      command.type === 'MergeCase' ? await this.mergeTargetFor(command.intoCaseId, actor) : undefined;
    const meta = {
      commandId,
      occurredAt: this.clock().toISOString(),
      actor,
      correlationId: request.correlationId ?? commandId,
      ...(request.causationId ? { causationId: request.causationId } : {}),
      ...(request.fingerprint ? { fingerprint: request.fingerprint } : {}),
    };
    const context = {
      meta,
      directory,
      deadlines: this.options.deadlines ?? DEFAULT_DEADLINES,
      ...(mergeTarget ? { mergeTarget } : {}),
    };
    const events = decide(command, loaded.state, context);
    if (events.length === 0) {
      const { revision, position, state } = loaded;
      return { caseId, revision, position, events, replayed: false, state };
    }
    // Validated as the decider wrote them, then sealed: the hash chain covers the ciphertext, so that
    // erasing a key later leaves every hash intact.
    const vault = this.options.personalData;
    const versions = events.map(validateNewCaseEvent);
    const decided = events.map((event, index) => ({
      type: event.type,
      data: vault ? sealPersonalData(event, vault) : event.data,
      schemaVersion: versions[index] ?? 1,
    }));
    const stream = caseStream(caseId);
    const recorded = recordEvents(stream, loaded.revision, loaded.headHash, decided, meta, this.newId);
    const expectedRevision = loaded.revision < 0 ? 'noStream' : loaded.revision;
    const result = await this.options.store.append(stream, recorded.events, { expectedRevision });
    const state = foldCase(events, loaded.state);
    const commands = (loaded.commands as Map<string, AppliedCommand>).set(commandId, {
      revision: result.nextExpectedRevision,
      position: result.position,
      ...(request.fingerprint ? { fingerprint: request.fingerprint } : {}),
    });
    const next = {
      state,
      revision: result.nextExpectedRevision,
      position: result.position,
      headHash: recorded.headHash,
      commands,
      generation: loaded.generation,
    };
    this.cases.remember(caseId, next);
    return { caseId, revision: next.revision, position: next.position, events, replayed: false, state };
  }

  /**
   * The case a duplicate goes into, as the actor may see it: one outside their scope is as if it did not
   * exist, so that a merge neither reveals it nor half-happens (the duplicate closed, the target refusing).
   */
  private async mergeTargetFor(intoCaseId: string, actor: Actor): Promise<CaseState> {
    const { state } = await this.cases.load(intoCaseId);
    if (state.status === 'initial') return state;
    return canSee(actor, state, await this.directoryView(state)) ? state : initialState();
  }

  /** Both histories point at each other: the case merged into records the duplicate. */
  private async pointTargetBack(
    duplicateCaseId: string,
    intoCaseId: string,
    merge: CaseCommandRequest,
  ): Promise<void> {
    const target: CaseCommandRequest = {
      caseId: intoCaseId,
      command: { type: 'RecordDuplicateMerged', duplicateCaseId },
      actor: merge.actor,
      commandId: `${merge.commandId}:merge-target`,
      correlationId: merge.correlationId ?? String(merge.commandId),
      ...(merge.commandId ? { causationId: merge.commandId } : {}),
    };
    await this.lock.run(intoCaseId, () => this.attempt(target, 1));
  }
}

/** The org units a decision about this command may consult (with their ancestors). */
function orgUnitsOf(command: CaseCommand, state: CaseState): string[] {
  if (command.type === 'SubmitCase') return [command.location.orgUnitId];
  if (state.status === 'initial') return [];
  return [state.locationOrgUnitId, state.orgUnitId];
}

function departmentsOf(command: CaseCommand): string[] {
  switch (command.type) {
    case 'WhistleDepartments':
      return [...command.departmentIds];
    case 'RequestJudicialConfirmation':
      return [command.courtId];
    case 'AddParticipant':
      return command.departmentId ? [command.departmentId] : [];
    default:
      return [];
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
