// The environment, parsed once at start-up; a bad value stops the start with a message naming it.
import { join, resolve } from 'node:path';

export type StoreConfig =
  | { readonly kind: 'sqlite'; readonly file: string; readonly synchronous: 'FULL' | 'NORMAL' }
  | { readonly kind: 'kurrentdb'; readonly connectionString: string };

export interface Config {
  readonly dataDir: string;
  readonly store: StoreConfig;
  /**
   * CASETRAIL_KEYS_FILE: the person keys of crypto-shredding (default keys.sqlite in the data
   * directory). Every instance of one deployment must use the same file.
   */
  readonly keysFile: string;
  readonly host: string;
  readonly port: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly maxEventBytes: number;
  /** CASETRAIL_JWT_SECRET; when absent one is generated into the data directory on first start. */
  readonly jwtSecret?: string;
  /** CASETRAIL_JWT_JWKS_URL (and CASETRAIL_JWT_ISSUER): an identity provider's key set. */
  readonly jwks?: { readonly url: string; readonly issuer?: string };
}

export class ConfigError extends Error {
  constructor(variable: string, value: string, expected: string) {
    super(`${variable}=${JSON.stringify(value)} is not valid: expected ${expected}`);
    this.name = 'ConfigError';
  }
}

const KURRENTDB_SCHEMES = /^(kurrentdb|kurrent|kdb|esdb)(\+discover)?:\/\//;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function oneOf<T extends string>(variable: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(variable, value, `one of ${allowed.join(', ')}`);
}

function wholeNumber(variable: string, value: string, min: number, max: number): number {
  const parsed = Number(value);
  if (/^\d+$/.test(value) && parsed >= min && parsed <= max) return parsed;
  throw new ConfigError(variable, value, `a whole number from ${min} to ${max}`);
}

function parseStore(env: NodeJS.ProcessEnv, dataDir: string): StoreConfig {
  const store = env.CASETRAIL_STORE ?? 'sqlite';
  if (KURRENTDB_SCHEMES.test(store)) return { kind: 'kurrentdb', connectionString: store };
  if (store !== 'sqlite')
    throw new ConfigError('CASETRAIL_STORE', store, "'sqlite' or a kurrentdb:// connection string");
  const synchronous = oneOf('CASETRAIL_SQLITE_SYNCHRONOUS', env.CASETRAIL_SQLITE_SYNCHRONOUS ?? 'FULL', [
    'FULL',
    'NORMAL',
  ]);
  return { kind: 'sqlite', file: resolve(dataDir, 'events.sqlite'), synchronous };
}

export function parseConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = resolve(env.CASETRAIL_DATA_DIR ?? './data');
  return {
    dataDir,
    store: parseStore(env, dataDir),
    keysFile: resolve(env.CASETRAIL_KEYS_FILE ?? join(dataDir, 'keys.sqlite')),
    host: env.HOST ?? '127.0.0.1',
    port: wholeNumber('PORT', env.PORT ?? '3000', 0, 65535),
    logLevel: oneOf('LOG_LEVEL', env.LOG_LEVEL ?? 'info', LOG_LEVELS),
    maxEventBytes: wholeNumber(
      'CASETRAIL_MAX_EVENT_BYTES',
      env.CASETRAIL_MAX_EVENT_BYTES ?? '1048576',
      1024,
      64 * 2 ** 20,
    ),
    ...jwtSecret(env.CASETRAIL_JWT_SECRET),
    ...jwks(env.CASETRAIL_JWT_JWKS_URL, env.CASETRAIL_JWT_ISSUER),
  };
}

function jwks(url: string | undefined, issuer: string | undefined): Pick<Config, 'jwks'> {
  if (url === undefined) return {};
  if (!/^https?:\/\/[^\s]+$/.test(url))
    throw new ConfigError('CASETRAIL_JWT_JWKS_URL', url, 'an http(s) URL of a JWKS document');
  return { jwks: issuer ? { url, issuer } : { url } };
}

function jwtSecret(value: string | undefined): { jwtSecret?: string } {
  if (value === undefined) return {};
  if (value.length < 32) throw new ConfigError('CASETRAIL_JWT_SECRET', '…', 'at least 32 characters');
  return { jwtSecret: value };
}

/** The configuration as it may be logged: no secret, no credentials from a connection string. */
export function describeConfig(config: Config): Record<string, unknown> {
  const { jwtSecret: secret, ...rest } = config;
  const store =
    config.store.kind === 'sqlite'
      ? config.store
      : { kind: 'kurrentdb', connectionString: redactUrl(config.store.connectionString) };
  return { ...rest, store, jwtSecret: secret ? '[set]' : '[generated in the data directory]' };
}

function redactUrl(connectionString: string): string {
  return connectionString.replace(/\/\/[^@/]*@/, '//***@');
}
