// GET /cases: the case list with every filter of DESIGN.md §8, newest first, a page at a time. What a
// caller may see is part of the query itself, never a filter the client chooses.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Actor } from '../commands/actor.js';
import type { CaseStatus } from '../commands/case/state.js';
import { CASE_KINDS } from '../events/case-events.js';
import { type CaseListFilter, listCases } from '../projections/case-list-query.js';
import type { Service } from '../service.js';
import { authenticate } from './auth.js';
import {
  idParam,
  integerIn,
  integerParam,
  oneOfParam,
  positionParam,
  readYourWrites,
  signedIn,
  slugParam,
} from './query-params.js';
import { errorResponses } from './schemas.js';

const STATUSES = [
  'submitted',
  'accepted',
  'resolved',
  'closed',
  'rejected',
  'withdrawn',
  'merged',
] as const satisfies readonly CaseStatus[];

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

const query = Type.Object(
  {
    status: Type.Optional(oneOfParam(STATUSES)),
    kind: Type.Optional(oneOfParam(CASE_KINDS)),
    category: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    orgUnit: Type.Optional(slugParam('cases located in this org unit’s subtree')),
    department: Type.Optional(slugParam('cases that summoned this department')),
    assignee: Type.Optional(idParam),
    overdue: Type.Optional(oneOfParam(['true', 'false'], 'a summons clock has run out')),
    q: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'words in the title, description or notes' }),
    ),
    limit: Type.Optional(integerParam(`1 to ${MAX_LIMIT}; default ${DEFAULT_LIMIT}`)),
    cursor: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'nextCursor of the page before' }),
    ),
    position: Type.Optional(positionParam),
  },
  { additionalProperties: false },
);
type Query = { [K in keyof typeof query.properties]?: string };

const item = Type.Object({
  caseId: Type.String(),
  status: Type.String(),
  kind: Type.String(),
  category: Type.String(),
  title: Type.String(),
  urgency: Type.String(),
  level: Type.String(),
  orgUnitId: Type.String({ description: 'where the case is located' }),
  handlingOrgUnitId: Type.String({ description: 'the org unit handling it now' }),
  assigneeId: Type.Union([Type.String(), Type.Null()]),
  overdue: Type.Boolean(),
  massIncidentRisk: Type.Boolean(),
  submittedAt: Type.String(),
  updatedAt: Type.String(),
  revision: Type.Integer(),
});
const page = Type.Object({
  items: Type.Array(item),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'null on the last page' }),
});

/**
 * Residents see the cases they submitted or are a party to; liaisons those their department was
 * summoned to, takes part in, or (a court) was asked to confirm; everyone else the cases located in
 * their scope's subtree. This mirrors policy.ts canSee, which GET /cases/{id} applies to one case.
 */
export function visibility(actor: Actor): Pick<CaseListFilter, 'scope' | 'viewer'> {
  if (actor.role === 'resident') return { viewer: { kind: 'person', userId: actor.id } };
  if (actor.role === 'liaison') {
    return {
      viewer: {
        kind: 'liaison',
        userId: actor.id,
        ...(actor.dept === undefined ? {} : { departmentId: actor.dept }),
      },
    };
  }
  return { scope: actor.scope };
}

function filterOf(q: Query): CaseListFilter {
  const { status, kind, category, orgUnit, department, assignee, q: words } = q;
  return {
    ...(status === undefined ? {} : { status }),
    ...(kind === undefined ? {} : { kind }),
    ...(category === undefined ? {} : { category }),
    ...(orgUnit === undefined ? {} : { orgUnit }),
    ...(department === undefined ? {} : { department }),
    ...(assignee === undefined ? {} : { assignee }),
    ...(q.overdue === undefined ? {} : { overdue: q.overdue === 'true' }),
    ...(words === undefined ? {} : { q: words }),
  };
}

export function registerCaseListRoute(app: FastifyInstance, service: Service): void {
  app.get(
    '/api/v1/cases',
    {
      onRequest: signedIn,
      schema: {
        operationId: 'listCases',
        summary: 'The cases you may see, newest first, filtered; follow nextCursor for the next page',
        tags: ['cases'],
        security: [{ bearer: [] }],
        querystring: query,
        response: { 200: page, ...errorResponses },
      },
    },
    async (request) => {
      const actor = await authenticate(request);
      const q = request.query as Query;
      const limit = q.limit === undefined ? DEFAULT_LIMIT : integerIn(q.limit, 'limit', 1, MAX_LIMIT);
      await readYourWrites(service, q.position);
      const filter = { ...filterOf(q), ...visibility(actor) };
      return listCases(service.readModels.db, filter, {
        limit,
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
      });
    },
  );
}
