// Audit over HTTP (DESIGN.md §5): a case's history and chain for those who oversee it (auditors,
// chairs and supervisors whose scope holds the case), and for auditors and administrators the whole
// log's verification, streamed as NDJSON progress, and seals.
import { Readable } from 'node:stream';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { caseHistory, UnreadableHistoryError } from '../audit/history.js';
import { LogNotIntactError, takeSeal } from '../audit/seal.js';
import type { SealReference } from '../audit/seal-check.js';
import { readSeals, type StoredSeal } from '../audit/seal-store.js';
import { type VerifyItem, verifyLog } from '../audit/verify.js';
import { verifyStream } from '../audit/verify-stream.js';
import type { Actor, Role } from '../commands/actor.js';
import { caseStream } from '../commands/case/case-repository.js';
import type { ExistingCase } from '../commands/case/state.js';
import { canSee } from '../commands/policy.js';
import { EventStoreError } from '../events/errors.js';
import type { Service } from '../service.js';
import { historyAnswer, historyQuery, sealSchema, streamReport, verifyQuery } from './audit-schemas.js';
import { authenticate } from './auth.js';
import { commandContext } from './command-routes.js';
import { HttpProblem, problem } from './problem.js';
import { caseAsOf } from './query-case.js';
import { caseIdParam, forbidden, integerIn, invalidQuery, signedIn } from './query-params.js';
import { errorResponses } from './schemas.js';

const CASE_OVERSEERS: readonly Role[] = ['auditor', 'chair', 'supervisor'];
const LOG_AUDITORS: readonly Role[] = ['auditor', 'admin'];

const notFound = () => new HttpProblem(problem(404, 'case_not_found', 'there is no such case'));

/** The case as it is now, for judging who may see it; undefined when there is none. */
async function caseForAccess(service: Service, caseId: string): Promise<ExistingCase | undefined> {
  try {
    const { state } = await service.cases.cases.load(caseId);
    return state.status === 'initial' ? undefined : state;
  } catch (error) {
    if (error instanceof EventStoreError) throw error;
    // A case altered in the database may no longer fold; its intake still says where it belongs.
    const intake = await caseAsOf(service.store, caseId, { revision: 0 }).catch(() => undefined);
    return intake?.state.status === 'initial' ? undefined : intake?.state;
  }
}

/** 403 for a role that never reads audit trails; 404 for a case outside the caller's scope. */
async function overseenCase(service: Service, actor: Actor, caseId: string): Promise<void> {
  if (!CASE_OVERSEERS.includes(actor.role)) throw forbidden(actor, "read a case's audit trail");
  const state = await caseForAccess(service, caseId);
  if (!state || !canSee(actor, state, await service.cases.directoryView(state))) throw notFound();
}

function auditorOf(actor: Actor, what: string): void {
  if (!LOG_AUDITORS.includes(actor.role)) throw forbidden(actor, what);
}

const caseRoute = (operationId: string, summary: string, response: object, querystring?: object) => ({
  onRequest: signedIn,
  schema: {
    operationId,
    summary,
    tags: ['audit'],
    security: [{ bearer: [] }],
    params: Type.Object({ id: caseIdParam }),
    ...(querystring ? { querystring } : {}),
    response: { 200: response, ...errorResponses },
  },
});

function registerCaseAudit(app: FastifyInstance, service: Service): void {
  app.get(
    '/api/v1/cases/:id/history',
    caseRoute(
      'getCaseHistory',
      "Every event of the case: who, when, why, its chain hashes; parties' personal data masked",
      historyAnswer,
      historyQuery,
    ),
    async (request) => {
      const actor = await authenticate(request);
      const { id } = request.params as { id: string };
      const q = request.query as { fromRevision?: string; limit?: string };
      const fromRevision =
        q.fromRevision === undefined ? 0 : integerIn(q.fromRevision, 'fromRevision', 0, 2 ** 31);
      const limit = q.limit === undefined ? 1000 : integerIn(q.limit, 'limit', 1, 10_000);
      await overseenCase(service, actor, id);
      try {
        return await caseHistory(service.store, id, { fromRevision, limit });
      } catch (error) {
        if (!(error instanceof UnreadableHistoryError)) throw error;
        throw new HttpProblem(problem(409, error.code, error.message));
      }
    },
  );
  app.get(
    '/api/v1/cases/:id/verify',
    caseRoute(
      'verifyCase',
      "Verifies the case's hash chain from its first event; names the first event that no longer matches",
      streamReport,
    ),
    async (request) => {
      const actor = await authenticate(request);
      const { id } = request.params as { id: string };
      await overseenCase(service, actor, id);
      return { caseId: id, ...(await verifyStream(service.store, caseStream(id))) };
    },
  );
}

