// /health: the process answers. /ready: the event store answers and the read models are caught up
// (and not ahead of it).
import type { FastifyInstance } from 'fastify';
import type { Service } from '../service.js';
import { problem, sendProblem } from './problem.js';

/** Read models further behind the log than this are not ready to answer queries. */
const READY_LAG_POSITIONS = 10_000;

export function registerHealthRoutes(app: FastifyInstance, service: Service): void {
  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
    let head: number;
    try {
      head = (await service.store.headPosition()) ?? 0;
    } catch (error) {
      return sendProblem(
        reply,
        problem(503, 'store_unavailable', `the event store does not answer: ${(error as Error).message}`),
      );
    }
    const projections = service.runner.status();
    if (projections.failure) {
      return sendProblem(reply, problem(503, 'projection_failed', projections.failure.message));
    }
    const behind = head - projections.checkpoint;
    if (behind < 0) {
      // Only a log that lost events, or read models built from another log, gets here: their answers
      // would show what the log does not hold.
      return sendProblem(
        reply,
        problem(
          503,
          'projections_ahead',
          `the read models are at position ${projections.checkpoint}, past the log's head ${head}: rebuild them from this log`,
        ),
      );
    }
    if (behind > READY_LAG_POSITIONS) {
      return sendProblem(
        reply,
        problem(503, 'projections_behind', `the read models are ${behind} positions behind the log`),
      );
    }
    return {
      status: 'ready',
      store: { reachable: true, headPosition: head },
      projections: { checkpoint: projections.checkpoint, behind, lagMs: projections.lagMs },
    };
  });
}
