// The directory's own decider: org units form the district → street → community → grid tree, and
// departments may belong to an org unit. Each entry is its own stream.
import type { DirectoryEvent } from '../../events/directory-events.js';
import { ORG_UNIT_KINDS } from '../../events/directory-events.js';
import { DomainError } from '../domain-error.js';
import type { Department, OrgUnit } from './directory.js';

export type DirectoryCommand =
  | { readonly type: 'CreateOrgUnit'; readonly unit: OrgUnit }
  | { readonly type: 'RenameOrgUnit'; readonly id: string; readonly name: string }
  | { readonly type: 'CreateDepartment'; readonly department: Department }
  | { readonly type: 'RenameDepartment'; readonly id: string; readonly name: string };

export type DirectoryEntry =
  | { readonly status: 'initial' }
  | { readonly status: 'orgUnit'; readonly unit: OrgUnit }
  | { readonly status: 'department'; readonly department: Department };

export function evolveDirectory(state: DirectoryEntry, event: DirectoryEvent): DirectoryEntry {
  switch (event.type) {
    case 'OrgUnitCreated':
      return { status: 'orgUnit', unit: event.data };
    case 'OrgUnitRenamed':
      return state.status === 'orgUnit'
        ? { ...state, unit: { ...state.unit, name: event.data.name } }
        : state;
    case 'DepartmentCreated':
      return { status: 'department', department: event.data };
    case 'DepartmentRenamed':
      return state.status === 'department'
        ? { ...state, department: { ...state.department, name: event.data.name } }
        : state;
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

/** The parent an org unit of this kind must have: exactly one level up (none for a district). */
function checkParent(unit: OrgUnit, parent: OrgUnit | undefined): void {
  const level = ORG_UNIT_KINDS.indexOf(unit.kind);
  if (level === 0) {
    if (unit.parentId !== undefined) throw new DomainError('invalid_parent', 'a district has no parent');
    return;
  }
  if (!parent)
    throw new DomainError(
      'unknown_org_unit',
      `a ${unit.kind} needs an existing parent; ${unit.parentId ?? 'none'} is not one`,
    );
  if (parent.kind !== ORG_UNIT_KINDS[level - 1]) {
    throw new DomainError(
      'invalid_parent',
      `a ${unit.kind} belongs to a ${ORG_UNIT_KINDS[level - 1]}, not a ${parent.kind}`,
    );
  }
}

/** `parent` and `orgUnit` are the referenced entries, looked up by the caller. */
export function decideDirectory(
  command: DirectoryCommand,
  state: DirectoryEntry,
  refs: { readonly parent?: OrgUnit; readonly orgUnit?: OrgUnit },
): DirectoryEvent[] {
  switch (command.type) {
    case 'CreateOrgUnit': {
      const { unit } = command;
      if (state.status !== 'initial')
        throw new DomainError('org_unit_exists', `org unit ${unit.id} already exists`);
      checkParent(unit, refs.parent);
      if (unit.gridType !== undefined && unit.kind !== 'grid') {
        throw new DomainError('validation_failed', 'only a grid has a gridType');
      }
      const data = unit.kind === 'grid' ? { ...unit, gridType: unit.gridType ?? 'comprehensive' } : unit;
      return [{ type: 'OrgUnitCreated', data }];
    }
    case 'CreateDepartment': {
      const { department } = command;
      if (state.status !== 'initial')
        throw new DomainError('department_exists', `department ${department.id} already exists`);
      if (department.orgUnitId !== undefined && !refs.orgUnit) {
        throw new DomainError('unknown_org_unit', `there is no org unit ${department.orgUnitId}`);
      }
      return [{ type: 'DepartmentCreated', data: department }];
    }
    case 'RenameOrgUnit':
      if (state.status !== 'orgUnit')
        throw new DomainError('unknown_org_unit', `there is no org unit ${command.id}`);
      return [{ type: 'OrgUnitRenamed', data: { id: command.id, name: command.name } }];
    case 'RenameDepartment':
      if (state.status !== 'department')
        throw new DomainError('unknown_department', `there is no department ${command.id}`);
      return [{ type: 'DepartmentRenamed', data: { id: command.id, name: command.name } }];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}