async function sealReference(
  service: Service,
  q: { seal?: string; root?: string },
): Promise<SealReference | undefined> {
  if (q.seal === undefined) {
    if (q.root !== undefined) throw invalidQuery('root', 'name the seal whose root this is with ?seal=');
    return undefined;
  }
  const stored = (await readSeals(service.store)).find(({ seal }) => seal.sealId === q.seal);
  if (!stored) throw new HttpProblem(problem(404, 'seal_not_found', `there is no seal ${q.seal}`));
  const { sealId, position, root } = stored.seal;
  return { sealId, position, root: q.root ?? root, ...(stored.leaves ? { leaves: stored.leaves } : {}) };
}

/** NDJSON lines; a failure midway becomes a last line, since the status has long gone out. */
async function* ndjson(items: AsyncIterable<VerifyItem>, log: FastifyBaseLogger): AsyncGenerator<string> {
  try {
    for await (const item of items) yield `${JSON.stringify(item)}\n`;
  } catch (error) {
    log.error({ err: error }, 'the verification failed midway');
    const failed = {
      type: 'error',
      code: 'internal_error',
      detail: 'the verification stopped; it has been logged',
    };
    yield `${JSON.stringify(failed)}\n`;
  }
}

const sealView = (stored: StoredSeal, withLeaves: boolean) => ({
  ...stored.seal,
  storedAt: stored.storedAt,
  ...(withLeaves && stored.leaves ? { leaves: stored.leaves } : {}),
});

function registerLogAudit(app: FastifyInstance, service: Service): void {
  const logRoute = <R extends Record<number, unknown>>(
    operationId: string,
    summary: string,
    response: R,
    extra = {},
  ) => ({
    onRequest: signedIn,
    schema: {
      operationId,
      summary,
      tags: ['audit'],
      security: [{ bearer: [] }],
      ...extra,
      response: { ...response, ...errorResponses },
    },
  });
  app.get(
    '/api/v1/audit/verify',
    logRoute(
      'verifyLog',
      'Verifies every stream (and a seal, with ?seal=): NDJSON lines of progress, breaks, then a summary',
      {
        200: {
          description:
            '{"type":"progress"|"break"|"summary", …} one per line; the summary says whether all is intact',
          content: { 'application/x-ndjson': { schema: { type: 'string' } } },
        },
      },
      { querystring: verifyQuery },
    ),
    async (request, reply) => {
      auditorOf(await authenticate(request), 'verify the whole log');
      const q = request.query as { seal?: string; root?: string; progressEvery?: string };
      const seal = await sealReference(service, q);
      const progressEvery =
        q.progressEvery === undefined ? 10_000 : integerIn(q.progressEvery, 'progressEvery', 1, 10_000_000);
      const items = verifyLog(service.store, { progressEvery, ...(seal ? { seal } : {}) });
      reply
        .type('application/x-ndjson; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('x-accel-buffering', 'no');
      return reply.send(Readable.from(ndjson(items, request.log)));
    },
  );
  app.post(
    '/api/v1/audit/seals',
    logRoute(
      'takeSeal',
      'Verifies the log, then seals it: a Merkle root over every stream head at the head position (keep the root)',
      { 201: sealSchema },
    ),
    async (request, reply) => {
      const actor = await authenticate(request);
      auditorOf(actor, 'take a seal');
      const { correlationId } = commandContext(request, actor);
      try {
        const { seal } = await takeSeal(service.store, {
          actor,
          occurredAt: service.clock().toISOString(),
          correlationId,
        });
        reply.code(201);
        return seal;
      } catch (error) {
        if (!(error instanceof LogNotIntactError)) throw error;
        throw new HttpProblem(problem(409, error.code, error.message));
      }
    },
  );
  app.get(
    '/api/v1/audit/seals',
    logRoute('listSeals', 'The seals kept in the log, newest first', {
      200: Type.Object({ seals: Type.Array(sealSchema) }),
    }),
    async (request) => {
      auditorOf(await authenticate(request), 'read seals');
      const seals = await readSeals(service.store);
      return { seals: seals.reverse().map((stored) => sealView(stored, false)) };
    },
  );
  app.get(
    '/api/v1/audit/seals/:sealId',
    logRoute(
      'getSeal',
      'One seal with its leaves [stream, revision, head hash], to keep outside the system',
      { 200: sealSchema },
      {
        params: Type.Object({ sealId: Type.String({ minLength: 1, maxLength: 100 }) }),
      },
    ),
    async (request) => {
      auditorOf(await authenticate(request), 'read seals');
      const { sealId } = request.params as { sealId: string };
      const stored = (await readSeals(service.store)).find(({ seal }) => seal.sealId === sealId);
      if (!stored) throw new HttpProblem(problem(404, 'seal_not_found', `there is no seal ${sealId}`));
      return sealView(stored, true);
    },
  );
}

export function registerAuditRoutes(app: FastifyInstance, service: Service): void {
  registerCaseAudit(app, service);
  registerLogAudit(app, service);
}
