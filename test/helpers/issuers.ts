/** Test helpers for several issuers: an environment with TRUSTED_ISSUERS, and one JWKS server per issuer. */
import { testEnv } from './fixtures.js';
import { generateKey, type TestKey } from './keys.js';
import { startJwksServer, type JwksServer } from './jwks-server.js';

/** testEnv with TRUSTED_ISSUERS instead of JWT_ISSUER and JWKS_URI. */
export function issuersEnv(entries: readonly Record<string, unknown>[], overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env = testEnv('unused', { TRUSTED_ISSUERS: JSON.stringify(entries), ...overrides });
  delete env['JWT_ISSUER'];
  delete env['JWKS_URI'];
  return env;
}

/** One issuer under test: its identifier, signing key and JWKS server. */
export interface TestIssuer {
  readonly iss: string;
  readonly key: TestKey;
  readonly jwks: JwksServer;
}

/** Starts a JWKS server publishing `key` for the issuer `iss`. */
export async function startIssuer(iss: string, key: TestKey = generateKey('ES256', 'shared-kid')): Promise<TestIssuer> {
  return { iss, key, jwks: await startJwksServer([key.publicJwk]) };
}
