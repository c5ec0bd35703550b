// One case, replayed from its stream: as it is now, or as it stood at a revision or an instant (time
// travel). Whether the caller may see it is judged on the case as it is now.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { caseStream } from '../commands/case/case-repository.js';
import { type CaseState, evolve, initialState } from '../commands/case/state.js';
import { canSee } from '../commands/policy.js';
import { decodeCaseEvent } from '../events/case-codec.js';
import { StreamNotFoundError } from '../events/errors.js';
import type { EventStore } from '../events/event-store.js';
import type { Service } from '../service.js';
import { authenticate } from './auth.js';
import { caseView, caseViewSchema } from './case-view.js';
import { HttpProblem, problem } from './problem.js';
import {
  caseIdParam,
  instantOf,
  instantParam,
  integerIn,
  integerParam,
  invalidQuery,
  positionParam,
  readYourWrites,
  signedIn,
} from './query-params.js';
import { errorResponses } from './schemas.js';

const notFound = (detail = 'there is no such case') =>
  new HttpProblem(problem(404, 'case_not_found', detail));

const query = Type.Object(
  {
    revision: Type.Optional(integerParam('the case as it stood right after this revision (0 is its intake)')),
    at: Type.Optional(
      instantParam('the case as it stood at this instant (events that had occurred by then)'),
    ),
    position: Type.Optional(positionParam),
  },
  { additionalProperties: false },
);

type AsOf = { readonly revision: number } | { readonly at: Date };

/**
 * Folds the stream up to a revision, or over the events that had occurred by an instant. The
 * instant takes the longest prefix of the stream whose events occurred by then, so that the answer
 * is always the case at some real revision.
 */
export async function caseAsOf(
  store: EventStore,
  caseId: string,
  asOf: AsOf,
): Promise<{ state: CaseState; revision: number }> {
  let state = initialState();
  let revision = -1;
  const options = 'revision' in asOf ? { maxCount: asOf.revision + 1 } : {};
  try {
    for await (const stored of store.readStream(caseStream(caseId), options)) {
      if ('at' in asOf) {
        const occurred = Date.parse(String(stored.metadata.occurredAt ?? stored.recordedAt.toISOString()));
        if (occurred > asOf.at.getTime()) break;
      }
      state = evolve(state, decodeCaseEvent(stored));
      revision = stored.revision;
    }
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return { state, revision };
}

function asOfQuery(q: { revision?: string; at?: string }): AsOf | undefined {
  if (q.revision !== undefined && q.at !== undefined)
    throw invalidQuery('at', 'ask for a revision or an instant, not both');
  if (q.revision !== undefined) return { revision: integerIn(q.revision, 'revision', 0, 2 ** 31) };
  if (q.at !== undefined) return { at: instantOf(q.at, 'at') };
  return undefined;
}

export function registerCaseRoute(app: FastifyInstance, service: Service): void {
  app.get(
    '/api/v1/cases/:id',
    {
      onRequest: signedIn,
      schema: {
        operationId: 'getCase',
        summary:
          'The case replayed from its stream, now or (?revision= or ?at=) as it stood then; personal data masked',
        tags: ['cases'],
        security: [{ bearer: [] }],
        params: Type.Object({ id: caseIdParam }),
        querystring: query,
        response: { 200: caseViewSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = await authenticate(request);
      const { id } = request.params as { id: string };
      const q = request.query as { revision?: string; at?: string; position?: string };
      const asOf = asOfQuery(q);
      await readYourWrites(service, q.position);
      const loaded = await service.cases.cases.load(id);
      if (loaded.state.status === 'initial') throw notFound();
      const directory = await service.cases.directoryView(loaded.state);
      if (!canSee(actor, loaded.state, directory)) throw notFound();
      if (asOf === undefined) {
        reply.header('etag', `"${loaded.revision}"`);
        return caseView(loaded.state, loaded.revision);
      }
      if ('revision' in asOf && asOf.revision > loaded.revision)
        throw notFound(`the case has only reached revision ${loaded.revision}`);
      const then = await caseAsOf(service.store, id, asOf);
      if (then.state.status === 'initial') throw notFound('the case did not exist yet then');
      return caseView(then.state, then.revision);
    },
  );
}
