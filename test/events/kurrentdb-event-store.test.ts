// The conformance suite against KurrentDB: a server named by CASETRAIL_TEST_KURRENTDB, or one that
// testcontainers starts when it finds a Docker engine. Without either the run says it skipped, and why.
import t from 'tap';
import { createKurrentDbEventStore } from '../../src/events/kurrentdb/kurrentdb-event-store.js';
import { eventStoreConformance } from './conformance.js';

const IMAGE =
  process.env.CASETRAIL_TEST_KURRENTDB_IMAGE ?? 'docker.kurrent.io/kurrent-latest/kurrentdb:25.0.1';

type Server = { connectionString: string; stop: () => Promise<unknown> } | { skip: string };

async function kurrentDbServer(): Promise<Server> {
  const fromEnv = process.env.CASETRAIL_TEST_KURRENTDB;
  if (fromEnv) return { connectionString: fromEnv, stop: async () => undefined };
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
  } catch (error) {
    const why = (error as Error).message;
    return {
      skip: `KurrentDB skipped: CASETRAIL_TEST_KURRENTDB is not set and testcontainers found no Docker engine (${why})`,
    };
  }
  const { KurrentDbContainer } = await import('@testcontainers/kurrentdb');
  // The same append limit as docker-compose.yml, so that a maximal (1 MiB) event fits.
  const container = await new KurrentDbContainer(IMAGE)
    .withEnvironment({ KURRENTDB_MAX_APPEND_SIZE: '8388608' })
    .start();
  return { connectionString: container.getConnectionString(), stop: () => container.stop() };
}

const server = await kurrentDbServer();
if ('skip' in server) {
  t.comment(server.skip);
  t.test('KurrentDB event store conformance', { skip: server.skip }, async () => undefined);
} else {
  t.teardown(server.stop);
  t.test('KurrentDB event store conformance', async (t) => {
    eventStoreConformance(t, async () =>
      createKurrentDbEventStore({ connectionString: server.connectionString }),
    );
  });
}
