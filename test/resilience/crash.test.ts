// Crash safety of the whole server (issue 7): the real `casetrail serve` runs as a child process on the
// embedded SQLite store while two dozen clients send it commands; it is SIGKILLed at a random moment,
// restarted on the same data directory, and the clients resend what got no answer with the same
// Idempotency-Key. Over several rounds, and after a last restart:
//   - every command that got a 2xx is in the log, once, at the revision and position it was told,
//     and its effect shows in the case, the case list, the search and the department's queue; sent
//     again after a restart with its key, it answers as it did and appends nothing;
//   - nothing is half-written: the files pass SQLite's integrity check, every stream's revisions run
//     0, 1, 2… without a gap, a command's events are all there (both of a dissatisfied rating, both
//     halves of a merge) and nothing is there that no command asked for;
//   - every hash chain verifies;
//   - the read models the live runner kept through the kills hold exactly the rows a rebuild from
//     the log gives.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import { verifyAll } from '../../src/audit/verify.js';
import { parseConfig } from '../../src/config.js';
import type { StoredEvent } from '../../src/events/event-store.js';
import { ALL_PROJECTIONS } from '../../src/projections/all.js';
import { rebuild } from '../../src/projections/rebuild.js';
import { openService, readModelsFile } from '../../src/service.js';
import { DEPARTMENTS, ORG_UNITS } from '../support/handler-fixtures.js';
import { mintToken, type ServerProcess, startServer } from '../support/server-process.js';
import {
  ADMIN,
  AUDITOR,
  type CaseModel,
  type Claims,
  CrashClient,
  POLICE_LIAISON,
  type Sent,
  Workload,
} from './crash-workload.js';

const ROUNDS = 5;
const WORKERS = 24;
/** Each round's load runs for a random time in [MIN, MAX) before the kill. */
const MIN_KILL_DELAY_MS = 200;
const MAX_KILL_DELAY_MS = 1800;
/** How many acknowledged commands are sent again after each restart. */
const RESEND_SAMPLE = 20;

t.setTimeout(180_000);

// ---- HTTP reads --------------------------------------------------------------------------------

async function get<T>(server: ServerProcess, actor: Claims, path: string): Promise<T> {
  const res = await fetch(`${server.url}${path}`, {
    headers: { authorization: `Bearer ${mintToken(actor)}` },
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

interface Ready {
  readonly store: { readonly headPosition: number };
  readonly projections: { readonly checkpoint: number; readonly behind: number };
}

/** /ready once the read models have applied the whole log (bounded). Only called while no command runs. */
async function caughtUp(server: ServerProcess): Promise<Ready> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(`${server.url}/ready`, { signal: AbortSignal.timeout(5_000) });
    const body = (await res.json()) as Ready;
    if (res.status === 200 && body.projections.behind === 0) return body;
    if ((body as { code?: string }).code === 'projection_failed')
      throw new Error(`the read models stopped: ${JSON.stringify(body)}`);
    // With no command running, a checkpoint past the head means the read models applied events that
    // the log no longer has: the log lost what it had acknowledged.
    if (res.status === 200 && body.projections.behind < 0)
      throw new Error(`the read models are ahead of the log, which lost events: ${JSON.stringify(body)}`);
    if (Date.now() > deadline) throw new Error(`the read models did not catch up: ${JSON.stringify(body)}`);
    await delay(50);
  }
}

/** Runs `fn` over the items, `width` at a time. */
async function inParallel<T>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

// ---- the read-model file, table by table --------------------------------------------------------

/** FTS5 keeps a virtual table's content and index in these shadow tables. */
const FTS_SHADOWS = ['data', 'idx', 'content', 'docsize', 'config'];

/** Every row of every read-model table, each as JSON, sorted: two dumps are equal when the rows are. */
function dumpReadModels(file: string): Map<string, string[]> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all() as { name: string; sql: string }[];
    const virtual = tables.filter((table) => /^CREATE VIRTUAL TABLE/i.test(table.sql)).map((v) => v.name);
    // The shadow tables of the full-text index hold its b-tree segments, whose layout depends on how
    // the rows were inserted (a page at a time live, all at once in a rebuild) and on automatic merges:
    // they differ byte for byte while indexing the same text. What the index holds is compared instead
    // through the virtual table itself (each row's rowid and text) below.
    const shadows = new Set(virtual.flatMap((name) => FTS_SHADOWS.map((suffix) => `${name}_${suffix}`)));
    const dump = new Map<string, string[]>();
    for (const { name } of tables) {
      if (shadows.has(name) || name.startsWith('sqlite_')) continue;
      // checkpoints.updated_at is the wall-clock time the checkpoint last moved, bookkeeping that
      // no answer shows: the live one moved at each batch, the rebuild's at its swap. Its position,
      // the one thing that matters, is compared.
      const sql =
        name === 'checkpoints'
          ? 'SELECT name, position FROM checkpoints'
          : virtual.includes(name)
            ? `SELECT rowid, * FROM "${name}"`
            : `SELECT * FROM "${name}"`;
      dump.set(name, (db.prepare(sql).all() as object[]).map((row) => JSON.stringify(row)).sort());
    }
    return dump;
  } finally {
    db.close();
  }
}

