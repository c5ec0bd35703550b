#!/usr/bin/env node
// The `casetrail` command.
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { audit } from './audit/audit-command.js';
import { ConfigError, describeConfig, parseConfig } from './config.js';
import { demo } from './demo.js';
import { buildApp } from './http/app.js';
import { loadJwtSecret, registerAuth, signToken } from './http/auth.js';
import { HttpProblem } from './http/problem.js';
import { ALL_PROJECTIONS } from './projections/all.js';
import { rebuild } from './projections/rebuild.js';
import { openService } from './service.js';

const names = ALL_PROJECTIONS.map((p) => p.name).join(', ');
const USAGE = `usage: casetrail <command>

commands:
  serve                  run the HTTP service (embedded SQLite under CASETRAIL_DATA_DIR, or KurrentDB
                         when CASETRAIL_STORE is a kurrentdb:// connection string), with the projections
                         and the deadline process
  projections rebuild [NAME…]
                         rebuild read models from the log into fresh tables and swap them in (all when no
                         name is given: ${names}); safe while the service runs
  token --sub ID --role ROLE --scope ORG_UNIT [--dept DEPT] [--name NAME] [--ttl SECONDS]
                         print a bearer token for local use (signed with the service's secret)
  demo [--no-wait]       load a sample directory into the running service (same HOST, PORT and
                         CASETRAIL_DATA_DIR) and play the seed stories through its HTTP API; --no-wait
                         skips waiting about a minute for a real deadline to escalate story 4
  audit verify [--case ID] [--seal FILE]
                         verify every hash chain in the log (or one case's) and, with a seal, that
                         nothing it covers changed; exits 0 when intact, 1 naming the first broken stream
                         and revision and what is wrong
  audit replay CASE_ID [--revision N | --at ISO]
                         print the case as it stood right after that revision or at that instant
  audit export [--case ID] [--format jsonl|csv] [--out FILE]
                         write case histories (all, or one) as JSON Lines or CSV, to standard output or FILE
  audit seal [--out FILE]
                         verify, then print and store in the log a Merkle root over every stream head at
                         the log's head; --out also writes it with its leaves to FILE for --seal
  help                   this text

configuration (environment): CASETRAIL_DATA_DIR (./data), CASETRAIL_STORE (sqlite | kurrentdb://…),
  CASETRAIL_SQLITE_SYNCHRONOUS (FULL | NORMAL), CASETRAIL_MAX_EVENT_BYTES (1048576),
  HOST (127.0.0.1), PORT (3000), LOG_LEVEL (info), CASETRAIL_JWT_SECRET (generated into the data
  directory when absent), CASETRAIL_JWT_JWKS_URL and CASETRAIL_JWT_ISSUER (an identity provider's keys),
  CASETRAIL_KEYS_FILE (the per-person encryption keys; default <data dir>/keys.sqlite)`;

const SHUTDOWN_GRACE_MS = 10_000;

async function serve(): Promise<void> {
  const config = parseConfig();
  let log: { error: (details: object, message: string) => void } = {
    error: (details, message) => console.error(message, details),
  };
  const service = await openService(config, {
    onDeadlineError: (error, due) =>
      log.error(
        { code: (error as { code?: string }).code, caseId: due?.caseId, clock: due?.clock },
        'a deadline command failed',
      ),
  });
  const app = await buildApp({
    service,
    config,
    jwtSecret: loadJwtSecret(config.dataDir, config.jwtSecret),
    ...(config.jwks ? { jwks: config.jwks } : {}),
  });
  log = app.log;
  app.log.info({ config: describeConfig(config) }, 'starting casetrail');
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping: no new requests, finishing those in flight');
    // Requests in flight get a bounded time to finish; a client holding a connection open (an event
    // stream, an idle keep-alive) must not keep the service from stopping.
    const closed = await Promise.race([
      app.close().then(() => true),
      delay(SHUTDOWN_GRACE_MS).then(() => false),
    ]);
    if (!closed)
      app.log.warn(
        { graceMs: SHUTDOWN_GRACE_MS },
        'connections still open after the grace period; closing anyway',
      );
    await service.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  await app.listen({ host: config.host, port: config.port });
}

async function rebuildProjections(names: string[]): Promise<void> {
  const unknown = names.filter((name) => !ALL_PROJECTIONS.some((p) => p.name === name));
  if (unknown.length > 0) {
    console.error(
      `casetrail: no read model named ${unknown.join(', ')}; there are ${ALL_PROJECTIONS.map((p) => p.name).join(', ')}`,
    );
    process.exitCode = 2;
    return;
  }
  const chosen = names.length === 0 ? ALL_PROJECTIONS : ALL_PROJECTIONS.filter((p) => names.includes(p.name));
  const service = await openService(parseConfig(), { live: false });
  const tty = process.stderr.isTTY;
  try {
    const report = await rebuild(service.store, service.readModels, chosen, (position, target) => {
      if (tty) process.stderr.write(`\rrebuilding… position ${position} of ${target}`);
    });
    if (tty) process.stderr.write('\n');
    const speed = Math.round(report.events / Math.max(report.seconds, 1e-9));
    console.log(
      `rebuilt ${report.projections.join(', ')}: ${report.events} events up to position ${report.position} in ${report.seconds.toFixed(2)} s (${speed} events/s)`,
    );
  } finally {
    await service.close();
  }
}

/** `casetrail token`: a token for local use, signed with the same secret the service verifies. */
async function token(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sub: { type: 'string' },
      role: { type: 'string' },
      scope: { type: 'string' },
      dept: { type: 'string' },
      name: { type: 'string' },
      ttl: { type: 'string' },
    },
    strict: true,
  });
  if (!values.sub || !values.role || !values.scope) {
    console.error('casetrail: token needs --sub, --role and --scope (and --dept for a liaison)');
    process.exitCode = 2;
    return;
  }
  const ttl = values.ttl === undefined ? undefined : Number(values.ttl);
  if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0)) {
    console.error('casetrail: --ttl is a whole number of seconds');
    process.exitCode = 2;
    return;
  }
  const config = parseConfig();
  const app = Fastify({ logger: false });
  await registerAuth(app, loadJwtSecret(config.dataDir, config.jwtSecret));
  await app.ready();
  const { sub, role, scope, dept, name } = values;
  console.log(
    signToken(app, {
      sub,
      role,
      scope,
      ...(dept ? { dept } : {}),
      ...(name ? { name } : {}),
      ...(ttl ? { ttl } : {}),
    }),
  );
  await app.close();
}

async function main(argv: string[]): Promise<void> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false });
  const [command] = positionals;
  switch (command) {
    case 'serve':
      return serve();
    case 'token':
      return token(argv.slice(1));
    case 'demo':
      return demo(argv.slice(1));
    case 'projections':
      if (positionals[1] === 'rebuild') return rebuildProjections(positionals.slice(2));
      console.error(`casetrail: projections takes 'rebuild'\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    case 'audit':
      return audit(argv.slice(1));
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
  if (error instanceof ConfigError || error instanceof HttpProblem)
    console.error(`casetrail: ${error.message}`);
  else console.error(error);
  process.exit(1);
});
