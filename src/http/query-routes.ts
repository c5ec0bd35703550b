// Queries (DESIGN.md §8): the case replayed from its stream, the case list, department queues,
// statistics, the directory and the live event stream. Every GET here checks the token before the
// request's shape, takes ?position= to read your own write, and masks personal data.
import type { FastifyInstance } from 'fastify';
import type { Service } from '../service.js';
import { registerDirectoryRoutes } from './directory-routes.js';
import { type EventStreamOptions, registerEventStream } from './events-stream.js';
import { registerCaseRoute } from './query-case.js';
import { registerCaseListRoute } from './query-case-list.js';
import { registerDirectoryQueries } from './query-directory.js';
import { registerStatsRoute } from './query-stats.js';
import { registerSummonsRoute } from './query-summons.js';

export function registerQueryRoutes(
  app: FastifyInstance,
  service: Service,
  options: { readonly events?: EventStreamOptions } = {},
): void {
  registerDirectoryRoutes(app, service);
  registerDirectoryQueries(app, service);
  registerCaseListRoute(app, service);
  registerCaseRoute(app, service);
  registerSummonsRoute(app, service);
  registerStatsRoute(app, service);
  registerEventStream(app, service, options.events);
}
