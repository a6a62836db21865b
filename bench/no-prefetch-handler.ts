/**
 * The handler as it was before the JWKS prefetch at init, for the first-request benchmark only: the same
 * wiring, with a key source that offers no `prefetch`, so the first request fetches the JWKS itself.
 */
import { createAuthorizer } from '../functions/authorizer/create-authorizer.js';
import { parseConfig } from '../lib/config.js';
import { RemoteKeySource, type KeySource } from '../lib/key-source.js';

const config = parseConfig(process.env);
const remote = new RemoteKeySource(config.issuers[0]!.jwksUri, { maxStaleMs: config.jwksMaxStaleSeconds * 1000 });
const keys: KeySource = {
  keysFor: (alg, kid, lookup) => remote.keysFor(alg, kid, lookup),
  cachedKeysFor: (alg, kid) => remote.cachedKeysFor(alg, kid),
};

/** The API Gateway Lambda authorizer, without the prefetch. */
export const handler = createAuthorizer({ env: process.env, keys });
