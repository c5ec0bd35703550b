// Tokens from an identity provider: when CASETRAIL_JWT_JWKS_URL names the issuer's key set, RS256 and
// ES256 tokens are verified against it (and must name that issuer); HS256 tokens still use the
// service's own secret. The algorithm picks the key, never the other way round, so a token cannot
// pass the public key off as an HMAC secret.
import type { FastifyRequest } from 'fastify';
import buildGetJwks from 'get-jwks';

export const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256'] as const;

export interface JwksOptions {
  /** e.g. https://id.example.org/.well-known/jwks.json */
  readonly url: string;
  /** The `iss` claim tokens from it must carry; defaults to the URL's origin. */
  readonly issuer?: string;
}

type TokenOrHeader = {
  header?: { alg?: string; kid?: string };
  alg?: string;
  kid?: string;
  payload?: { iss?: string };
};

export function secretResolver(secret: string, jwks: JwksOptions | undefined) {
  const url = jwks ? new URL(jwks.url) : undefined;
  const getJwks = url ? buildGetJwks({ jwksPath: url.pathname, ttl: 10 * 60_000, max: 100 }) : undefined;
  const issuer = jwks?.issuer ?? url?.origin;
  return async (_request: FastifyRequest, token: TokenOrHeader): Promise<string> => {
    const header = token.header ?? token;
    if (header.alg === 'HS256') return secret;
    if (!getJwks || !url || !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(header.alg ?? '')) {
      throw new Error(`tokens signed with ${String(header.alg)} are not accepted`);
    }
    if (token.payload?.iss !== issuer) throw new Error('the token names another issuer');
    return getJwks.getPublicKey({ domain: url.origin, alg: header.alg ?? '', kid: header.kid ?? '' });
  };
}
