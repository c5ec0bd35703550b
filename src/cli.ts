#!/usr/bin/env node
// The `casetrail` command.
import { parseArgs } from 'node:util';
import { ConfigError, describeConfig, parseConfig } from './config.js';
import { openEventStore } from './events/open-store.js';
import { buildApp } from './http/app.js';

const USAGE = `usage: casetrail <command>

commands:
  serve     run the HTTP service (embedded SQLite under CASETRAIL_DATA_DIR, or KurrentDB when
            CASETRAIL_STORE is a kurrentdb:// connection string)
  help      this text

configuration (environment): CASETRAIL_DATA_DIR (./data), CASETRAIL_STORE (sqlite | kurrentdb://…),
  CASETRAIL_SQLITE_SYNCHRONOUS (FULL | NORMAL), CASETRAIL_MAX_EVENT_BYTES (1048576),
  HOST (127.0.0.1), PORT (3000), LOG_LEVEL (info)`;

async function serve(): Promise<void> {
  const config = parseConfig();
  const store = await openEventStore(config.store, config.maxEventBytes);
  const app = buildApp({ store, config });
  app.log.info({ config: describeConfig(config) }, 'starting casetrail');
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping: no new requests, finishing those in flight');
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  await app.listen({ host: config.host, port: config.port });
}

async function main(argv: string[]): Promise<void> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false });
  const [command] = positionals;
  switch (command) {
    case 'serve':
      return serve();
    case undefined:
    case 'help':
      console.log(USAGE);
      return;
    default:
      console.error(`casetrail: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`casetrail: ${error.message}`);
  else console.error(error);
  process.exit(1);
});
