// The embedded log after the process that was writing to it was killed with SIGKILL mid-write.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import t from 'tap';
import { readStreamToArray } from '../../src/events/event-store.js';
import { openSqliteEventStore } from '../../src/events/sqlite/sqlite-event-store.js';

const dir = mkdtempSync(join(tmpdir(), 'casetrail-crash-'));
const file = join(dir, 'events.sqlite');
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const fixture = new URL('./fixtures/append-until-killed.ts', import.meta.url).pathname;

/** Runs the writer until it has acknowledged `acks` appends plus a random few more, then SIGKILLs it. */
async function writeThenKill(round: number, acks: number): Promise<Map<string, string>> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, file, String(round)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const acknowledged = new Map<string, string>();
  const killAt = acks + Math.floor(Math.random() * 200);
  for await (const line of createInterface({ input: child.stdout })) {
    const [, stream, revision, id] = line.split(' ');
    acknowledged.set(`${stream}@${revision}`, id!);
    if (acknowledged.size === killAt) child.kill('SIGKILL');
  }
  await new Promise((resolve) =>
    child.exitCode !== null || child.signalCode ? resolve(null) : child.once('exit', resolve),
  );
  return acknowledged;
}

t.test('every acknowledged append survives SIGKILL, and nothing is half-written', async (t) => {
  for (let round = 1; round <= 3; round += 1) {
    const acknowledged = await writeThenKill(round, 300);
    const raw = new Database(file, { readonly: true });
    t.equal(raw.pragma('integrity_check', { simple: true }), 'ok', `round ${round}: the file is intact`);
    raw.close();
    const store = openSqliteEventStore({ file });
    for (let writer = 0; writer < 8; writer += 1) {
      const stream = `case-r${round}-w${writer}`;
      const events = await readStreamToArray(store, stream);
      const contiguous = events.every(
        (e, i) => e.revision === i && (e.data as { revision: number }).revision === i,
      );
      t.ok(contiguous, `round ${round}, ${stream}: revisions are contiguous and whole`);
      const missing = [...acknowledged]
        .filter(([key]) => key.startsWith(`${stream}@`))
        .filter(([key, id]) => events[Number(key.split('@')[1])]?.id !== id);
      t.same(missing, [], `round ${round}, ${stream}: every acknowledged append is stored`);
    }
    const all = await store.readAll({ limit: 10_000 });
    t.ok(
      all.every((e, i) => i === 0 || e.position > all[i - 1]!.position),
      `round ${round}: global order holds`,
    );
    t.ok(
      all.length >= acknowledged.size,
      `round ${round}: ${acknowledged.size} acknowledged appends all stored`,
    );
    // The reopened file takes new appends where the stream left off.
    const next = await store.append('case-after-crash', [
      { id: crypto.randomUUID(), type: 'Reopened', data: { round } },
    ]);
    t.equal(next.nextExpectedRevision, round - 1);
    await store.close();
  }
});
