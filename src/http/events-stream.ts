// GET /events/stream: server-sent events of what the read models have just applied, each only to a
// caller who may see it, so that screens refresh without polling. A client that reconnects with
// Last-Event-ID gets what it missed, replayed from the log, before the live changes.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Actor } from '../commands/actor.js';
import { canSee } from '../commands/policy.js';
import type { StoredEvent } from '../events/event-store.js';
import { caseIdOf, type ProjectedChange } from '../projections/projection.js';
import type { Service } from '../service.js';
import { authenticate } from './auth.js';
import { signedIn } from './query-params.js';
import { errorResponses } from './schemas.js';

export interface EventStreamOptions {
  /** A comment line this often keeps proxies from closing a quiet stream. */
  readonly heartbeatMs?: number;
  /** At most this many events are replayed after Last-Event-ID; past that the client is told to reload. */
  readonly replayLimit?: number;
}

const REPLAY_PAGE = 500;
/** A client this far behind in reading is cut off; it reconnects with Last-Event-ID. */
const MAX_BUFFERED_BYTES = 1 << 20;
const MAX_CACHED_CASES = 1000;
/** Directory changes are for everyone signed in; other non-case streams (persons, audit) for these. */
const NON_CASE_READERS = new Set(['auditor', 'admin']);

const headers = Type.Object({
  'last-event-id': Type.Optional(
    Type.String({ pattern: '^[0-9]{1,15}$', description: 'replay the changes after this position first' }),
  ),
});

function toChange(event: StoredEvent): ProjectedChange {
  const caseId = caseIdOf(event.stream);
  const change = { position: event.position, stream: event.stream, type: event.type };
  return caseId ? { ...change, caseId } : change;
}

/** One open stream: filters changes to what its caller may see and writes them in order. */
class Listener {
  private lastSent: number;
  private queue: Promise<void> = Promise.resolve();
  /** Live changes that arrive while the missed ones are replayed wait here, so order is kept. */
  private held: ProjectedChange[][] | undefined;
  /** Per case: whether the caller may see it, as judged on the case at `position`. */
  private readonly verdicts = new Map<string, { position: number; visible: boolean }>();

  constructor(
    private readonly service: Service,
    private readonly actor: Actor,
    private readonly raw: ServerResponse,
    private readonly onError: (error: unknown) => void,
    after: number,
    replaying: boolean,
  ) {
    this.lastSent = after;
    if (replaying) this.held = [];
  }

  /** A batch the runner has just applied. */
  live(changes: readonly ProjectedChange[]): void {
    if (this.held) this.held.push([...changes]);
    else this.push(changes);
  }

  /** Replayed changes go out first; then the live ones held meanwhile. */
  async replayed(changes: readonly ProjectedChange[]): Promise<void> {
    this.push(changes);
    await this.queue;
  }

  /** Ends the replay; `skipTo` (when too much was missed) tells the client to reload instead. */
  goLive(skipTo?: number): void {
    if (skipTo !== undefined) {
      this.queue = this.queue.then(() => {
        this.lastSent = Math.max(this.lastSent, skipTo);
        this.write(`event: reset\ndata: ${JSON.stringify({ position: skipTo })}\n\n`);
      });
    }
    const held = this.held ?? [];
    this.held = undefined;
    for (const changes of held) this.push(changes);
  }

  /** Changes are delivered strictly in order, one batch after another. */
  private push(changes: readonly ProjectedChange[]): void {
    this.queue = this.queue.then(() => this.deliver(changes)).catch(this.onError);
  }

  private async deliver(changes: readonly ProjectedChange[]): Promise<void> {
    for (const change of changes) {
      if (change.position <= this.lastSent || this.closed) continue;
      if (await this.maySee(change)) {
        const data = { position: change.position, caseId: change.caseId ?? null, type: change.type };
        this.write(`event: change\nid: ${change.position}\ndata: ${JSON.stringify(data)}\n\n`);
      }
      this.lastSent = change.position;
    }
  }

  get closed(): boolean {
    return this.raw.destroyed || this.raw.writableEnded;
  }

  write(text: string): void {
    if (this.closed) return;
    this.raw.write(text);
    if (this.raw.writableLength > MAX_BUFFERED_BYTES) this.raw.end();
  }

