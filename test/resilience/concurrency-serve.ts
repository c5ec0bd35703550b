// `casetrail serve` as the CLI runs it, with one addition for the concurrency tests: every append the
// store refuses because the stream had moved on is written to standard error as
// `collision <commandId>`, so that the test can tell which commands the handler had to retry.
import { ConcurrencyError } from '../../src/events/errors.js';
import { SqliteEventStore } from '../../src/events/sqlite/sqlite-event-store.js';

const append = SqliteEventStore.prototype.append;
SqliteEventStore.prototype.append = async function (this: SqliteEventStore, stream, events, options) {
  try {
    return await append.call(this, stream, events, options);
  } catch (error) {
    if (error instanceof ConcurrencyError)
      process.stderr.write(`collision ${events[0]?.metadata?.commandId}\n`);
    throw error;
  }
};
// The test holds this process's standard input open: should the test die without stopping it (killed
// on a timeout), the input ends and this process goes too instead of serving on forever.
process.stdin.on('end', () => process.exit(1)).resume();
process.argv.splice(2, process.argv.length, 'serve');
await import('../../src/cli.js');
