// Queries: the case replayed from its stream, the case list and the other read models.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { canSee } from '../commands/policy.js';
import type { Service } from '../service.js';
import { authenticate } from './auth.js';
import { caseView } from './case-view.js';
import { registerDirectoryRoutes } from './directory-routes.js';
import { HttpProblem, problem } from './problem.js';
import { errorResponses } from './schemas.js';

const notFound = () => new HttpProblem(problem(404, 'case_not_found', 'there is no such case'));

export function registerQueryRoutes(app: FastifyInstance, service: Service): void {
  registerDirectoryRoutes(app, service);
  app.get(
    '/api/v1/cases/:id',
    {
      schema: {
        operationId: 'getCase',
        summary: 'The case as its events make it now, replayed from its stream (personal data masked)',
        tags: ['cases'],
        security: [{ bearer: [] }],
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: errorResponses,
      },
    },
    async (request, reply) => {
      const actor = await authenticate(request);
      const { id } = request.params as { id: string };
      const loaded = await service.cases.cases.load(id);
      if (loaded.state.status === 'initial') throw notFound();
      const directory = await service.cases.directoryView(loaded.state);
      if (!canSee(actor, loaded.state, directory)) throw notFound();
      reply.header('etag', `"${loaded.revision}"`);
      return caseView(loaded.state, loaded.revision);
    },
  );
}