  /** A case is judged as it is now, like GET /cases/{id}; one load answers for every change it covers. */
  private async maySee(change: ProjectedChange): Promise<boolean> {
    if (change.caseId === undefined) {
      const directory = change.stream.startsWith('orgunit-') || change.stream.startsWith('department-');
      return directory || NON_CASE_READERS.has(this.actor.role);
    }
    const cached = this.verdicts.get(change.caseId);
    if (cached && cached.position >= change.position) return cached.visible;
    const loaded = await this.service.cases.cases.load(change.caseId);
    const { state } = loaded;
    const visible =
      state.status !== 'initial' && canSee(this.actor, state, await this.service.cases.directoryView(state));
    this.verdicts.delete(change.caseId);
    if (this.verdicts.size >= MAX_CACHED_CASES)
      this.verdicts.delete(this.verdicts.keys().next().value as string);
    this.verdicts.set(change.caseId, { position: loaded.position, visible });
    return visible;
  }
}

/** Replays projected changes after `after` up to `until` from the log; false when there were too many. */
async function replay(
  service: Service,
  listener: Listener,
  range: { after: number; until: number; limit: number },
): Promise<boolean> {
  let position = range.after;
  let replayed = 0;
  while (position < range.until && !listener.closed) {
    if (replayed >= range.limit) return false;
    const limit = Math.min(REPLAY_PAGE, range.limit - replayed);
    const page = (await service.store.readAll({ after: position, limit })).filter(
      (event) => event.position <= range.until,
    );
    if (page.length === 0) break;
    await listener.replayed(page.map(toChange));
    replayed += page.length;
    position = page.at(-1)!.position;
  }
  return true;
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** Takes the response over from fastify and keeps it open, feeding it changes until either side closes. */
async function follow(
  service: Service,
  request: FastifyRequest,
  reply: FastifyReply,
  options: { heartbeatMs: number; replayLimit: number; open: Set<ServerResponse> },
): Promise<void> {
  const actor = await authenticate(request);
  const lastEventId = request.headers['last-event-id'];
  const after = typeof lastEventId === 'string' ? Number(lastEventId) : undefined;
  reply.hijack();
  const raw = reply.raw;
  // The headers other hooks set (helmet's, the rate limit's) go out with the stream's own.
  raw.writeHead(200, { ...(reply.getHeaders() as OutgoingHttpHeaders), ...SSE_HEADERS });
  raw.write(': connected\n\n');
  const fail = (error: unknown) => {
    request.log.error({ err: error }, 'the event stream failed; the client may reconnect');
    raw.end();
  };
  const checkpoint = service.readModels.checkpoint();
  const listener = new Listener(service, actor, raw, fail, after ?? checkpoint, after !== undefined);
  const onChange = (changes: ProjectedChange[]) => listener.live(changes);
  // Listening starts before the replay reads the log, so no change falls between the two.
  service.runner.changes.on('change', onChange);
  const heartbeat = setInterval(() => listener.write(': heartbeat\n\n'), options.heartbeatMs);
  options.open.add(raw);
  raw.on('close', () => {
    clearInterval(heartbeat);
    service.runner.changes.off('change', onChange);
    options.open.delete(raw);
  });
  if (after === undefined) return;
  const range = { after, until: checkpoint, limit: options.replayLimit };
  const complete = await replay(service, listener, range).catch((error) => {
    fail(error);
    return true;
  });
  listener.goLive(complete ? undefined : checkpoint);
}

export function registerEventStream(
  app: FastifyInstance,
  service: Service,
  options: EventStreamOptions = {},
): void {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const replayLimit = options.replayLimit ?? 10_000;
  const open = new Set<ServerResponse>();
  // A stream never ends by itself: close them all when the app closes, or the server would wait on them.
  app.addHook('preClose', async () => {
    for (const raw of open) raw.end();
  });
  app.get(
    '/api/v1/events/stream',
    {
      onRequest: signedIn,
      schema: {
        operationId: 'streamEvents',
        summary:
          'Server-sent events (event: change, id: <position>, data: {position, caseId, type}) of the changes you may see',
        tags: ['events'],
        security: [{ bearer: [] }],
        headers,
        response: {
          200: {
            description:
              'text/event-stream; a comment line every 15 s; `event: reset` when too much was missed',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...errorResponses,
        },
      },
    },
    (request, reply) => follow(service, request, reply, { heartbeatMs, replayLimit, open }),
  );
}
