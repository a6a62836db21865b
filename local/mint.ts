/** Mints a token the local issuer would issue: ES256, `typ: JWT`, iss/sub/aud/iat/exp/jti/scope. */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SigningKey } from './signing-key.js';

export interface MintOptions {
  readonly issuer: string;
  readonly sub: string;
  readonly aud: string | readonly string[];
  /** Space-separated scopes; omitted from the token when empty. */
  readonly scope: string;
  /** Lifetime in seconds. */
  readonly ttl: number;
  /** @default a random UUID */
  readonly jti?: string;
  /** Extra claims (e.g. `role`); they cannot override the standard ones above. */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** Seconds since the epoch. @default now */
  readonly now?: number;
  /** `iat` in epoch seconds, when it must differ from `now` (e.g. a future `iat`). @default now */
  readonly iat?: number;
  /** `exp` in epoch seconds, overriding `iat + ttl` (e.g. an expired token). */
  readonly exp?: number;
  /** `nbf` in epoch seconds; omitted from the token when absent. */
  readonly nbf?: number;
}

export async function mintToken(key: SigningKey, options: MintOptions): Promise<string> {
  const iat = options.iat ?? options.now ?? Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { ...options.claims };
  if (options.nbf !== undefined) payload['nbf'] = options.nbf;
  if (options.scope.trim() !== '') payload['scope'] = options.scope.trim();
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(options.issuer)
    .setSubject(options.sub)
    .setAudience(typeof options.aud === 'string' ? options.aud : [...options.aud])
    .setIssuedAt(iat)
    .setExpirationTime(options.exp ?? iat + options.ttl)
    .setJti(options.jti ?? randomUUID())
    .sign(key.privateKey);
}
