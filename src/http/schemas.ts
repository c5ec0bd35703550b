// Response schemas shared by many routes; they serialise answers and document them in OpenAPI.
import { Type } from 'typebox';

export const problemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: 'stable: clients match on it' }),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    currentRevision: Type.Optional(
      Type.Integer({ description: 'on 412 revision_mismatch: the revision the case is at now' }),
    ),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details', additionalProperties: true },
);

const problemResponse = (description: string) => ({ ...problemSchema, description });

export const errorResponses = {
  400: problemResponse('validation_failed (with the failing fields), malformed JSON, a bad header'),
  401: problemResponse('no token, or one that is expired, wrongly signed or unknown'),
  403: problemResponse('your role may not do this'),
  404: problemResponse('no such case, or not one you may see'),
  409: problemResponse('a rule of the case says no; `code` says which'),
  412: problemResponse('If-Match named a revision the case has moved past'),
  413: problemResponse('the body is too large'),
  415: problemResponse('send application/json'),
  429: problemResponse('too many requests from this token'),
  503: problemResponse('overloaded, or the store is unreachable'),
};

export const commandAnswer = Type.Object(
  {
    caseId: Type.String(),
    revision: Type.Integer({ description: 'the case revision after the command: send it back in If-Match' }),
    position: Type.Integer({
      description: 'global position: ask a query to wait for it to read your own write',
    }),
    sessionId: Type.Optional(Type.String()),
    agreementId: Type.Optional(Type.String()),
    noteId: Type.Optional(Type.String()),
    attachmentId: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
