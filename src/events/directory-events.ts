// The directory: org units (district → street → community → grid) and departments, each its own stream.
import { z } from 'zod';

export const ORG_UNIT_KINDS = ['district', 'street', 'community', 'grid'] as const;
export const GRID_TYPES = ['comprehensive', 'dedicated'] as const;
export const DEPARTMENT_KINDS = [
  'police',
  'judicial',
  'labourArbitration',
  'court',
  'legalAid',
  'utility',
  'propertyManagement',
  'civilAffairs',
  'other',
] as const;

export type OrgUnitKind = (typeof ORG_UNIT_KINDS)[number];
export type DepartmentKind = (typeof DEPARTMENT_KINDS)[number];

/** Directory ids are slugs chosen by the caller. */
export const slug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes');
const name = z
  .string()
  .max(200)
  .refine((value) => value.trim().length > 0, 'must not be blank');

export const directoryEventSchemas = {
  OrgUnitCreated: z.object({
    id: slug,
    name,
    kind: z.enum(ORG_UNIT_KINDS),
    parentId: slug.optional(),
    gridType: z.enum(GRID_TYPES).optional(),
  }),
  OrgUnitRenamed: z.object({ id: slug, name }),
  DepartmentCreated: z.object({
    id: slug,
    name,
    kind: z.enum(DEPARTMENT_KINDS),
    orgUnitId: slug.optional(),
  }),
  DepartmentRenamed: z.object({ id: slug, name }),
} as const;

export type DirectoryEventType = keyof typeof directoryEventSchemas;
export type DirectoryEvent = {
  [T in DirectoryEventType]: { readonly type: T; readonly data: z.infer<(typeof directoryEventSchemas)[T]> };
}[DirectoryEventType];

export const orgUnitStream = (id: string): string => `orgunit-${id}`;
export const departmentStream = (id: string): string => `department-${id}`;
