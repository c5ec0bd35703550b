// GET /departments/{id}/summons: a department's queue (吹哨报到) — the summons waiting for it to report
// in, those waiting for its response, and those whose clock has run out, judged at the service's now.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Actor, Role } from '../commands/actor.js';
import { casesWithin } from '../projections/case-list-query.js';
import {
  type DepartmentQueue,
  departmentQueue,
  type QueueItem,
} from '../projections/department-queues-query.js';
import { departmentExists } from '../projections/directory.js';
import type { Service } from '../service.js';
import { authenticate } from './auth.js';
import { HttpProblem, problem } from './problem.js';
import { forbidden, oneOfParam, positionParam, readYourWrites, signedIn, slugParam } from './query-params.js';
import { errorResponses } from './schemas.js';

/** Who may read a queue besides the department's own liaisons: they see the summons of cases in their scope. */
const OVERSEERS: readonly Role[] = ['mediator', 'chair', 'supervisor', 'auditor'];

const query = Type.Object(
  {
    status: Type.Optional(oneOfParam(['pending', 'reportedIn', 'overdue'], 'only this part of the queue')),
    position: Type.Optional(positionParam),
  },
  { additionalProperties: false },
);

const queueItem = Type.Object({
  caseId: Type.String(),
  departmentId: Type.String(),
  round: Type.Integer(),
  status: Type.String({ description: 'pending (to report in) or reportedIn (to respond)' }),
  clock: Type.String({ description: 'the clock now running: reportIn or respond' }),
  dueAt: Type.String(),
  overdue: Type.Boolean({ description: 'past dueAt now, whether or not the system has recorded it yet' }),
  overdueMarked: Type.Boolean(),
  summonedAt: Type.String(),
  reportInDueAt: Type.String(),
  reportedInAt: Type.Optional(Type.String()),
  respondDueAt: Type.Optional(Type.String()),
  category: Type.String(),
  urgency: Type.String(),
});
const answer = Type.Object({
  departmentId: Type.String(),
  now: Type.String({ description: 'the instant the clocks were judged at' }),
  pending: Type.Array(queueItem),
  reportedIn: Type.Array(queueItem),
  overdue: Type.Array(queueItem),
});

/**
 * A liaison reads its own department's whole queue. Mediators, chairs, supervisors and auditors read
 * any department's queue, narrowed to the summons of cases located in their scope's subtree (the
 * same rule as the case list), so a district-wide supervisor sees it whole.
 */
function narrow(
  service: Service,
  actor: Actor,
  departmentId: string,
  queue: DepartmentQueue,
): DepartmentQueue {
  if (actor.role === 'liaison' && actor.dept === departmentId) return queue;
  if (!OVERSEERS.includes(actor.role)) throw forbidden(actor, `read the queue of department ${departmentId}`);
  const all = [...queue.pending, ...queue.reportedIn, ...queue.overdue].map((item) => item.caseId);
  const inScope = casesWithin(service.readModels.db, all, actor.scope);
  const keep = (items: readonly QueueItem[]) => items.filter((item) => inScope.has(item.caseId));
  return { pending: keep(queue.pending), reportedIn: keep(queue.reportedIn), overdue: keep(queue.overdue) };
}

export function registerSummonsRoute(app: FastifyInstance, service: Service): void {
  app.get(
    '/api/v1/departments/:id/summons',
    {
      onRequest: signedIn,
      schema: {
        operationId: 'getDepartmentSummons',
        summary: 'A department’s queue of open summons: pending, reportedIn and overdue, with deadlines',
        tags: ['departments'],
        security: [{ bearer: [] }],
        params: Type.Object({ id: slugParam() }),
        querystring: query,
        response: { 200: answer, ...errorResponses },
      },
    },
    async (request) => {
      const actor = await authenticate(request);
      const { id } = request.params as { id: string };
      const q = request.query as { status?: 'pending' | 'reportedIn' | 'overdue'; position?: string };
      await readYourWrites(service, q.position);
      const mayAsk = (actor.role === 'liaison' && actor.dept === id) || OVERSEERS.includes(actor.role);
      if (!mayAsk) throw forbidden(actor, `read the queue of department ${id}`);
      const { db } = service.readModels;
      if (!departmentExists(db, id))
        throw new HttpProblem(problem(404, 'department_not_found', `there is no department ${id}`));
      const now = service.clock();
      const queue = departmentQueue(db, id, { now, ...(q.status ? { status: q.status } : {}) });
      return { departmentId: id, now: now.toISOString(), ...narrow(service, actor, id, queue) };
    },
  );
}