function integrity(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
}

// ---- the test ---------------------------------------------------------------------------------

interface CaseView {
  caseId: string;
  status: string;
  revision: number;
  noteCount: number;
  attachmentCount: number;
  summons: { departmentId: string; status: string }[];
  feedback: unknown[];
  reopenCount: number;
  assigneeId?: string;
  mergedFrom: string[];
  intoCaseId?: string;
  parties: { name: string; erased?: boolean }[];
}

interface ListPage {
  items: { caseId: string; status: string; revision: number }[];
  nextCursor: string | null;
}

/**
 * On a restarted server, before the clients come back: commands already acknowledged, sent again with
 * their keys (those acknowledged just before the kill, and others from any time), answer exactly as
 * they did the first time and append nothing. Returns the log's head.
 */
async function resendSome(
  t: Test,
  client: CrashClient,
  server: ServerProcess,
  when: string,
): Promise<number> {
  const before = (await caughtUp(server)).store.headPosition;
  const answered = client.sent.filter((sent) => sent.answer);
  if (answered.length === 0) return before;
  const last = Math.max(...answered.map((sent) => sent.answeredIn!));
  const shuffled = [...answered].sort(() => Math.random() - 0.5);
  const sample = new Set([
    ...shuffled.filter((sent) => sent.answeredIn === last).slice(0, RESEND_SAMPLE / 2),
    ...shuffled.slice(0, RESEND_SAMPLE / 2),
  ]);
  const mismatches: string[] = [];
  for (const sent of sample) {
    const mismatch = await client.resendAnswered(server, sent);
    if (mismatch) mismatches.push(mismatch);
  }
  const after = (await caughtUp(server)).store.headPosition;
  t.same(
    { mismatches: mismatches.slice(0, 3), appended: after - before },
    { mismatches: [], appended: 0 },
    `${when}: ${sample.size} acknowledged commands sent again answer as before and append nothing`,
  );
  return after;
}

/** The directory the cases need, created over HTTP by an administrator on the first start. */
async function createDirectory(client: CrashClient): Promise<void> {
  for (const unit of ORG_UNITS) {
    const { key, commandId } = client.nextKey(ADMIN);
    await client.send(ADMIN, '/org-units', { ...unit }, key, [
      { stream: `orgunit-${unit.id}`, commandId, types: ['OrgUnitCreated'] },
    ]);
  }
  for (const department of DEPARTMENTS) {
    const { key, commandId } = client.nextKey(ADMIN);
    await client.send(ADMIN, '/departments', { ...department }, key, [
      { stream: `department-${department.id}`, commandId, types: ['DepartmentCreated'] },
    ]);
  }
}

