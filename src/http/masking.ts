// Personal data is masked in every answer (DESIGN.md §5): 138****5678. Only the recorded reveal call
// (privacy-routes.ts) shows it whole. An erased person reads '[erased]' whoever asks.
import type { Party } from '../events/case-events.js';

export function maskPhone(phone: string): string {
  const digits = phone.replace(/\s+/g, '');
  if (digits.length <= 4) return '*'.repeat(digits.length);
  if (digits.length < 8) return `${'*'.repeat(digits.length - 2)}${digits.slice(-2)}`;
  return `${digits.slice(0, 3)}${'*'.repeat(digits.length - 7)}${digits.slice(-4)}`;
}

export function maskIdNumber(idNumber: string): string {
  if (idNumber.length <= 8) return '*'.repeat(idNumber.length);
  return `${idNumber.slice(0, 4)}${'*'.repeat(idNumber.length - 8)}${idNumber.slice(-4)}`;
}

/** A person's name keeps its first character (the family name): 张伟 → 张*. */
export function maskName(name: string): string {
  const chars = [...name];
  return chars.length <= 1 ? '*' : `${chars[0]}${'*'.repeat(chars.length - 1)}`;
}

export function maskAddress(address: string): string {
  const chars = [...address];
  return chars.length <= 4 ? '****' : `${chars.slice(0, 4).join('')}****`;
}

export interface MaskedParty {
  readonly personId: string;
  readonly role: string;
  readonly kind: string;
  readonly name: string;
  readonly phone?: string;
  readonly idNumber?: string;
  readonly address?: string;
  readonly userId?: string;
  /** The person's key was erased: there is nothing personal left to show. */
  readonly erased?: boolean;
}

/** A party whose personal data is gone (erased) or was not opened (withheld): shown as it reads. */
function unreadable(party: Party): MaskedParty {
  return {
    personId: party.personId,
    role: party.role,
    kind: party.kind,
    name: party.name,
    ...(party.userId ? { userId: party.userId } : {}),
    ...(party.erased ? { erased: true } : {}),
  };
}

/** Organisations' names are not personal data; people's names, phones, id numbers and addresses are. */
export function maskParty(party: Party): MaskedParty {
  if (party.erased || party.withheld) return unreadable(party);
  return {
    personId: party.personId,
    role: party.role,
    kind: party.kind,
    name: party.kind === 'organization' ? party.name : maskName(party.name),
    ...(party.phone ? { phone: maskPhone(party.phone) } : {}),
    ...(party.idNumber ? { idNumber: maskIdNumber(party.idNumber) } : {}),
    ...(party.address ? { address: maskAddress(party.address) } : {}),
    ...(party.userId ? { userId: party.userId } : {}),
  };
}

/** The party whole, as the recorded reveal shows it (an erased person still reads as erased). */
export function revealParty(party: Party): MaskedParty {
  if (party.erased || party.withheld) return unreadable(party);
  const { erased: _erased, withheld: _withheld, ...whole } = party;
  return whole;
}
