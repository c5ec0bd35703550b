// The shapes of the audit routes' answers and queries, for validation, serialisation and OpenAPI.
import { Type } from 'typebox';
import { integerParam } from './query-params.js';

const anyObject = (description: string) => Type.Object({}, { additionalProperties: true, description });
const hash = Type.Union([Type.String(), Type.Null()]);
export const historyEntry = Type.Object({
  revision: Type.Integer(),
  position: Type.Integer({ description: 'the global position in the log' }),
  type: Type.String(),
  recordedAt: Type.String(),
  data: anyObject('as the domain reads it (upcast); parties’ personal fields masked'),
  metadata: anyObject('who (actor), when (occurredAt), why (commandId, correlationId, causationId)'),
  prevHash: hash,
  hash,
});
export const historyAnswer = Type.Object({
  caseId: Type.String(),
  stream: Type.String(),
  events: Type.Array(historyEntry),
  nextRevision: Type.Optional(Type.Integer({ description: 'there is more: ask again from this revision' })),
});
export const breakSchema = Type.Object({
  stream: Type.Union([Type.String(), Type.Null()]),
  revision: Type.Union([Type.Integer(), Type.Null()]),
  position: Type.Union([Type.Integer(), Type.Null()]),
  problem: Type.String({ description: 'revision_gap, prev_hash_mismatch, hash_mismatch or unreadable' }),
  detail: Type.String(),
});
export const streamReport = Type.Object({
  caseId: Type.String(),
  stream: Type.String(),
  intact: Type.Boolean(),
  events: Type.Integer(),
  head: Type.Object({ revision: Type.Integer(), hash: Type.String() }),
  break: Type.Optional(breakSchema),
});
export const sealSchema = Type.Object({
  sealId: Type.String(),
  version: Type.Integer(),
  position: Type.Integer({ description: 'the global position the stream heads were taken at' }),
  streams: Type.Integer(),
  events: Type.Integer(),
  merkleRoot: Type.String({ description: 'RFC 6962 Merkle tree hash over the sorted stream heads' }),
  root: Type.String({ description: 'SHA-256 binding the Merkle root to the position and counts: keep it' }),
  takenAt: Type.String(),
  takenBy: Type.Object({ id: Type.String(), role: Type.String() }),
  storedAt: Type.Optional(Type.Integer()),
  leaves: Type.Optional(
    Type.Array(
      // A tuple [stream, revision, head hash], written so that OpenAPI 3.0 can say it too.
      Type.Array(Type.Union([Type.String(), Type.Integer()]), { minItems: 3, maxItems: 3 }),
      { description: '[stream, last revision at the position, its hash], sorted by stream' },
    ),
  ),
});

export const historyQuery = Type.Object(
  {
    fromRevision: Type.Optional(integerParam('the first revision to return (default 0)')),
    limit: Type.Optional(integerParam('at most this many events (1 to 10,000; default 1,000)')),
  },
  { additionalProperties: false },
);

export const verifyQuery = Type.Object(
  {
    seal: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'also check this stored seal' }),
    ),
    root: Type.Optional(
      Type.String({
        pattern: '^[0-9a-f]{64}$',
        description: "the seal's root as kept outside the system: the stored copy is then not trusted",
      }),
    ),
    progressEvery: Type.Optional(integerParam('a progress line after this many events (default 10,000)')),
  },
  { additionalProperties: false },
);
