// The HTTP benchmark's baseline, in its own process: a bare fastify app with one POST route whose
// TypeBox body is the notes body of the command table, validated by the same ajv options, answering
// with a small JSON object. Prints { port } as one JSON line; a message, SIGTERM or losing the parent
// stops it.
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { Type } from 'typebox';

const app = Fastify({
  logger: false,
  ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
});

app.post(
  '/api/v1/cases/:id/notes',
  {
    schema: {
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }),
      body: Type.Object(
        { text: Type.String({ minLength: 1, maxLength: 10_000, pattern: '\\S' }) },
        { additionalProperties: false },
      ),
      response: {
        201: Type.Object({ caseId: Type.String(), noteId: Type.String(), revision: Type.Integer() }),
      },
    },
  },
  async (request, reply) => {
    reply.code(201);
    return { caseId: (request.params as { id: string }).id, noteId: randomUUID(), revision: 1 };
  },
);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(1), 5000).unref();
  await app.close();
  process.exit(0);
}
process.on('message', () => void stop());
process.on('disconnect', () => void stop());
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());

await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('the bare server has no TCP port');
console.log(JSON.stringify({ port: address.port }));
