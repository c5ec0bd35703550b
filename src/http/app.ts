// The fastify app factory. Everything it needs arrives injected, so tests, the CLI and the demo build
// exactly the same app.
import { createHash } from 'node:crypto';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import underPressure from '@fastify/under-pressure';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from '../config.js';
import type { Service } from '../service.js';
import { registerAuditRoutes } from './audit-routes.js';
import { registerAuth } from './auth.js';
import { registerCommandRoutes } from './command-routes.js';
import { registerHealthRoutes } from './health-routes.js';
import type { JwksOptions } from './jwks.js';
import { registerPrivacyRoutes } from './privacy-routes.js';
import { frameworkProblem, HttpProblem, installErrorHandling, problem } from './problem.js';
import { registerQueryRoutes } from './query-routes.js';
import { problemSchema } from './schemas.js';

export interface AppOptions {
  readonly service: Service;
  readonly config: Pick<Config, 'logLevel'>;
  readonly jwtSecret: string;
  readonly logger?: boolean;
  /** Requests per minute per token (or per address without one). */
  readonly rateLimitPerMinute?: number;
  readonly bodyLimit?: number;
  /** An identity provider's key set, for RS256/ES256 tokens besides the service's own HS256 ones. */
  readonly jwks?: JwksOptions;
  /** Where log lines go (standard output by default); tests read them from here. */
  readonly logStream?: NodeJS.WritableStream;
}

/** Personal data and credentials never reach a log line. */
export const LOG_REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.phone',
  '*.idNumber',
  '*.address',
  '*.parties',
  '*.body',
];

/**
 * Requests are logged by path only: a query string can hold a search for a person's name (?q=张伟),
 * and bodies (which hold parties' details) are never logged.
 */
const serializers = {
  req: (request: { method: string; url: string; id: string }) => ({
    method: request.method,
    path: request.url.split('?')[0],
    requestId: request.id,
  }),
};

function loggerOptions(options: AppOptions): FastifyServerOptions['logger'] {
  if (options.logger === false) return false;
  return {
    level: options.config.logLevel,
    redact: { paths: LOG_REDACT, censor: '[redacted]' },
    serializers,
    ...(options.logStream ? { stream: options.logStream } : {}),
  };
}

/**
 * JSON in UTF-8 only (RFC 8259 §8.1): a body declared in another charset would otherwise be read as
 * UTF-8 and stored garbled. Everything else is fastify's own parser, with its prototype-poisoning checks.
 */
function acceptUtf8JsonOnly(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1];
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
      const detail = `JSON is read as UTF-8; charset=${charset.slice(0, 40)} is not accepted`;
      done(new HttpProblem(problem(415, 'unsupported_media_type', detail)), undefined);
      return;
    }
    parseJson(request, body as string, done);
  });
}

/** Rate limits are per token: a hash of the bearer, so the token itself is not kept as a key. */
function rateKey(request: { headers: Record<string, unknown>; ip: string }): string {
  const authorization = request.headers.authorization;
  if (typeof authorization !== 'string') return `ip:${request.ip}`;
  return `token:${createHash('sha256').update(authorization).digest('base64url').slice(0, 22)}`;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(options),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    requestIdHeader: 'x-request-id',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
    return503OnClosing: true,
    // Requests the router refuses before any route runs (a 414, broken percent-encoding) are problems too.
    frameworkErrors: frameworkProblem,
  });
  installErrorHandling(app);
  acceptUtf8JsonOnly(app);
  app.addSchema(problemSchema);
  await app.register(helmet, { contentSecurityPolicy: false });
  await app.register(underPressure, {
    maxEventLoopDelay: 1000,
    retryAfter: 5,
    pressureHandler: (_request, reply) => {
      reply.code(503).header('retry-after', '5').type('application/problem+json; charset=utf-8');
      reply.send({
        type: 'about:blank',
        title: 'Service Unavailable',
        status: 503,
        code: 'overloaded',
        detail: 'the service is overloaded; try again shortly',
      });
    },
  });
  await app.register(rateLimit, {
    max: options.rateLimitPerMinute ?? 6000,
    timeWindow: '1 minute',
    keyGenerator: rateKey,
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'casetrail',
        version: '0.1.0',
        description: 'Case tracking for community mediation: DESIGN.md §8',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await registerAuth(app, options.jwtSecret, options.jwks);
  registerHealthRoutes(app, options.service);
  registerCommandRoutes(app, options.service.cases);
  registerQueryRoutes(app, options.service);
  registerAuditRoutes(app, options.service);
  registerPrivacyRoutes(app, options.service);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
