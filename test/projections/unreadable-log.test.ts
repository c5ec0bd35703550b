// A row altered in the log so that it no longer parses stops the runner with a named failure; the
// service process survives, and /ready says why.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { ALL_PROJECTIONS } from '../../src/projections/all.js';
import { ReadModels } from '../../src/projections/read-models.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { actors } from '../support/case-fixtures.js';
import { harness, intake } from '../support/handler-fixtures.js';

t.test('an unreadable event stops the runner and names where; nothing crashes', async (t) => {
  const h = await harness(t);
  const readModels = new ReadModels(join(h.dir, 'read-models.sqlite'));
  const runner = new ProjectionRunner(h.store, readModels, ALL_PROJECTIONS);
  await runner.start();
  t.teardown(async () => {
    await runner.stop();
    readModels.close();
  });
  const first = await h.handler.handle({
    caseId: 'a',
    command: intake({ caseId: 'a' }),
    actor: actors.gridWorker,
  });
  await runner.waitFor(first.position, 2000);
  await runner.stop();
  const raw = new Database(h.file);
  raw.prepare("UPDATE events SET data = '{not json' WHERE position = ?").run(first.position);
  raw.close();
  const second = await h.handler.handle({
    caseId: 'b',
    command: intake({ caseId: 'b' }),
    actor: actors.gridWorker,
  });
  const restarted = new ProjectionRunner(h.store, readModels, ALL_PROJECTIONS);
  // Rewind to before the damaged row, as a rebuild from zero would read it.
  readModels.moveCheckpoint(first.position - 1);
  await restarted.start();
  const failure = await restarted.waitFor(second.position, 2000).catch((error: unknown) => error);
  t.match(failure, { code: 'projection_failed', position: first.position });
  t.match(restarted.status(), { running: false, failure: { position: first.position } });
  await restarted.stop();
});
