// A party's personal fields (name, phone, ID number, address) sealed into one envelope under the
// person's key: AES-256-GCM, a fresh 96-bit IV each time, the person id as associated data (so an
// envelope copied onto another party does not open). An erased key reads as '[erased]'.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { PersonalDataVault } from '../events/case-codec.js';
import type { Party, PersonalEnvelope, PersonalFields, SealedParty } from '../events/case-events.js';
import type { PersonKeys } from './key-store.js';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The envelope does not authenticate: the stored bytes were altered, or sealed for someone else. */
export class PersonalDataError extends Error {
  readonly code = 'personal_data_unreadable';
  constructor(
    readonly personId: string,
    reason: string,
  ) {
    super(`the personal data of person ${personId} cannot be read: ${reason}`);
    this.name = 'PersonalDataError';
  }
}

/** Only the fields that are set, in a fixed order, so that the plaintext is the same JSON each time. */
function personalFields(party: Party): PersonalFields {
  return {
    name: party.name,
    ...(party.phone === undefined ? {} : { phone: party.phone }),
    ...(party.idNumber === undefined ? {} : { idNumber: party.idNumber }),
    ...(party.address === undefined ? {} : { address: party.address }),
  };
}

export function sealParty(party: Party, key: Buffer): SealedParty {
  if (party.erased || party.withheld)
    throw new PersonalDataError(party.personId, 'a party without its personal data cannot be sealed');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(party.personId, 'utf8'));
  const ct = Buffer.concat([cipher.update(JSON.stringify(personalFields(party)), 'utf8'), cipher.final()]);
  const personal: PersonalEnvelope = {
    v: 1,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ct: ct.toString('base64'),
  };
  const { personId, role, kind, userId } = party;
  return userId === undefined
    ? { personId, role, kind, personal }
    : { personId, role, kind, userId, personal };
}

/** The party as it was sealed, or (without a key) erased: its name '[erased]' and nothing else personal. */
export function openParty(sealed: SealedParty, key: Buffer | undefined): Party {
  const { personal, ...rest } = sealed;
  if (!key) return { ...rest, name: '[erased]', erased: true };
  let plaintext: string;
  try {
    const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(personal.iv, 'base64'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(sealed.personId, 'utf8'));
    decipher.setAuthTag(Buffer.from(personal.tag, 'base64'));
    plaintext = Buffer.concat([
      decipher.update(Buffer.from(personal.ct, 'base64')),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw new PersonalDataError(
      sealed.personId,
      'it does not authenticate (altered, or sealed for someone else)',
    );
  }
  return { ...rest, ...(JSON.parse(plaintext) as PersonalFields) };
}

/** The vault over a key store; keys are wiped from memory as soon as they have been used. */
export class KeyStoreVault implements PersonalDataVault {
  constructor(private readonly keys: PersonKeys) {}

  seal(party: Party): SealedParty {
    const key = this.keys.keyFor(party.personId);
    try {
      return sealParty(party, key);
    } finally {
      key.fill(0);
    }
  }

  open(party: SealedParty): Party {
    const key = this.keys.existingKey(party.personId);
    try {
      return openParty(party, key);
    } finally {
      key?.fill(0);
    }
  }
}
