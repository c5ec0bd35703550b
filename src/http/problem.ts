// One error handler for the whole API: every failure answers application/problem+json (RFC 9457)
// with a stable `code`. Details of a 5xx never leave the process.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../commands/domain-error.js';
import { RevisionMismatchError } from '../commands/handle-case-command.js';
import { AccessDeniedError } from '../commands/policy.js';
import { EventDecodingError, InvalidEventError } from '../events/case-codec.js';
import { ConcurrencyError, EventStoreError, InvalidAppendError } from '../events/errors.js';
import { InvalidCursorError } from '../projections/case-list-query.js';
import { ReadYourWritesTimeout } from '../projections/runner.js';

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail?: string;
  readonly errors?: ReadonlyArray<{ readonly field: string; readonly message: string }>;
  readonly instance?: string;
  /** On 412: the revision the case is at now, so that a client can reload exactly that. */
  readonly currentRevision?: number;
}

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problem(
  status: number,
  code: string,
  detail?: string,
  extra: Partial<Problem> = {},
): Problem {
  return {
    type: `https://casetrail.dev/problems/${code.replaceAll('_', '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    ...(detail ? { detail } : {}),
    ...extra,
  };
}

export class HttpProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = 'HttpProblem';
  }
}

/** fastify's own error codes for malformed requests, mapped to ours. */
const FASTIFY_CODES: Readonly<Record<string, [number, string]>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_content_length'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'body_too_large'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'empty_body'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'malformed_json'],
  FST_ERR_NOT_FOUND: [404, 'not_found'],
  FST_ERR_BAD_URL: [400, 'bad_url'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'uri_too_long'],
};

/** The property an issue is about: a missing or an unknown one is named by the issue's params. */
function issueProperty(keyword: string, params: Record<string, unknown>): string {
  if (keyword === 'required') return `.${String(params.missingProperty)}`;
  if (keyword === 'additionalProperties') return `.${String(params.additionalProperty)}`;
  return '';
}

function validationProblem(error: FastifyError): Problem {
  const errors = (error.validation ?? []).map((issue) => ({
    field: `${error.validationContext ?? 'body'}${issue.instancePath.replaceAll('/', '.')}${issueProperty(
      issue.keyword,
      issue.params as Record<string, unknown>,
    )}`,
    message: issue.message ?? 'is not valid',
  }));
  return problem(400, 'validation_failed', 'the request does not match its schema', { errors });
}

/** Maps anything thrown by a route to the problem a client should see. */
export function toProblem(error: unknown): Problem {
  if (error instanceof HttpProblem) return error.problem;
  if (error instanceof AccessDeniedError) return problem(error.status, error.code, error.message);
  if (error instanceof RevisionMismatchError)
    return problem(
      412,
      error.code,
      error.message,
      error.actual >= 0 ? { currentRevision: error.actual } : {},
    );
  if (error instanceof InvalidEventError) {
    return problem(400, 'validation_failed', error.message, {
      errors: error.fields.map((f) => ({ field: f.split(':')[0] ?? f, message: f })),
    });
  }
  if (error instanceof DomainError)
    return problem(error.code === 'validation_failed' ? 400 : 409, error.code, error.message);
  if (error instanceof ConcurrencyError)
    return problem(409, error.code, 'the case changed at the same moment; try again');
  if (error instanceof InvalidAppendError)
    return problem(error.code === 'payload_too_large' ? 413 : 400, error.code, error.message);
  if (error instanceof InvalidCursorError) return problem(400, error.code, error.message);
  if (error instanceof ReadYourWritesTimeout) return problem(503, error.code, error.message);
  // A stored event that no longer reads (altered bytes, an envelope that does not authenticate): the
  // details, logged, name the event; the client learns only that verification will find it.
  if (error instanceof EventDecodingError)
    return problem(500, 'event_unreadable', 'a stored event cannot be read; verifying the chain shows which');
  if (error instanceof EventStoreError && error.code === 'store_unavailable')
    return problem(503, error.code, 'the event store cannot be reached');
  const fastifyError = error as FastifyError;
  if (fastifyError?.validation) return validationProblem(fastifyError);
  const known = fastifyError?.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) return problem(known[0], known[1], fastifyError.message);
  const status = fastifyError?.statusCode;
  if (status === 429) return problem(429, 'rate_limited', 'too many requests; slow down');
  if (status === 503) return problem(503, 'overloaded', 'the service is overloaded; try again shortly');
  if (status !== undefined && status >= 400 && status < 500)
    return problem(status, 'bad_request', fastifyError.message);
  return problem(500, 'internal_error', 'something went wrong on our side; it has been logged');
}

export function sendProblem(reply: FastifyReply, value: Problem): FastifyReply {
  return reply.code(value.status).type('application/problem+json; charset=utf-8').send(value);
}

/**
 * For fastify's `frameworkErrors` server option: a malformed URL or an over-long path parameter is
 * refused by the router before any route runs, and should still answer problem+json.
 */
export function frameworkProblem(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  sendProblem(reply, { ...toProblem(error), instance: request.url.split('?')[0] });
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const value = { ...toProblem(error), instance: request.url.split('?')[0] };
    if (value.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: value.code, status: value.status }, 'request refused');
    if (value.status === 401) reply.header('www-authenticate', 'Bearer');
    return sendProblem(reply, value);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      ...problem(404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
      instance: request.url.split('?')[0],
    }),
  );
}
