// Who is acting: the claims of the caller's token (DESIGN.md §1), or the service itself.
export const ROLES = [
  'resident',
  'gridWorker',
  'mediator',
  'chair',
  'liaison',
  'supervisor',
  'auditor',
  'admin',
  'system',
] as const;
export type Role = (typeof ROLES)[number];

export interface Actor {
  readonly id: string;
  readonly role: Role;
  /** The org unit whose subtree the actor sees and acts in. */
  readonly scope: string;
  /** For liaisons: the department they speak for. */
  readonly dept?: string;
}

export const SYSTEM_ACTOR: Actor = { id: 'system', role: 'system', scope: '*' };

/** Staff who run cases (not residents, liaisons, auditors or admins). */
export const CASE_STAFF: readonly Role[] = ['mediator', 'chair', 'supervisor'];
