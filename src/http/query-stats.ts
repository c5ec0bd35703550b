// GET /stats: the three rates of DESIGN.md §7 and the figures beside them, per period, for an org
// unit's subtree inside the caller's scope, a department and a category.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Role } from '../commands/actor.js';
import { orgUnitWithin } from '../projections/directory.js';
import { type Period, type StatisticsQuery, statistics } from '../projections/statistics-query.js';
import type { Service } from '../service.js';
import { authenticate } from './auth.js';
import { HttpProblem, problem } from './problem.js';
import {
  forbidden,
  instantOf,
  instantParam,
  invalidQuery,
  oneOfParam,
  positionParam,
  readYourWrites,
  signedIn,
  slugParam,
} from './query-params.js';
import { errorResponses } from './schemas.js';

const READERS: readonly Role[] = ['auditor', 'chair', 'supervisor', 'mediator'];

const query = Type.Object(
  {
    from: Type.Optional(instantParam('inclusive: the start of each figure’s clock')),
    to: Type.Optional(instantParam('exclusive; with from, every period in between is listed')),
    period: Type.Optional(oneOfParam(['day', 'week', 'month'], 'China time; default month')),
    orgUnit: Type.Optional(slugParam('an org unit inside your scope; default your scope')),
    department: Type.Optional(slugParam('summons of this department, and the cases it was summoned to')),
    category: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    position: Type.Optional(positionParam),
  },
  { additionalProperties: false },
);
type Query = { [K in keyof typeof query.properties]?: string };

const nullableNumber = Type.Union([Type.Number(), Type.Null()]);
const rate = Type.Object({ onTime: Type.Integer(), due: Type.Integer(), rate: nullableNumber });
const answer = Type.Object({
  orgUnitId: Type.Union([Type.String(), Type.Null()]),
  period: Type.String(),
  periods: Type.Array(
    Type.Object({
      period: Type.String({ description: "'2026-03-02' (day), '2026-W10' (ISO week), '2026-03' (month)" }),
      responseRate: rate,
      resolutionRate: rate,
      satisfactionRate: Type.Object({
        satisfied: Type.Integer(),
        basicallySatisfied: Type.Integer(),
        dissatisfied: Type.Integer(),
        rated: Type.Integer(),
        rate: nullableNumber,
      }),
      whistles: Type.Integer(),
      reopenRate: Type.Object({ reopened: Type.Integer(), resolved: Type.Integer(), rate: nullableNumber }),
      medianHoursToResolution: nullableNumber,
    }),
  ),
  departments: Type.Array(
    Type.Object({
      departmentId: Type.String(),
      summons: Type.Integer(),
      avgReportInMinutes: nullableNumber,
      p90ReportInMinutes: nullableNumber,
    }),
  ),
});

function statisticsQuery(q: Query, orgUnitId: string | undefined, now: Date): StatisticsQuery {
  const from = q.from === undefined ? undefined : instantOf(q.from, 'from');
  const to = q.to === undefined ? undefined : instantOf(q.to, 'to');
  if (from && to && from > to) throw invalidQuery('to', 'must not be before from');
  return {
    period: (q.period ?? 'month') as Period,
    now,
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(orgUnitId === undefined ? {} : { orgUnitId }),
    ...(q.department === undefined ? {} : { departmentId: q.department }),
    ...(q.category === undefined ? {} : { category: q.category }),
  };
}

export function registerStatsRoute(app: FastifyInstance, service: Service): void {
  app.get(
    '/api/v1/stats',
    {
      onRequest: signedIn,
      schema: {
        operationId: 'getStatistics',
        summary:
          'Response, resolution and satisfaction rates per period (mediators, chairs, supervisors, auditors)',
        tags: ['statistics'],
        security: [{ bearer: [] }],
        querystring: query,
        response: { 200: answer, ...errorResponses },
      },
    },
    async (request) => {
      const actor = await authenticate(request);
      if (!READERS.includes(actor.role)) throw forbidden(actor, 'read statistics');
      const q = request.query as Query;
      const orgUnit = q.orgUnit ?? (actor.scope === '*' ? undefined : actor.scope);
      const spec = statisticsQuery(q, orgUnit, service.clock());
      await readYourWrites(service, q.position);
      // An org unit outside the caller's scope answers as if it did not exist.
      if (orgUnit !== undefined && !orgUnitWithin(service.readModels.db, orgUnit, actor.scope))
        throw new HttpProblem(
          problem(404, 'org_unit_not_found', `there is no org unit ${orgUnit} in your scope`),
        );
      try {
        return {
          orgUnitId: orgUnit ?? null,
          period: spec.period,
          ...statistics(service.readModels.db, spec),
        };
      } catch (error) {
        if (error instanceof RangeError) throw invalidQuery('to', error.message);
        throw error;
      }
    },
  );
}
