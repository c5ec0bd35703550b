import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { ReadableStreamReadResult } from 'node:stream/web';
import Fastify, { type FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import type { Actor } from '../../src/commands/actor.js';
import type { CaseCommand } from '../../src/commands/case/commands.js';
import { registerAuth } from '../../src/http/auth.js';
import { type EventStreamOptions, registerEventStream } from '../../src/http/events-stream.js';
import { installErrorHandling } from '../../src/http/problem.js';
import { actors } from '../support/case-fixtures.js';
import { intake } from '../support/handler-fixtures.js';
import { type HttpHarness, httpHarness, JWT_SECRET } from '../support/http-fixtures.js';

const riverMediator: Actor = { id: 'mediator-he', role: 'mediator', scope: 'community-river' };

interface Frame {
  readonly event?: string;
  readonly id?: string;
  readonly data?: { position: number; caseId: string | null; type: string };
  readonly comment?: string;
}

function parse(block: string): Frame {
  const frame: Record<string, unknown> = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) frame.comment = line.slice(1).trim();
    const [, field, value] = /^(event|id|data): ?(.*)$/.exec(line) ?? [];
    if (field) frame[field] = field === 'data' ? JSON.parse(value ?? '') : value;
  }
  return frame as Frame;
}

/** A server-sent event stream read with fetch; `until` reads frames until one matches, or times out. */
async function openStream(t: Test, url: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  t.teardown(() => controller.abort());
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let reading: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  const frames: Frame[] = [];
  return {
    response,
    frames,
    close: () => controller.abort(),
    async until(match: (frame: Frame) => boolean, timeoutMs = 3000): Promise<Frame[]> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = frames.findIndex(match);
        if (found >= 0) return frames.splice(0, found + 1);
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`no matching frame within ${timeoutMs} ms; saw ${JSON.stringify(frames)}`);
        reading ??= reader.read();
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), left);
        });
        const result = await Promise.race([reading, timeout]);
        clearTimeout(timer);
        if (!result) continue;
        reading = undefined;
        if (result.done) throw new Error(`the stream ended; saw ${JSON.stringify(frames)}`);
        buffer += decoder.decode(result.value, { stream: true });
        const blocks = buffer.split('\n\n');
        buffer = blocks.pop() ?? '';
        frames.push(...blocks.map(parse));
      }
    },
  };
}

