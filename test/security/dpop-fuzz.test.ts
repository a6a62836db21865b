/**
 * Threat: a proof header shaped to slip past the checker (a member of the wrong type, a key source, a
 * private or foreign key, an unknown alg or typ), or proof bytes that are not JSON at all.
 * Defences: dpop-proof.ts. Each case starts from a valid proof and breaks its header in one way chosen by
 * fast-check, then signs it with the right key: none may be allowed, and every refusal is a 401.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryReplayStore } from '../../lib/replay-store.js';
import { claims, testAuthorizer, testEnv } from '../helpers/fixtures.js';
import { generateKey } from '../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { bareJwk, forgeProof, restDpopEvent, restUri, thumbprintOf } from '../helpers/dpop.js';
import { b64u, classify, forge } from './support.js';

const issuerKey = generateKey('ES256', 'issuer-key');
const proofKey = generateKey('ES256', 'p');
let jwks: JwksServer;
let jkt: string;
beforeAll(async () => {
  jwks = await startJwksServer([issuerKey.publicJwk]);
  jkt = await thumbprintOf(proofKey);
});
afterAll(async () => jwks.close());

const notDpopTyp = fc.anything().filter((v) => typeof v !== 'string' || !/^(application\/)?dpop\+jwt$/i.test(v));
const notAllowedAlg = fc.anything().filter((v) => !['ES256', 'Ed25519', 'EdDSA', 'PS256', 'RS256'].includes(v as string));
const notTheJwk = fc.oneof(fc.anything(), fc.dictionary(fc.constantFrom('kty', 'crv', 'x', 'y', 'n', 'e', 'd', 'k'), fc.oneof(fc.string(), fc.constant('EC'), fc.constant('P-256'))));
/** One way to break a valid header. */
const mutation = fc.oneof(
  notDpopTyp.map((typ) => ({ typ })),
  fc.constant({ typ: undefined }),
  notAllowedAlg.map((alg) => ({ alg })),
  fc.constant({ alg: undefined }),
  notTheJwk.map((jwk) => ({ jwk })),
  fc.constant({ jwk: undefined }),
  fc.tuple(fc.constantFrom('kid', 'jku', 'x5c', 'x5u', 'crit', 'b64'), fc.anything()).map(([name, value]) => ({ [name]: value ?? null })),
  fc.constantFrom('d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k').map((name) => ({ jwk: { ...bareJwk(proofKey), [name]: 'AQAB' } })),
);

describe('fuzzed proof headers', () => {
  it('a valid proof with one broken header member is never allowed (401 every time)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const auth = testAuthorizer({ env: testEnv(jwks.url, { DPOP_MODE: 'allowed', REPLAY_PROTECTION: 'off' }), replayStore: new MemoryReplayStore(), now });
    const token = forge(issuerKey, { alg: 'ES256', kid: issuerKey.kid, typ: 'JWT' }, claims({ cnf: { jkt } }, now));
    // The unbroken proof passes: the mutations, not the setup, cause the refusals.
    const base = { htu: restUri(), htm: 'GET', accessToken: token, now };
    expect((await classify(auth.invoke, restDpopEvent(token, forgeProof(proofKey, base)))).outcome).toBe('allow');
    await fc.assert(
      fc.asyncProperty(mutation, async (header) => {
        const result = await classify(auth.invoke, restDpopEvent(token, forgeProof(proofKey, base, { header })));
        expect(result.outcome).toBe('unauthorized');
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes as header or payload are refused with 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const auth = testAuthorizer({ env: testEnv(jwks.url, { DPOP_MODE: 'allowed', REPLAY_PROTECTION: 'off' }), replayStore: new MemoryReplayStore(), now });
    const token = forge(issuerKey, { alg: 'ES256', kid: issuerKey.kid, typ: 'JWT' }, claims({ cnf: { jkt } }, now));
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.uint8Array({ minLength: 1, maxLength: 200 }), async (h, p) => {
        const result = await classify(auth.invoke, restDpopEvent(token, `${b64u(Buffer.from(h))}.${b64u(Buffer.from(p))}.AAAA`));
        expect(result.outcome).toBe('unauthorized');
      }),
      { numRuns: 200 },
    );
  });
});
