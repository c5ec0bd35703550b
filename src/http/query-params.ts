// What every query route shares: querystring parts (strings: the ajv does not coerce types, so numbers,
// booleans and instants are matched by pattern and converted here), read-your-writes, and sign-in
// before validation, so that a caller without a token learns nothing about the request's shape.
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Actor } from '../commands/actor.js';
import { ProjectionFailedError } from '../projections/projection.js';
import type { Service } from '../service.js';
import { authenticate } from './auth.js';
import { ID_PATTERN } from './command-table.js';
import { HttpProblem, problem } from './problem.js';

/** How long a query waits for the read models to reach the position it was asked to read. */
export const READ_YOUR_WRITES_MS = 2000;

export const slugParam = (description?: string) =>
  Type.String({
    minLength: 1,
    maxLength: 64,
    pattern: '^[a-z0-9][a-z0-9-]*$',
    ...(description ? { description } : {}),
  });
export const idParam = Type.String({ minLength: 1, maxLength: 200 });
/** A case id in a path: the same shape the command routes accept, so no other id can name a case. */
export const caseIdParam = Type.String({ minLength: 1, maxLength: 200, pattern: ID_PATTERN });
export const integerParam = (description: string) => Type.String({ pattern: '^[0-9]{1,15}$', description });
/** An instant with its offset: 2026-03-02T09:00:00+08:00 or 2026-03-02T01:00:00Z. */
export const instantParam = (description: string) =>
  Type.String({
    pattern:
      '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})$',
    description,
  });
export const oneOfParam = (values: readonly string[], description?: string) =>
  Type.String({ pattern: `^(${values.join('|')})$`, ...(description ? { description } : {}) });

export const positionParam = integerParam(
  'a global position a command answered: wait (up to 2 s) until the read models have applied it, ' +
    'to read your own write; 503 projection_timeout if they have not',
);

/** A 400 shaped like the schema validator's, for what a pattern cannot say (ranges, real dates). */
export function invalidQuery(field: string, message: string): HttpProblem {
  return new HttpProblem(
    problem(400, 'validation_failed', 'the request does not match its schema', {
      errors: [{ field: `querystring.${field}`, message }],
    }),
  );
}

export function integerIn(value: string, field: string, min: number, max: number): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < min || number > max)
    throw invalidQuery(field, `must be an integer from ${min} to ${max}`);
  return number;
}

export function instantOf(value: string, field: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw invalidQuery(field, 'must be a real date and time');
  return date;
}

/** Waits until the read models have applied `position` (when asked to), bounded. */
export async function readYourWrites(service: Service, position: string | undefined): Promise<void> {
  if (position === undefined) return;
  try {
    await service.runner.waitFor(
      integerIn(position, 'position', 0, Number.MAX_SAFE_INTEGER),
      READ_YOUR_WRITES_MS,
    );
  } catch (error) {
    if (error instanceof ProjectionFailedError)
      throw new HttpProblem(
        problem(503, 'projection_failed', 'the read models have stopped; try again later'),
      );
    throw error;
  }
}

/** An onRequest hook: sign-in is checked before the request is validated. */
export async function signedIn(request: FastifyRequest): Promise<void> {
  await authenticate(request);
}

export const forbidden = (actor: Actor, what: string): HttpProblem =>
  new HttpProblem(problem(403, 'forbidden', `a ${actor.role} may not ${what}`));

export const securedQuery = { security: [{ bearer: [] }] } as const;