t.test(
  'kill -9 at random moments under load: no acknowledged command lost, nothing half-written',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'casetrail-server-crash-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const client = new CrashClient();
    const load = new Workload(client);
    const failures: unknown[] = [];
    let workers: Promise<void>[] = [];
    /** The log's head when each server generation started, before any command reached it. */
    const headAtStart = new Map<number, number>();

    for (let round = 1; round <= ROUNDS; round += 1) {
      const server = await startServer(t, { dataDir: dir });
      const head = await resendSome(t, client, server, `round ${round}`);
      const generation = client.up(server);
      headAtStart.set(generation, head);
      if (round === 1) {
        await createDirectory(client);
        await load.setUpHotCases();
        workers = Array.from({ length: WORKERS }, (_, worker) =>
          load.worker(worker).catch((error: unknown) => {
            failures.push(error);
          }),
        );
      }
      // The kill comes at a random moment once the server has answered a first command of this round
      // (after the first round, that is usually a resend of a command the last kill cut off).
      const deadline = Date.now() + 30_000;
      while (!client.sent.some((sent) => sent.answeredIn === generation) && Date.now() < deadline)
        await delay(5);
      const acknowledgedBefore = client.sent.filter((sent) => sent.answer).length;
      const killAfter =
        MIN_KILL_DELAY_MS + Math.floor(Math.random() * (MAX_KILL_DELAY_MS - MIN_KILL_DELAY_MS));
      await delay(killAfter);
      const inFlight = client.sent.filter((sent) => !sent.answer).length;
      client.down();
      const exit = await server.kill();
      t.same(exit, { code: null, signal: 'SIGKILL' }, `round ${round}: the server died of SIGKILL`);
      t.comment(
        `round ${round}: killed after ${killAfter} ms of load with ${inFlight} commands awaiting an answer; ` +
          `${client.sent.filter((sent) => sent.answer).length - acknowledgedBefore} acknowledged this round`,
      );
    }

    // The last start: the clients resend what the last kill left unanswered, then stop.
    const server = await startServer(t, { dataDir: dir });
    const lastHead = await resendSome(t, client, server, 'the last start');
    headAtStart.set(client.up(server), lastHead);
    client.stopping = true;
    await Promise.all(workers);
    t.same(
      failures.map(String),
      [],
      'every command got a 2xx in the end; no request failed but for the kills',
    );
    const ready = await caughtUp(server);

    const sent = client.sent;
    const lostThenAnswered = sent.filter((s) => s.lost > 0 && s.answer);
    const committedBeforeKill = lostThenAnswered.filter(
      (s) => s.answer!.position <= (headAtStart.get(s.answeredIn!) ?? Number.POSITIVE_INFINITY),
    );
    t.comment(
      `${ROUNDS} rounds, ${WORKERS} workers: ${sent.length} commands in ${client.stats.requests} requests; ` +
        `${sent.filter((s) => s.answer).length} acknowledged with a 2xx; ${client.stats.lost} answers lost to a kill ` +
        `(${lostThenAnswered.length} commands resent: ${committedBeforeKill.length} had been committed before ` +
        `the kill and were replayed, ${lostThenAnswered.length - committedBeforeKill.length} applied on the resend); ` +
        `${client.stats.resentAnswered} acknowledged commands sent again after a restart; ` +
        `${client.stats.transient} 429/503 answers tried again; ${ready.store.headPosition} events in the log`,
    );
    t.ok(
      sent.every((s) => s.answer),
      'every command sent was acknowledged in the end',
    );

    // ---- effects, as the clients see them (over HTTP, from the restarted server) ----
    const models = [...load.cases.values()];
    const views = new Map<string, CaseView>();
    await inParallel(models, 8, async (model) => {
      views.set(model.caseId, await get<CaseView>(server, AUDITOR, `/api/v1/cases/${model.caseId}`));
    });
    const viewMismatches = models.flatMap((model) => {
      const view = views.get(model.caseId)!;
      const expected = expectedView(model);
      const actual = {
        status: view.status,
        noteCount: view.noteCount,
        attachmentCount: view.attachmentCount,
        summons: Object.fromEntries(view.summons.map((s) => [s.departmentId, s.status])),
        feedback: view.feedback.length,
        reopenCount: view.reopenCount,
        assigneeId: view.assigneeId,
        mergedFrom: [...view.mergedFrom].sort(),
        intoCaseId: view.intoCaseId,
        parties: view.parties.map((party) => (party.erased ? '[erased]' : party.name)),
      };
      return JSON.stringify(actual) === JSON.stringify(expected)
        ? []
        : [{ caseId: model.caseId, expected, actual }];
    });
    t.same(
      viewMismatches.slice(0, 3),
      [],
      `all ${models.length} cases show every acknowledged command's effect`,
    );

    const listed = new Map<string, { status: string; revision: number }>();
    for (let cursor: string | null = null, pages = 0; pages === 0 || cursor; pages += 1) {
      const page: ListPage = await get<ListPage>(
        server,
        AUDITOR,
        `/api/v1/cases?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      for (const item of page.items)
        listed.set(item.caseId, { status: item.status, revision: item.revision });
      cursor = page.nextCursor;
    }
    const listMismatches = models
      .map((model) => ({
        caseId: model.caseId,
        view: views.get(model.caseId)!,
        row: listed.get(model.caseId),
      }))
      .filter(({ view, row }) => row?.status !== view.status || row?.revision !== view.revision);
    t.same(listMismatches.slice(0, 3), [], 'the case list has every case, at its latest status and revision');
    t.equal(listed.size, models.length, 'and no case that no acknowledged intake created');

    const markers = models.flatMap((model) =>
      model.markers.map((marker) => ({ marker, caseId: model.caseId })),
    );
    const unfound: string[] = [];
    await inParallel(markers, 8, async ({ marker, caseId }) => {
      const page = await get<ListPage>(server, AUDITOR, `/api/v1/cases?q=${marker}`);
      if (!page.items.some((item) => item.caseId === caseId)) unfound.push(`${marker} on ${caseId}`);
    });
    t.same(
      unfound.slice(0, 5),
      [],
      `each of the ${markers.length} acknowledged notes is found by searching its text`,
    );

    const queue = await get<{ pending: { caseId: string }[]; reportedIn: { caseId: string }[] }>(
      server,
      POLICE_LIAISON,
      '/api/v1/departments/police-east/summons',
    );
    const queued = [...queue.pending, ...queue.reportedIn].map((item) => item.caseId).sort();
    const open = models
      .filter((model) => ['pending', 'reportedIn'].includes(model.summons['police-east'] ?? ''))
      .map((model) => model.caseId)
      .sort();
    t.same(queued, open, `the police's queue holds exactly the ${open.length} summons still open`);

    // The read models as the live runner left them, through every kill, caught up with the log.
    const file = readModelsFile({ dataDir: dir });
    const live = dumpReadModels(file);
    t.same(
      live.get('checkpoints'),
      [JSON.stringify({ name: 'read-models', position: ready.store.headPosition })],
      'the live read models had applied the whole log',
    );

    t.same(await server.stop(), { code: 0, signal: null }, 'the last server stops gracefully');

    // ---- the files, with the server stopped ----
    for (const name of ['events.sqlite', 'read-models.sqlite', 'keys.sqlite']) {
      t.equal(integrity(join(dir, name)), 'ok', `${name} passes SQLite's integrity check`);
    }
    const service = await openService(parseConfig({ CASETRAIL_DATA_DIR: dir, LOG_LEVEL: 'silent' }), {
      live: false,
    });
    try {
      const events: StoredEvent[] = [];
      for (let after = 0; ; ) {
        const page = await service.store.readAll({ after, limit: 2000 });
        if (page.length === 0) break;
        events.push(...page);
        after = page.at(-1)!.position;
      }
      t.equal(events.at(-1)?.position, ready.store.headPosition, 'the log ends where the server said it did');
      checkLog(t, events, sent, views);

      const report = await verifyAll(service.store, { progressEvery: 0 });
      t.same(
        { intact: report.intact, breaks: report.breaks, events: report.events },
        { intact: true, breaks: [], events: events.length },
        `every hash chain verifies: ${report.streams} streams, ${report.events} events`,
      );

      const rebuilt = await rebuild(service.store, service.readModels, ALL_PROJECTIONS);
      t.equal(rebuilt.position, ready.store.headPosition, 'the rebuild read the whole log');
    } finally {
      await service.close();
    }
    const fresh = dumpReadModels(file);
    t.same([...fresh.keys()], [...live.keys()], 'the rebuild has the same tables');
    for (const [table, rows] of live) {
      const again = new Set(fresh.get(table) ?? []);
      const kept = new Set(rows);
      const diff = {
        onlyLive: rows.filter((row) => !again.has(row)).slice(0, 3),
        onlyRebuilt: (fresh.get(table) ?? []).filter((row) => !kept.has(row)).slice(0, 3),
      };
      t.same(
        diff,
        { onlyLive: [], onlyRebuilt: [] },
        `${table}: the live rows are the rebuilt rows (${rows.length})`,
      );
      t.equal(fresh.get(table)?.length, rows.length, `${table}: as many rows`);
    }
  },
);

/** What GET /cases/{id} must show for a case, from the commands acknowledged on it. */
function expectedView(model: CaseModel) {
  return {
    status: model.status,
    noteCount: model.notes,
    attachmentCount: model.attachments,
    summons: model.summons,
    feedback: model.feedback,
    reopenCount: model.reopenCount,
    assigneeId: model.assigneeId,
    mergedFrom: [...model.mergedFrom].sort(),
    intoCaseId: model.intoCaseId,
    // Personal data masked, and readable: the person's key was on disk before the event it sealed.
    parties: ['张*', '李*'],
  };
}

/**
 * The log against the commands: every stream's revisions contiguous; each command's events together,
 * in one stream, of the types it decides, at the revision and position its answer gave; every command
 * there once; nothing there no command wrote.
 */
function checkLog(
  t: Test,
  events: readonly StoredEvent[],
  sent: readonly Sent[],
  views: Map<string, CaseView>,
) {
  const ordered = events.every((event, i) => i === 0 || event.position > events[i - 1]!.position);
  t.ok(ordered, 'positions only grow');

  const streams = new Map<string, StoredEvent[]>();
  for (const event of events) {
    const list = streams.get(event.stream) ?? [];
    list.push(event);
    streams.set(event.stream, list);
  }
  const gaps = [...streams].filter(([, list]) => list.some((event, i) => event.revision !== i));
  t.same(
    gaps.map(([stream]) => stream).slice(0, 5),
    [],
    `all ${streams.size} streams run 0, 1, 2… without a gap`,
  );

  // Each (stream, command id) as stored: its events must be one run of consecutive revisions.
  const written = new Map<string, { stream: string; events: StoredEvent[] }>();
  const scattered: string[] = [];
  for (const [stream, list] of streams) {
    let previous: string | undefined;
    for (const event of list) {
      const commandId = String(event.metadata.commandId);
      const found = written.get(commandId);
      if (found && (found.stream !== stream || previous !== commandId))
        scattered.push(`${commandId} in ${stream}`);
      if (found) found.events.push(event);
      else written.set(commandId, { stream, events: [event] });
      previous = commandId;
    }
  }
  t.same(scattered.slice(0, 5), [], "a command's events lie together in one stream: never applied twice");

  const expected = new Map(
    sent.flatMap((s) => s.writes.map((w) => [w.commandId, { sent: s, write: w }] as const)),
  );
  // Every command was sent until it got an answer: one without (its worker failed) may or may not be there.
  const missing = [...expected]
    .filter(([commandId, { sent: s }]) => s.answer && !written.has(commandId))
    .map(([, { sent: s, write }]) => `${s.path} (key ${s.key}) → ${write.stream}`);
  t.same(
    missing.slice(0, 5),
    [],
    `the ${[...expected.values()].filter(({ sent: s }) => s.answer).length} writes of acknowledged commands are all in the log`,
  );
  const extra = [...written.keys()].filter((commandId) => !expected.has(commandId));
  t.same(extra.slice(0, 5), [], 'nothing is in the log that no command wrote');

  const wrong = [...expected].flatMap(([commandId, { sent: s, write }]) => {
    const found = written.get(commandId);
    if (!found) return [];
    const actual = { stream: found.stream, types: found.events.map((event) => event.type) };
    const wanted = { stream: write.stream, types: [...write.types] };
    return JSON.stringify(actual) === JSON.stringify(wanted)
      ? []
      : [{ path: s.path, key: s.key, actual, wanted }];
  });
  t.same(wrong.slice(0, 3), [], 'each command wrote all its events, of the types it decides, and no others');

  const misanswered = sent.flatMap((s) => {
    const found = written.get(s.writes[0]!.commandId);
    const last = found?.events.at(-1);
    if (!last || !s.answer) return [];
    const told = { revision: s.answer.revision, position: s.answer.position };
    const stored = { revision: last.revision, position: last.position };
    return JSON.stringify(told) === JSON.stringify(stored)
      ? []
      : [{ path: s.path, key: s.key, told, stored }];
  });
  t.same(misanswered.slice(0, 3), [], 'every 2xx named the revision and position its events have in the log');

  const stale = [...views].filter(
    ([caseId, view]) => view.revision !== (streams.get(`case-${caseId}`)?.length ?? 0) - 1,
  );
  t.same(stale.map(([caseId]) => caseId).slice(0, 5), [], "each case answered at its stream's last revision");
}
