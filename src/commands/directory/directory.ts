// A read-only view of the directory that deciders and policies receive as input (never by I/O).
import type { DepartmentKind, OrgUnitKind } from '../../events/directory-events.js';

export interface OrgUnit {
  readonly id: string;
  readonly name: string;
  readonly kind: OrgUnitKind;
  readonly parentId?: string;
  readonly gridType?: 'comprehensive' | 'dedicated';
}

export interface Department {
  readonly id: string;
  readonly name: string;
  readonly kind: DepartmentKind;
  readonly orgUnitId?: string;
}

export interface DirectoryView {
  orgUnit(id: string): OrgUnit | undefined;
  department(id: string): Department | undefined;
}

export function directoryOf(orgUnits: readonly OrgUnit[], departments: readonly Department[]): DirectoryView {
  const units = new Map(orgUnits.map((unit) => [unit.id, unit]));
  const depts = new Map(departments.map((dept) => [dept.id, dept]));
  return { orgUnit: (id) => units.get(id), department: (id) => depts.get(id) };
}

/** The org unit and its ancestors, nearest first; stops at a missing parent or a cycle. */
export function ancestry(directory: DirectoryView, orgUnitId: string): OrgUnit[] {
  const chain: OrgUnit[] = [];
  const seen = new Set<string>();
  for (let unit = directory.orgUnit(orgUnitId); unit && !seen.has(unit.id); ) {
    chain.push(unit);
    seen.add(unit.id);
    unit = unit.parentId === undefined ? undefined : directory.orgUnit(unit.parentId);
  }
  return chain;
}

/** True when orgUnitId lies inside the subtree rooted at scopeId ('*' is everything). */
export function isWithin(directory: DirectoryView, orgUnitId: string, scopeId: string): boolean {
  if (scopeId === '*') return true;
  return ancestry(directory, orgUnitId).some((unit) => unit.id === scopeId);
}
