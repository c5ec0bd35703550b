// Every read model the service keeps, in the order the runner applies them.
import { caseListProjection } from './case-list.js';
import { deadlinesProjection } from './deadlines.js';
import { departmentQueuesProjection } from './department-queues.js';
import { directoryProjection } from './directory.js';
import type { Projection } from './projection.js';
import { statisticsProjection } from './statistics.js';

export const ALL_PROJECTIONS: readonly Projection[] = [
  caseListProjection,
  departmentQueuesProjection,
  deadlinesProjection,
  statisticsProjection,
  directoryProjection,
];
