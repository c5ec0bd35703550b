import { join } from 'node:path';
import type Database from 'better-sqlite3';
import t from 'tap';
import { caseListProjection } from '../../src/projections/case-list.js';
import type { Projection } from '../../src/projections/projection.js';
import { ReadModels } from '../../src/projections/read-models.js';
import { rebuild } from '../../src/projections/rebuild.js';
import { ProjectionRunner, ReadYourWritesTimeout } from '../../src/projections/runner.js';
import { actors } from '../support/case-fixtures.js';
import { type Harness, harness, intake } from '../support/handler-fixtures.js';

const rows = (db: Database.Database) => ({
  cases: db.prepare('SELECT * FROM case_list ORDER BY seq').all(),
  departments: db.prepare('SELECT * FROM case_list_departments ORDER BY department_id, seq').all(),
  text: db.prepare('SELECT rowid, text FROM case_list_text ORDER BY rowid').safeIntegers(true).all(),
});

async function scenario(h: Harness, prefix: string, count: number): Promise<number> {
  let position = 0;
  for (let i = 0; i < count; i += 1) {
    const caseId = `${prefix}${i}`;
    await h.handler.handle({ caseId, command: intake({ caseId }), actor: actors.gridWorker });
    await h.handler.handle({
      caseId,
      command: { type: 'AcceptCase', handlingMode: 'onSite' },
      actor: actors.mediator,
    });
    await h.handler.handle({
      caseId,
      command: { type: 'WhistleDepartments', departmentIds: ['police-east'], reason: '协助' },
      actor: actors.mediator,
    });
    position = (
      await h.handler.handle({
        caseId,
        command: { type: 'AddNote', noteId: `n${i}`, text: `走访记录${i}` },
        actor: actors.mediator,
      })
    ).position;
  }
  return position;
}

t.test('a restarted runner resumes from its checkpoint: nothing lost, nothing applied twice', async (t) => {
  const h = await harness(t);
  const file = join(h.dir, 'read-models.sqlite');
  let readModels = new ReadModels(file);
  let runner = new ProjectionRunner(h.store, readModels, [caseListProjection]);
  await runner.start();
  await runner.waitFor(await scenario(h, 'a', 3), 2000);
  await runner.stop();
  readModels.close();
  const head = await scenario(h, 'b', 2);
  readModels = new ReadModels(file);
  runner = new ProjectionRunner(h.store, readModels, [caseListProjection]);
  await runner.start();
  await runner.waitFor(head, 2000);
  t.equal(runner.status().checkpoint, head);
  t.equal(rows(readModels.db).cases.length, 5);
  t.equal(rows(readModels.db).text.length, 10, 'each description and note indexed once');
  t.ok(runner.status().lagMs.samples > 0, 'lag is reported');
  await runner.stop();
  readModels.close();
});

t.test('rebuild into fresh tables equals the incremental result, even with appends during it', async (t) => {
  const h = await harness(t);
  const readModels = new ReadModels(join(h.dir, 'read-models.sqlite'));
  const runner = new ProjectionRunner(h.store, readModels, [caseListProjection]);
  await runner.start();
  t.teardown(async () => {
    await runner.stop();
    readModels.close();
  });
  await runner.waitFor(await scenario(h, 'a', 10), 5000);
  const incremental = rows(readModels.db);
  const report = await rebuild(h.store, readModels, [caseListProjection]);
  t.equal(report.position, runner.status().checkpoint);
  t.same(rows(readModels.db), incremental, 'the rebuilt tables hold exactly the same rows');
  const during = scenario(h, 'b', 5);
  await rebuild(h.store, readModels, [caseListProjection]);
  await runner.waitFor(await during, 5000);
  const live = rows(readModels.db);
  const fresh = new ReadModels(join(h.dir, 'fresh.sqlite'));
  await rebuild(h.store, fresh, [caseListProjection]);
  t.equal(live.cases.length, 15);
  t.same(live, rows(fresh.db), 'live rows after a rebuild under load equal a rebuild from zero');
  fresh.close();
});

t.test('a projection that fails stops the runner and names the event; it never skips', async (t) => {
  const h = await harness(t);
  const readModels = new ReadModels(join(h.dir, 'read-models.sqlite'));
  const picky: Projection<'picky'> = {
    name: 'picky',
    version: 1,
    tables: ['picky'],
    create: (db, names) => db.exec(`CREATE TABLE "${names.picky}" (position INTEGER PRIMARY KEY)`),
    prepare: (db, names) => {
      const insert = db.prepare(`INSERT INTO "${names.picky}" (position) VALUES (?)`);
      return (event) => {
        if (event.type === 'CaseAccepted') throw new Error('cannot handle acceptance');
        insert.run(event.position);
      };
    },
  };
  const runner = new ProjectionRunner(h.store, readModels, [caseListProjection, picky]);
  await runner.start();
  t.teardown(async () => {
    await runner.stop();
    readModels.close();
  });
  const submitted = await h.handler.handle({
    caseId: 'x',
    command: intake({ caseId: 'x' }),
    actor: actors.gridWorker,
  });
  await runner.waitFor(submitted.position, 2000);
  const accepted = await h.handler.handle({
    caseId: 'x',
    command: { type: 'AcceptCase', handlingMode: 'onSite' },
    actor: actors.mediator,
  });
  const failed = await runner.waitFor(accepted.position, 2000).catch((error: unknown) => error);
  const [event] = (await h.store.readAll({ after: submitted.position, limit: 1 })) ?? [];
  t.match(failed, {
    code: 'projection_failed',
    projection: 'picky',
    position: accepted.position,
    eventId: event?.id,
  });
  t.match(runner.status(), {
    running: false,
    checkpoint: submitted.position,
    failure: { position: accepted.position },
  });
  t.match(
    String((failed as Error).message),
    /picky failed on CaseAccepted .* at position \d+: cannot handle acceptance/,
  );
  t.same(
    readModels.db.prepare("SELECT status FROM case_list WHERE case_id = 'x'").get(),
    { status: 'submitted' },
    'the whole batch rolled back',
  );
});

t.test('read your own writes gives up after a bounded wait with a clear error', async (t) => {
  const h = await harness(t);
  const readModels = new ReadModels(join(h.dir, 'read-models.sqlite'));
  const runner = new ProjectionRunner(h.store, readModels, [caseListProjection]);
  await runner.start();
  t.teardown(async () => {
    await runner.stop();
    readModels.close();
  });
  const error = await runner.waitFor(1_000_000, 50).catch((e: unknown) => e);
  t.ok(error instanceof ReadYourWritesTimeout);
  t.match(error, { code: 'projection_timeout', message: /position 1000000 after 50 ms/ });
});
