// Personal data over HTTP (DESIGN.md §5): a case's parties masked, or revealed whole to the staff who
// run it (the reveal recorded first, with who, when and why); the list of reveals for auditors; and
// erasure of a person (crypto-shredding) by an administrator.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { type Actor, CASE_STAFF } from '../commands/actor.js';
import type { ExistingCase } from '../commands/case/state.js';
import { isWithin } from '../commands/directory/directory.js';
import { canSee } from '../commands/policy.js';
import { REVEAL_REASON } from '../events/privacy-events.js';
import type { Reveal } from '../privacy/reveal-log.js';
import type { Service } from '../service.js';
import { authenticate } from './auth.js';
import { maskedParty } from './case-view.js';
import { commandContext } from './command-routes.js';
import { ID_PATTERN } from './command-table.js';
import { maskParty, revealParty } from './masking.js';
import { HttpProblem, problem } from './problem.js';
import {
  forbidden,
  integerIn,
  integerParam,
  invalidQuery,
  oneOfParam,
  positionParam,
  readYourWrites,
  securedQuery,
  signedIn,
} from './query-params.js';
import { errorResponses } from './schemas.js';

const id = Type.String({ minLength: 1, maxLength: 200, pattern: ID_PATTERN });
/** Who may see personal data whole: the staff who run cases, within the cases they may see. */
const REVEALERS: readonly string[] = CASE_STAFF;
const REVEAL_READERS: readonly string[] = ['auditor', 'admin'];
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 100;

const partiesQuery = Type.Object(
  {
    reveal: Type.Optional(oneOfParam(['true', 'false'], 'true: the parties whole; the reveal is recorded')),
    reason: Type.Optional(
      Type.String({
        minLength: REVEAL_REASON.min,
        maxLength: REVEAL_REASON.max,
        description: 'why you need to see the personal data; required with reveal=true, and recorded',
      }),
    ),
    position: Type.Optional(positionParam),
  },
  { additionalProperties: false },
);

const partiesAnswer = Type.Object({
  caseId: Type.String(),
  revision: Type.Integer(),
  revealed: Type.Boolean({ description: 'true when the parties are whole (and the reveal was recorded)' }),
  parties: Type.Array(maskedParty),
  reveal: Type.Optional(
    Type.Object({
      revision: Type.Integer({ description: 'the reveal’s revision in the audit-reveals stream' }),
      position: Type.Integer(),
      at: Type.String(),
    }),
  ),
});

const revealItem = Type.Object({
  revision: Type.Integer(),
  position: Type.Integer(),
  caseId: Type.String(),
  orgUnitId: Type.String(),
  personIds: Type.Array(Type.String()),
  reason: Type.String(),
  by: Type.String(),
  role: Type.String(),
  at: Type.String(),
});

const erasureAnswer = Type.Object({
  personId: Type.String(),
  erasedAt: Type.String(),
  revision: Type.Integer({ description: 'PersonErased’s revision in the person-<id> stream' }),
  position: Type.Integer(),
  alreadyErased: Type.Boolean({ description: 'erased before: nothing was recorded now' }),
});

function registerParties(app: FastifyInstance, service: Service): void {
  app.get(
    '/api/v1/cases/:id/parties',
    {
      onRequest: signedIn,
      schema: {
        operationId: 'getCaseParties',
        summary:
          'The case’s parties, masked; with reveal=true and a reason, whole (mediators, chairs, supervisors), the reveal recorded',
        tags: ['personal data'],
        ...securedQuery,
        params: Type.Object({ id }),
        querystring: partiesQuery,
        response: { 200: partiesAnswer, ...errorResponses },
      },
    },
    async (request) => {
      const actor = await authenticate(request);
      const { id: caseId } = request.params as { id: string };
      const q = request.query as { reveal?: string; reason?: string; position?: string };
      await readYourWrites(service, q.position);
      const { state, revision } = await visibleCase(service, actor, caseId);
      if (q.reveal !== 'true')
        return { caseId, revision, revealed: false, parties: state.parties.map(maskParty) };
      if (!REVEALERS.includes(actor.role)) throw forbidden(actor, 'see personal data unmasked');
      const reason = reasonOf(q.reason);
      const { commandId, correlationId } = commandContext(request, actor);
      // Recorded before anything is shown: a reveal that cannot be recorded shows nothing.
      const reveal = await service.privacy.reveals.record({
        caseId,
        orgUnitId: state.locationOrgUnitId,
        personIds: state.parties.filter((party) => !party.erased && !party.withheld).map((p) => p.personId),
        reason,
        actor,
        commandId,
        correlationId,
      });
      return {
        caseId,
        revision,
        revealed: true,
        parties: state.parties.map(revealParty),
        reveal: { revision: reveal.revision, position: reveal.position, at: reveal.at },
      };
    },
  );
}

