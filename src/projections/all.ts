// Every read model the service keeps, in the order the runner applies them.
import { caseListProjection } from './case-list.js';
import type { Projection } from './projection.js';

export const ALL_PROJECTIONS: readonly Projection[] = [caseListProjection];
