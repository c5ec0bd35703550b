// Every route of the app as its router knows it, and what its OpenAPI document says each one takes
// (path parameters, query, headers, body schema), so that a fuzzer can cover every route without a
// hand-kept list going stale: a route the router has and the fuzzer does not know fails its test.
import type { FastifyInstance } from 'fastify';
import type { Actor } from '../../src/commands/actor.js';

/** A JSON schema as the OpenAPI document carries it. */
export interface JsonSchema {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
  readonly items?: JsonSchema;
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  readonly format?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly uniqueItems?: boolean;
}

export interface Operation {
  /** `POST /api/v1/cases/:id/notes`: the method and the path as the router writes it. */
  readonly key: string;
  readonly method: string;
  readonly path: string;
  readonly pathParams: Readonly<Record<string, JsonSchema>>;
  readonly query: Readonly<Record<string, JsonSchema>>;
  readonly headers: Readonly<Record<string, JsonSchema>>;
  readonly body?: JsonSchema;
}

const TREE_LINE = /^((?:│ {3}| {4})*)(?:├── |└── )(.+?)(?: \(([A-Z, ]+)\))?$/;

/**
 * Every `METHOD path` the router answers, read from `printRoutes` (fastify offers no other public
 * list once the app is built). HEAD is left out: fastify adds it to every GET.
 */
export function routesOf(app: FastifyInstance): string[] {
  const routes = new Set<string>();
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = TREE_LINE.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    const path = `${stack[depth - 1] ?? ''}${match[2]}`;
    stack.length = depth;
    stack.push(path);
    for (const method of (match[3] ?? '').split(', ')) {
      if (method !== '' && method !== 'HEAD') routes.add(`${method} ${path}`);
    }
  }
  return [...routes].sort();
}

interface OpenApiParameter {
  readonly in: string;
  readonly name: string;
  readonly schema: JsonSchema;
}
interface OpenApiOperation {
  readonly parameters?: readonly OpenApiParameter[];
  readonly requestBody?: { readonly content?: Record<string, { readonly schema?: JsonSchema }> };
}

/** What the OpenAPI document says each documented route takes, by `METHOD path`. */
export function operationsOf(app: FastifyInstance): Map<string, Operation> {
  const doc = app.swagger() as { paths: Record<string, Record<string, OpenApiOperation>> };
  const operations = new Map<string, Operation>();
  for (const [template, methods] of Object.entries(doc.paths)) {
    const path = template.replace(/\{(\w+)\}/g, ':$1');
    for (const [lower, operation] of Object.entries(methods)) {
      const method = lower.toUpperCase();
      const part = (where: string) =>
        Object.fromEntries(
          (operation.parameters ?? []).filter((p) => p.in === where).map((p) => [p.name, p.schema]),
        );
      const body = operation.requestBody?.content?.['application/json']?.schema;
      operations.set(`${method} ${path}`, {
        key: `${method} ${path}`,
        method,
        path,
        pathParams: part('path'),
        query: part('query'),
        headers: part('header'),
        ...(body ? { body } : {}),
      });
    }
  }
  return operations;
}

/** A route the OpenAPI document hides (health, docs): it takes nothing but what every route takes. */
function undocumented(key: string): Operation {
  const [method = 'GET', path = '/'] = key.split(' ');
  return { key, method, path, pathParams: {}, query: {}, headers: {} };
}

export type Family =
  | 'case commands'
  | 'directory'
  | 'queries'
  | 'audit'
  | 'personal data'
  | 'events'
  | 'outside';

/** A request the route accepts, and what kind of route it is: what the fuzzer starts from. */
export interface Sample {
  readonly family: Family;
  /** Who asks; none for a route that takes no token. */
  readonly actor?: Actor;
  /** Path parameters, not yet encoded. */
  readonly params?: Readonly<Record<string, string>>;
  /** A body the route's schema accepts. */
  readonly body?: unknown;
  /** The route records something, so it reads If-Match, Idempotency-Key and X-Request-Id. */
  readonly records?: boolean;
  /** An unknown value of this path parameter is a 404 with this code. */
  readonly unknown?: { readonly param: string; readonly code: string };
  /** params.id names a case: one in another community is a 404 as well. */
  readonly caseScoped?: boolean;
  /**
   * A valid request holds the connection open (server-sent events), which app.inject would wait on
   * forever: only requests refused by construction are sent to it.
   */
  readonly holdsOpen?: boolean;
  /** A share of the usual number of cases, for a route whose every success is costly. */
  readonly share?: number;
}

export interface Route {
  readonly key: string;
  readonly sample: Sample;
  readonly op: Operation;
}

/** The routes of the samples, each with what the OpenAPI document says it takes. */
export function catalogOf(app: FastifyInstance, samples: ReadonlyMap<string, Sample>): Route[] {
  const operations = operationsOf(app);
  return [...samples].map(([key, sample]) => ({ key, sample, op: operations.get(key) ?? undocumented(key) }));
}

/** The names of a path's parameters; `*` for a wildcard. */
export const paramNames = (path: string): string[] =>
  [...path.matchAll(/:(\w+)|\*/g)].map((match) => match[1] ?? '*');