/** The case now, if the actor may see it; a 404 otherwise, as if it did not exist. */
async function visibleCase(
  service: Service,
  actor: Actor,
  caseId: string,
): Promise<{ state: ExistingCase; revision: number }> {
  const { state, revision } = await service.cases.cases.load(caseId);
  if (state.status === 'initial' || !canSee(actor, state, await service.cases.directoryView(state)))
    throw new HttpProblem(problem(404, 'case_not_found', 'there is no such case'));
  return { state, revision };
}

/** The schema bounds the reason's length; a reveal also needs one that says something. */
function reasonOf(reason: string | undefined): string {
  const trimmed = reason?.trim() ?? '';
  if (trimmed.length < REVEAL_REASON.min)
    throw invalidQuery(
      'reason',
      `say why you need the personal data (${REVEAL_REASON.min} to ${REVEAL_REASON.max} characters)`,
    );
  return trimmed;
}

/** A scoped reader sees the reveals of cases in its scope; the directory is read once per org unit. */
function scopeFilter(service: Service, actor: Actor): (reveal: Reveal) => Promise<boolean> {
  const verdicts = new Map<string, Promise<boolean>>();
  return (reveal) => {
    const known = verdicts.get(reveal.orgUnitId);
    if (known) return known;
    const unit = { locationOrgUnitId: reveal.orgUnitId, orgUnitId: reveal.orgUnitId };
    const verdict = service.cases
      .directoryView(unit)
      .then((view) => isWithin(view, reveal.orgUnitId, actor.scope));
    verdicts.set(reveal.orgUnitId, verdict);
    return verdict;
  };
}

function registerRevealList(app: FastifyInstance, service: Service): void {
  app.get(
    '/api/v1/audit/reveals',
    {
      onRequest: signedIn,
      schema: {
        operationId: 'listReveals',
        summary: 'Who saw personal data unmasked, when and why: newest first (auditors, administrators)',
        tags: ['personal data'],
        ...securedQuery,
        querystring: Type.Object(
          {
            limit: Type.Optional(integerParam(`1 to ${MAX_LIMIT}; default ${DEFAULT_LIMIT}`)),
            before: Type.Optional(integerParam('nextBefore of the page before: older reveals')),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            reveals: Type.Array(revealItem),
            nextBefore: Type.Union([Type.Integer(), Type.Null()], { description: 'null on the last page' }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const actor = await authenticate(request);
      if (!REVEAL_READERS.includes(actor.role)) throw forbidden(actor, 'list the reveals of personal data');
      const q = request.query as { limit?: string; before?: string };
      const limit = q.limit === undefined ? DEFAULT_LIMIT : integerIn(q.limit, 'limit', 1, MAX_LIMIT);
      const before = q.before === undefined ? undefined : integerIn(q.before, 'before', 1, 2 ** 31);
      const page = await service.privacy.reveals.list({
        limit,
        ...(before === undefined ? {} : { before }),
        include: scopeFilter(service, actor),
      });
      return { reveals: page.reveals, nextBefore: page.nextBefore ?? null };
    },
  );
}

function registerErasure(app: FastifyInstance, service: Service): void {
  app.post(
    '/api/v1/persons/:id/erase',
    {
      onRequest: signedIn,
      schema: {
        operationId: 'erasePerson',
        summary:
          'Erase a person’s personal data (administrators): their key is deleted, so every copy reads as erased; the history still verifies',
        tags: ['personal data'],
        ...securedQuery,
        params: Type.Object({ id }),
        response: { 200: erasureAnswer, ...errorResponses },
      },
    },
    async (request) => {
      const actor = await authenticate(request);
      const { id: personId } = request.params as { id: string };
      const { commandId, correlationId } = commandContext(request, actor);
      return service.privacy.erasure.erase({ personId, actor, commandId, correlationId });
    },
  );
}

export function registerPrivacyRoutes(app: FastifyInstance, service: Service): void {
  registerParties(app, service);
  registerRevealList(app, service);
  registerErasure(app, service);
}
