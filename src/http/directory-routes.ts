// The directory over HTTP: org units and departments. Anyone signed in may read it; only an
// administrator changes it. Ids are slugs chosen by the caller.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Department, OrgUnit } from '../commands/directory/directory.js';
import { DEPARTMENT_KINDS, GRID_TYPES, ORG_UNIT_KINDS } from '../events/directory-events.js';
import type { Service } from '../service.js';
import { authenticate } from './auth.js';
import { commandContext } from './command-routes.js';
import { errorResponses } from './schemas.js';

const slug = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' });
const name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const oneOf = <const T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });

const orgUnitBody = Type.Object(
  {
    id: slug,
    name,
    kind: oneOf(ORG_UNIT_KINDS),
    parentId: Type.Optional(slug),
    gridType: Type.Optional(oneOf(GRID_TYPES)),
  },
  {
    additionalProperties: false,
    examples: [
      {
        id: 'grid-3',
        name: '第三网格',
        kind: 'grid',
        parentId: 'community-sunrise',
        gridType: 'comprehensive',
      },
    ],
  },
);
const departmentBody = Type.Object(
  { id: slug, name, kind: oneOf(DEPARTMENT_KINDS), orgUnitId: Type.Optional(slug) },
  {
    additionalProperties: false,
    examples: [{ id: 'police-east', name: '东街派出所', kind: 'police', orgUnitId: 'street-east' }],
  },
);
const written = Type.Object({ id: Type.String(), revision: Type.Integer(), position: Type.Integer() });

export function registerDirectoryRoutes(app: FastifyInstance, service: Service): void {
  app.post(
    '/api/v1/org-units',
    {
      schema: {
        operationId: 'createOrgUnit',
        summary: 'Create an org unit: a district, or a street, community or grid under its parent (admin)',
        tags: ['directory'],
        security: [{ bearer: [] }],
        body: orgUnitBody,
        response: { 201: written, ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = await authenticate(request);
      const { commandId, correlationId } = commandContext(request, actor);
      const result = await service.directory.handle(
        { type: 'CreateOrgUnit', unit: request.body as OrgUnit },
        actor,
        commandId,
        correlationId,
      );
      reply.code(201);
      return { id: result.id, revision: result.revision, position: result.position };
    },
  );
  app.post(
    '/api/v1/departments',
    {
      schema: {
        operationId: 'createDepartment',
        summary: 'Create a department that can be summoned (admin)',
        tags: ['directory'],
        security: [{ bearer: [] }],
        body: departmentBody,
        response: { 201: written, ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = await authenticate(request);
      const { commandId, correlationId } = commandContext(request, actor);
      const department = request.body as Department;
      const result = await service.directory.handle(
        { type: 'CreateDepartment', department },
        actor,
        commandId,
        correlationId,
      );
      reply.code(201);
      return { id: result.id, revision: result.revision, position: result.position };
    },
  );
}
