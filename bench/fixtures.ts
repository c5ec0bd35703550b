// What the benchmarks register: one ordinary intake, the same in every section.
import type { CaseCommand } from '../src/commands/case/commands.js';

export const benchIntake = (caseId: string): CaseCommand => ({
  type: 'SubmitCase',
  caseId,
  kind: 'dispute',
  category: 'neighbour',
  title: '楼道堆放杂物',
  description: '居民反映楼道堆放杂物，存在消防隐患。',
  channel: 'gridPatrol',
  location: { orgUnitId: 'grid-1' },
  parties: [{ personId: `${caseId}-p1`, role: 'complainant', kind: 'person', name: '张伟' }],
  urgency: 'normal',
});
