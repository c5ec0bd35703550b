// Loads directory entries from their streams for decisions. An entry's kind and parent never change
// once created, so what was read stays good for deciding; names may be renamed and are refreshed.
import { type DirectoryEvent, departmentStream, orgUnitStream } from '../../events/directory-events.js';
import { type EventStore, readStreamToArray } from '../../events/event-store.js';
import { type Department, type DirectoryView, directoryOf, type OrgUnit } from './directory.js';
import { type DirectoryEntry, evolveDirectory } from './directory-decider.js';

export class DirectoryRepository {
  private readonly orgUnits = new Map<string, OrgUnit>();
  private readonly departments = new Map<string, Department>();

  constructor(private readonly store: EventStore) {}

  async entry(stream: string): Promise<{ entry: DirectoryEntry; revision: number }> {
    const events = await readStreamToArray(this.store, stream);
    const entry = events.reduce<DirectoryEntry>(
      (state, stored) => evolveDirectory(state, { type: stored.type, data: stored.data } as DirectoryEvent),
      { status: 'initial' },
    );
    return { entry, revision: events.length - 1 };
  }

  async orgUnit(id: string): Promise<OrgUnit | undefined> {
    const cached = this.orgUnits.get(id);
    if (cached) return cached;
    const { entry } = await this.entry(orgUnitStream(id));
    if (entry.status !== 'orgUnit') return undefined;
    this.orgUnits.set(id, entry.unit);
    return entry.unit;
  }

  async department(id: string): Promise<Department | undefined> {
    const cached = this.departments.get(id);
    if (cached) return cached;
    const { entry } = await this.entry(departmentStream(id));
    if (entry.status !== 'department') return undefined;
    this.departments.set(id, entry.department);
    return entry.department;
  }

  /** The org units named with all their ancestors, and the departments named: what a decision may consult. */
  async view(orgUnitIds: readonly string[], departmentIds: readonly string[]): Promise<DirectoryView> {
    const units: OrgUnit[] = [];
    const seen = new Set<string>();
    for (const start of orgUnitIds) {
      for (let id: string | undefined = start; id !== undefined && !seen.has(id); ) {
        seen.add(id);
        const unit = await this.orgUnit(id);
        if (!unit) break;
        units.push(unit);
        id = unit.parentId;
      }
    }
    const found = await Promise.all([...new Set(departmentIds)].map((id) => this.department(id)));
    return directoryOf(
      units,
      found.filter((dept): dept is Department => dept !== undefined),
    );
  }

  /** Called after this process wrote an entry, so the next decision sees it without a read. */
  remember(entry: DirectoryEntry): void {
    if (entry.status === 'orgUnit') this.orgUnits.set(entry.unit.id, entry.unit);
    if (entry.status === 'department') this.departments.set(entry.department.id, entry.department);
  }
}
