// Routes generated from the command table: parse → command → handle → answer. Conditional writes
// (If-Match), idempotent retries (Idempotency-Key) and the answer's shape are the same for all.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type TSchema, Type } from 'typebox';
import type { Actor } from '../commands/actor.js';
import type { CaseCommand } from '../commands/case/commands.js';
import type { CaseCommandHandler } from '../commands/handle-case-command.js';
import { PERSONAL_FIELDS } from '../events/case-events.js';
import { canonicalJson } from '../events/hash-chain.js';
import { uuidv7 } from '../events/ids.js';
import { deterministicId } from '../projections/deadline-process.js';
import { authenticate } from './auth.js';
import {
  COMMANDS,
  type CommandEntry,
  ID_PATTERN,
  type IdMaker,
  intakeBody,
  intakeCommand,
} from './command-table.js';
import { HttpProblem, problem } from './problem.js';
import { commandAnswer, errorResponses } from './schemas.js';

const MAX_KEY_LENGTH = 255;
/** The request id becomes every event's correlationId: it must be a short, printable token. */
const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

export interface CommandContext {
  readonly commandId: string;
  readonly ids: IdMaker;
  readonly expectedRevision?: number;
  readonly fingerprint?: string;
  readonly correlationId: string;
}

/** If-Match "<revision>" → the revision the write is conditional on. */
function parseIfMatch(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"(\d{1,15})"\s*$/.exec(value);
  if (!match)
    throw new HttpProblem(
      problem(400, 'invalid_if_match', 'If-Match must be a revision in quotes, such as "3"'),
    );
  return Number(match[1]);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The request digest behind an idempotency key is stored in the event's metadata and outlives any
 * erasure, so it never covers parties' personal data: hashing guesses must not confirm a name or phone.
 */
function impersonal(body: unknown): unknown {
  if (!isObject(body) || !Array.isArray(body.parties)) return body;
  const parties = body.parties.map((party) =>
    isObject(party)
      ? Object.fromEntries(
          Object.entries(party).filter(([field]) => !(PERSONAL_FIELDS as readonly string[]).includes(field)),
        )
      : party,
  );
  return { ...body, parties };
}

export function commandContext(request: FastifyRequest, actor: Actor): CommandContext {
  if (!REQUEST_ID.test(request.id)) {
    throw new HttpProblem(
      problem(400, 'invalid_request_id', 'an X-Request-Id has 1 to 200 visible ASCII characters'),
    );
  }
  const key = request.headers['idempotency-key'];
  if (Array.isArray(key) || (key !== undefined && (key.length === 0 || key.length > MAX_KEY_LENGTH))) {
    throw new HttpProblem(
      problem(400, 'invalid_idempotency_key', `an Idempotency-Key has 1 to ${MAX_KEY_LENGTH} characters`),
    );
  }
  const ifMatch = request.headers['if-match'];
  const expectedRevision = parseIfMatch(Array.isArray(ifMatch) ? ifMatch[0] : ifMatch);
  // Keys are the caller's own: the same key from two people is two commands.
  const commandId = key === undefined ? uuidv7() : deterministicId(`${actor.id}|${key}`);
  const fingerprint =
    key === undefined
      ? undefined
      : createHash('sha256')
          .update(
            `${request.method} ${request.url.split('?')[0]} ${canonicalJson(impersonal(request.body ?? {}))}`,
          )
          .digest('hex');
  return {
    commandId,
    ids: (label) => deterministicId(`${commandId}|${label}`),
    correlationId: request.id,
    ...(expectedRevision === undefined ? {} : { expectedRevision }),
    ...(fingerprint ? { fingerprint } : {}),
  };
}

async function run(
  handler: CaseCommandHandler,
  reply: FastifyReply,
  input: {
    caseId: string;
    command: CaseCommand;
    actor: Actor;
    context: CommandContext;
    created: boolean;
    answer?: Record<string, unknown>;
  },
) {
  const { caseId, command, actor, context } = input;
  const { ids: _ids, ...rest } = context;
  const result = await handler.handle({ caseId, command, actor, ...rest });
  reply.code(input.created ? 201 : 200).header('etag', `"${result.revision}"`);
  return { caseId, revision: result.revision, position: result.position, ...(input.answer ?? {}) };
}

const caseParams = (path: string): TSchema => {
  const names = ['id', ...[...path.matchAll(/:(\w+)/g)].map((m) => m[1]!)];
  return Type.Object(
    Object.fromEntries(
      names.map((name) => [name, Type.String({ minLength: 1, maxLength: 200, pattern: ID_PATTERN })]),
    ),
  );
};

const headers = Type.Object({
  'if-match': Type.Optional(
    Type.String({
      description: 'make the write conditional on the case still being at this revision, e.g. "3"',
    }),
  ),
  'idempotency-key': Type.Optional(
    Type.String({
      maxLength: MAX_KEY_LENGTH,
      description: 'a retry with the same key returns the first answer',
    }),
  ),
});

function registerCommand(app: FastifyInstance, handler: CaseCommandHandler, entry: CommandEntry): void {
  app.route({
    method: entry.method,
    url: `/api/v1/cases/:id${entry.path}`,
    schema: {
      operationId: entry.name,
      summary: entry.summary,
      tags: ['case commands'],
      security: [{ bearer: [] }],
      params: caseParams(entry.path),
      headers,
      ...(entry.method === 'POST'
        ? { body: entry.example ? { ...entry.body, examples: [entry.example] } : entry.body }
        : {}),
      response: { [entry.created ? 201 : 200]: commandAnswer, ...errorResponses },
    },
    handler: async (request, reply) => {
      const actor = await authenticate(request);
      const context = commandContext(request, actor);
      const params = request.params as Record<string, string>;
      const { command, answer } = entry.toCommand(request.body ?? {}, params, context.ids);
      return run(handler, reply, {
        caseId: params.id!,
        command,
        actor,
        context,
        created: entry.created ?? false,
        ...(answer ? { answer } : {}),
      });
    },
  });
}

export function registerCommandRoutes(app: FastifyInstance, handler: CaseCommandHandler): void {
  // The API takes JSON bodies only (DESIGN.md §8): without this, fastify's built-in text/plain parser
  // turns a text body into a string that fails its schema as a 400 instead of the 415 it is.
  app.removeContentTypeParser('text/plain');
  app.post(
    '/api/v1/cases',
    {
      schema: {
        operationId: 'submitCase',
        summary: 'Register a case (诉求受理登记): the answer names the case and a personId per party',
        tags: ['case commands'],
        security: [{ bearer: [] }],
        headers,
        body: intakeBody,
        response: {
          201: Type.Object({
            caseId: Type.String(),
            revision: Type.Integer(),
            position: Type.Integer(),
            parties: Type.Array(Type.Object({ personId: Type.String(), role: Type.String() })),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const actor = await authenticate(request);
      const context = commandContext(request, actor);
      const { caseId, command } = intakeCommand(
        request.body as Parameters<typeof intakeCommand>[0],
        context.ids,
      );
      const parties =
        command.type === 'SubmitCase'
          ? command.parties.map(({ personId, role }) => ({ personId, role }))
          : [];
      return run(handler, reply, { caseId, command, actor, context, created: true, answer: { parties } });
    },
  );
  for (const entry of COMMANDS) registerCommand(app, handler, entry);
}
