import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { openSqliteEventStore } from '../../src/events/sqlite/sqlite-event-store.js';
import { buildApp } from '../../src/http/app.js';

const dir = mkdtempSync(join(tmpdir(), 'casetrail-app-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('/health answers, and /ready reports the store and turns 503 when it is gone', async (t) => {
  const store = openSqliteEventStore({ file: join(dir, 'events.sqlite') });
  const app = buildApp({ store, config: { logLevel: 'silent' }, logger: false });
  t.teardown(() => app.close());
  const health = await app.inject({ method: 'GET', url: '/health' });
  t.equal(health.statusCode, 200);
  t.same(health.json(), { status: 'ok' });
  await store.append('case-1', [{ id: crypto.randomUUID(), type: 'NoteAdded', data: {} }]);
  const ready = await app.inject({ method: 'GET', url: '/ready' });
  t.equal(ready.statusCode, 200);
  t.same(ready.json().store, { reachable: true, headPosition: 1 });
  await store.close();
  const gone = await app.inject({ method: 'GET', url: '/ready' });
  t.equal(gone.statusCode, 503);
  t.equal(gone.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.equal(gone.json().code, 'store_unavailable');
  t.match(gone.json().detail, /closed/);
});