async function listening(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1/events/stream`;
}

async function setUp(t: Test) {
  const h = await httpHarness(t);
  await h.settle();
  const url = await listening(h.app);
  const stream = async (actor: Actor, headers: Record<string, string> = {}) => {
    const opened = await openStream(t, url, { authorization: `Bearer ${h.token(actor)}`, ...headers });
    await opened.until((frame) => frame.comment === 'connected');
    return opened;
  };
  const run = (caseId: string, command: CaseCommand, actor: Actor = actors.mediator) =>
    h.service.cases.handle({ caseId, command, actor });
  return { h, url, stream, run };
}

const submitSunrise = (h: HttpHarness) =>
  h.service.cases.handle({
    caseId: 'sun',
    command: intake({ caseId: 'sun', title: '楼上漏水纠纷' }),
    actor: actors.gridWorker,
  });
const submitRiver = (h: HttpHarness) =>
  h.service.cases.handle({
    caseId: 'riv',
    command: intake({
      caseId: 'riv',
      location: { orgUnitId: 'community-river' },
      parties: [{ personId: 'p-li', role: 'complainant', kind: 'person', name: '李娜' }],
    }),
    actor: riverMediator,
  });
const caseOf = (caseId: string) => (frame: Frame) => frame.data?.caseId === caseId;
const caseIds = (frames: readonly Frame[]) =>
  frames.flatMap((frame) => (frame.data ? [frame.data.caseId] : []));

t.test('a change reaches those who may see its case, and nobody else', async (t) => {
  const { h, stream, run } = await setUp(t);
  const sunrise = await stream(actors.mediator);
  const river = await stream(riverMediator);
  const resident = await stream(actors.resident);
  t.equal(sunrise.response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  t.equal(sunrise.response.headers.get('x-content-type-options'), 'nosniff', 'helmet’s headers too');
  const sun = await submitSunrise(h);
  const riv = await submitRiver(h);
  const [submitted] = (await sunrise.until(caseOf('sun'))).filter((frame) => frame.data);
  t.same(submitted, {
    event: 'change',
    id: String(sun.position),
    data: { position: sun.position, caseId: 'sun', type: 'CaseSubmitted' },
  });
  const seenByRiver = await river.until(caseOf('riv'));
  t.same(caseIds(seenByRiver), ['riv'], 'the river mediator never heard of the Sunrise case');
  t.equal(seenByRiver.at(-1)?.id, String(riv.position));
  const note = await run('sun', { type: 'AddNote', noteId: 'n1', text: '已上门查看' });
  const seenBySunrise = await sunrise.until((frame) => frame.data?.type === 'NoteAdded');
  t.same(caseIds(seenBySunrise), ['sun'], 'the Sunrise mediator never heard of the river case');
  t.equal(seenBySunrise.at(-1)?.id, String(note.position));
  const seenByResident = await resident.until((frame) => frame.data?.type === 'NoteAdded');
  t.same(caseIds(seenByResident), ['sun', 'sun'], 'the resident is a party to sun, not to riv');
  t.notMatch(JSON.stringify(seenByResident), /李娜|张伟/, 'no personal data in the stream');
});

t.test(
  'directory changes reach everyone; the audit trail’s own streams only auditors and admins',
  async (t) => {
    const { h, stream } = await setUp(t);
    const mediator = await stream(actors.mediator);
    const auditor = await stream(actors.auditor);
    const seal = await h.service.store.append('audit-seals', [
      { id: randomUUID(), type: 'AuditSealed', data: { upTo: 1 } },
    ]);
    const unit = await h.service.directory.handle(
      {
        type: 'CreateOrgUnit',
        unit: { id: 'grid-3', name: '第三网格', kind: 'grid', parentId: 'community-river' },
      },
      actors.admin,
    );
    const byAuditor = await auditor.until((frame) => frame.id === String(unit.position));
    t.same(
      byAuditor
        .filter((frame) => frame.data)
        .map((frame) => [frame.id, frame.data?.type, frame.data?.caseId]),
      [
        [String(seal.position), 'AuditSealed', null],
        [String(unit.position), 'OrgUnitCreated', null],
      ],
    );
    const byMediator = await mediator.until((frame) => frame.id === String(unit.position));
    t.same(
      byMediator.filter((frame) => frame.data).map((frame) => frame.data?.type),
      ['OrgUnitCreated'],
    );
  },
);

t.test('Last-Event-ID replays what was missed that the caller may see, then goes live', async (t) => {
  const { h, stream, run } = await setUp(t);
  const sun = await submitSunrise(h);
  await submitRiver(h);
  const note = await run('sun', { type: 'AddNote', noteId: 'n1', text: '已上门查看' });
  await h.settle();
  const resumed = await stream(actors.mediator, { 'last-event-id': String(sun.position - 1) });
  const replayed = await resumed.until((frame) => frame.id === String(note.position));
  t.same(
    replayed.filter((frame) => frame.data).map((frame) => [frame.id, frame.data?.type]),
    [
      [String(sun.position), 'CaseSubmitted'],
      [String(note.position), 'NoteAdded'],
    ],
  );
  const live = await run('sun', { type: 'AddNote', noteId: 'n2', text: '再次回访' });
  const next = await resumed.until((frame) => frame.data !== undefined);
  t.same(
    next.map((frame) => frame.id),
    [String(live.position)],
  );
});

t.test('the stream asks for a token and a well-formed Last-Event-ID', async (t) => {
  const { h, url } = await setUp(t);
  const anonymous = await fetch(url);
  t.equal(anonymous.status, 401);
  t.equal(((await anonymous.json()) as { code: string }).code, 'unauthorized');
  const bad = await fetch(url, {
    headers: { authorization: `Bearer ${h.token(actors.mediator)}`, 'last-event-id': 'yesterday' },
  });
  t.equal(bad.status, 400);
  t.equal(((await bad.json()) as { code: string }).code, 'validation_failed');
});

async function bareApp(t: Test, h: HttpHarness, options: EventStreamOptions): Promise<string> {
  // fetch's pool opens a spare connection when a stream is aborted; do not wait for it to time out.
  const app = Fastify({ logger: false, forceCloseConnections: true });
  installErrorHandling(app);
  await registerAuth(app, JWT_SECRET);
  registerEventStream(app, h.service, options);
  t.teardown(() => app.close());
  return listening(app);
}

t.test('heartbeats, a reset when too much was missed, and clean-up on disconnect', async (t) => {
  const { h } = await setUp(t);
  await submitSunrise(h);
  await submitRiver(h);
  await h.settle();
  const url = await bareApp(t, h, { heartbeatMs: 50, replayLimit: 1 });
  const before = h.service.runner.changes.listenerCount('change');
  const auth = { authorization: `Bearer ${h.token(actors.auditor)}` };
  const behind = await openStream(t, url, { ...auth, 'last-event-id': '0' });
  const reset = await behind.until((frame) => frame.event === 'reset');
  const checkpoint = h.service.readModels.checkpoint();
  t.same(reset.at(-1)?.data, { position: checkpoint }, 'reload from here');
  t.equal(reset.filter((frame) => frame.event === 'change').length, 1, 'only as many as the limit first');
  await behind.until((frame) => frame.comment === 'heartbeat');
  t.equal(h.service.runner.changes.listenerCount('change'), before + 1, 'listening while open');
  behind.close();
  for (
    let waited = 0;
    waited < 2000 && h.service.runner.changes.listenerCount('change') > before;
    waited += 20
  )
    await new Promise((resolve) => setTimeout(resolve, 20));
  t.equal(h.service.runner.changes.listenerCount('change'), before, 'the listener is gone');
});
