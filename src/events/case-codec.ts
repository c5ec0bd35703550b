// Stored events → typed case events: upcast to the current schema version, then validate.
import {
  type CaseEvent,
  type CaseEventType,
  caseEventSchemas,
  caseEventVersions,
  isCaseEventType,
  type Party,
  type SealedParty,
  sealedPartySchema,
} from './case-events.js';
import type { JsonObject, StoredEvent } from './event-store.js';
import { upcast } from './upcasters.js';

/**
 * Encrypts and decrypts parties' personal data with a key per person (src/privacy). The events layer
 * only knows this port; the service installs the implementation.
 */
export interface PersonalDataVault {
  /** Seals a party's personal fields under the person's key (created on first use). */
  seal(party: Party): SealedParty;
  /** Opens them again; a person whose key was erased reads as erased. Throws when they do not authenticate. */
  open(party: SealedParty): Party;
}

let installedVault: PersonalDataVault | undefined;

/**
 * Installs the vault every reader decrypts through (openService does); returns the one it replaced, so
 * that closing a service can put it back. Without one, sealed personal data reads as withheld.
 */
export function setPersonalDataVault(vault: PersonalDataVault | undefined): PersonalDataVault | undefined {
  const previous = installedVault;
  installedVault = vault;
  return previous;
}

export function personalDataVault(): PersonalDataVault | undefined {
  return installedVault;
}

export interface DecodeOptions {
  /**
   * 'open' (the default) decrypts personal data through the installed vault; 'withhold' reads no key
   * and leaves every sealed party withheld — for readers that never show a person (the projections).
   */
  readonly personalData?: 'open' | 'withhold';
}

export class EventDecodingError extends Error {
  readonly code = 'event_decoding_failed';
  constructor(
    event: Pick<StoredEvent, 'stream' | 'revision' | 'type' | 'position'>,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(
      `cannot read ${event.type} at ${event.stream}@${event.revision} (position ${event.position}): ${reason}`,
      options,
    );
    this.name = 'EventDecodingError';
  }
}

/**
 * Data was validated when it was appended, and the hash chain guards it since; reads upcast, and open
 * the parties' sealed personal data (the only part whose shape on disk differs from the event's).
 */
export function decodeCaseEvent(stored: StoredEvent, options: DecodeOptions = {}): CaseEvent {
  if (!isCaseEventType(stored.type)) throw new EventDecodingError(stored, 'unknown event type');
  const version = typeof stored.metadata.schemaVersion === 'number' ? stored.metadata.schemaVersion : 1;
  const target = caseEventVersions[stored.type];
  if (version > target)
    throw new EventDecodingError(
      stored,
      `schema version ${version} is newer than this casetrail (${target})`,
    );
  const data = version < target ? upcast(stored.type, stored.data, version, target) : stored.data;
  const vault = options.personalData === 'withhold' ? undefined : installedVault;
  const opened = stored.type === 'CaseSubmitted' ? openParties(stored, data, vault) : data;
  return { type: stored.type, data: opened } as CaseEvent;
}

const isSealed = (party: unknown): boolean =>
  typeof party === 'object' && party !== null && 'personal' in party;

function openParties(
  stored: StoredEvent,
  data: JsonObject,
  vault: PersonalDataVault | undefined,
): JsonObject {
  const { parties } = data;
  if (!Array.isArray(parties) || !parties.some(isSealed)) return data;
  const opened = parties.map((party, index) => {
    if (!isSealed(party)) return party;
    const parsed = sealedPartySchema.safeParse(party);
    if (!parsed.success) throw new EventDecodingError(stored, `party ${index} has a malformed envelope`);
    if (!vault) return withheldParty(parsed.data);
    try {
      return vault.open(parsed.data);
    } catch (error) {
      throw new EventDecodingError(stored, (error as Error).message, { cause: error });
    }
  });
  return { ...data, parties: opened as JsonObject[] };
}

/** A sealed party read without opening it: who and in what role, nothing personal. */
export function withheldParty(party: SealedParty): Party {
  const { personal: _personal, ...open } = party;
  return { ...open, name: '[withheld]', withheld: true };
}

/** The event's data as it is stored: every party's personal data sealed by the vault. */
export function sealPersonalData(event: CaseEvent, vault: PersonalDataVault): object {
  if (event.type !== 'CaseSubmitted') return event.data;
  return { ...event.data, parties: event.data.parties.map((party) => vault.seal(party)) };
}

/** Validates a new event before it is appended; returns the schema version to record. */
export function validateNewCaseEvent(event: CaseEvent): number {
  const type: CaseEventType = event.type;
  const parsed = caseEventSchemas[type].safeParse(event.data);
  if (!parsed.success) {
    const fields = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(data)'}: ${issue.message}`,
    );
    throw new InvalidEventError(type, fields);
  }
  return caseEventVersions[type];
}

export class InvalidEventError extends Error {
  readonly code = 'validation_failed';
  constructor(
    readonly type: string,
    readonly fields: string[],
  ) {
    super(`${type} is not valid: ${fields.join('; ')}`);
    this.name = 'InvalidEventError';
  }
}
