// Tokens from an identity provider's key set (JWKS), served for real on loopback.
import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { parseConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { signToken } from '../../src/http/auth.js';
import { httpHarness, JWT_SECRET } from '../support/http-fixtures.js';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function rs256(privateKey: KeyObject, payload: object, kid = 'key-1'): string {
  const body = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64(payload)}`;
  return `${body}.${sign('RSA-SHA256', Buffer.from(body), privateKey).toString('base64url')}`;
}

t.test('RS256 tokens from the configured key set are accepted; others are 401', async (t) => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'key-1', alg: 'RS256', use: 'sig' };
  const server = createServer((request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(request.url === '/.well-known/jwks.json' ? { keys: [jwk] } : {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const h = await httpHarness(t);
  const config = parseConfig({ CASETRAIL_DATA_DIR: h.dir, LOG_LEVEL: 'silent' });
  const app = await buildApp({
    service: h.service,
    config,
    jwtSecret: JWT_SECRET,
    logger: false,
    jwks: { url: `${issuer}/.well-known/jwks.json` },
  });
  t.teardown(() => app.close());
  const claims = {
    sub: 'idp-user',
    role: 'mediator',
    scope: 'community-sunrise',
    iss: issuer,
    exp: Math.floor(Date.now() / 1000) + 600,
  };
  const status = async (token: string) =>
    (await app.inject({ url: '/api/v1/cases/none', headers: { authorization: `Bearer ${token}` } }))
      .statusCode;
  t.equal(
    await status(rs256(privateKey, claims)),
    404,
    'signed by the provider: authenticated (the case just does not exist)',
  );
  t.equal(await status(rs256(stranger, claims)), 401, 'signed by another key');
  t.equal(await status(rs256(privateKey, { ...claims, iss: 'https://evil.example' })), 401, 'another issuer');
  t.equal(await status(rs256(privateKey, { ...claims, exp: 1 })), 401, 'expired');
  t.equal(await status(rs256(privateKey, claims, 'unknown-kid')), 401, 'a key id the set does not have');
  t.equal(
    await status(signToken(app, { sub: 'local', role: 'chair', scope: 'district-1' })),
    404,
    'the service’s own HS256 tokens still work',
  );
  const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const confused = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  const hmac = createHmac('sha256', pem).update(confused).digest('base64url');
  t.equal(await status(`${confused}.${hmac}`), 401, 'the public key passed off as an HMAC secret');
});
