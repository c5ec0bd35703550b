// GET /org-units and GET /departments: the directory, read by anyone signed in (from the directory
// read model; names are not personal data).
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { listDepartments, listOrgUnits } from '../projections/directory.js';
import type { Service } from '../service.js';
import { positionParam, readYourWrites, signedIn } from './query-params.js';
import { errorResponses } from './schemas.js';

const query = Type.Object({ position: Type.Optional(positionParam) }, { additionalProperties: false });

const orgUnits = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      kind: Type.String({ description: 'district, street, community or grid' }),
      parentId: Type.Optional(Type.String()),
      gridType: Type.Optional(Type.String()),
    }),
  ),
});
const departments = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      kind: Type.String(),
      orgUnitId: Type.Optional(Type.String()),
    }),
  ),
});

export function registerDirectoryQueries(app: FastifyInstance, service: Service): void {
  app.get(
    '/api/v1/org-units',
    {
      onRequest: signedIn,
      schema: {
        operationId: 'listOrgUnits',
        summary: 'Every org unit, districts first and grids last',
        tags: ['directory'],
        security: [{ bearer: [] }],
        querystring: query,
        response: { 200: orgUnits, ...errorResponses },
      },
    },
    async (request) => {
      await readYourWrites(service, (request.query as { position?: string }).position);
      return { items: listOrgUnits(service.readModels.db) };
    },
  );
  app.get(
    '/api/v1/departments',
    {
      onRequest: signedIn,
      schema: {
        operationId: 'listDepartments',
        summary: 'Every department that can be summoned',
        tags: ['directory'],
        security: [{ bearer: [] }],
        querystring: query,
        response: { 200: departments, ...errorResponses },
      },
    },
    async (request) => {
      await readYourWrites(service, (request.query as { position?: string }).position);
      return { items: listDepartments(service.readModels.db) };
    },
  );
}
