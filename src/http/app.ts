// The fastify app factory. Dependencies arrive injected so that tests and the CLI build the same app.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { EventStore } from '../events/event-store.js';

export interface AppDependencies {
  readonly store: EventStore;
  readonly config: Pick<Config, 'logLevel'>;
  readonly logger?: boolean;
}

export function buildApp({ store, config, logger = true }: AppDependencies): FastifyInstance {
  const app = Fastify({
    logger: logger ? { level: config.logLevel, redact: ['req.headers.authorization'] } : false,
    bodyLimit: 1024 * 1024,
  });

  app.get('/health', async () => ({ status: 'ok' }));

  // Ready when the event store answers; a store that cannot be reached is a 503.
  app.get('/ready', async (_request, reply) => {
    try {
      const position = await store.headPosition();
      return { status: 'ready', store: { reachable: true, headPosition: position ?? 0 } };
    } catch (error) {
      reply.code(503).type('application/problem+json');
      return {
        type: 'about:blank',
        title: 'Service Unavailable',
        status: 503,
        code: 'store_unavailable',
        detail: (error as Error).message,
      };
    }
  });

  return app;
}
