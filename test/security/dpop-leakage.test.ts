/**
 * Threat: a DPoP proof or the token it carries reaching a log line, where a log reader could replay or
 * harvest them (a proof is single-use, but its `jti`, `ath` and signature still must not be logged).
 * Defences: the decision line's fixed field list (create-authorizer.ts `decisionFields`,
 * decision-log.ts): the key's thumbprint and the token type, never the proof. Output is read where it
 * goes: process.stdout and process.stderr, with the default decision log, as in Lambda.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthorizer } from '../../functions/authorizer/create-authorizer.js';
import { MemoryReplayStore } from '../../lib/replay-store.js';
import { claims, lambdaContext, testEnv } from '../helpers/fixtures.js';
import { generateKey } from '../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { forgeProof, restDpopEvent, restUri, thumbprintOf } from '../helpers/dpop.js';
import { captureStdio } from '../helpers/captured-stdio.js';
import { classify, forge } from './support.js';

const issuerKey = generateKey('ES256', 'issuer-key');
const proofKey = generateKey('ES256', 'p');
const PROOF_JTI = 'canary-proof-jti-5d1e';
let jwks: JwksServer;
let jkt: string;
beforeAll(async () => {
  jwks = await startJwksServer([issuerKey.publicJwk]);
  jkt = await thumbprintOf(proofKey);
});
afterAll(async () => jwks.close());

const written = captureStdio();

describe('DPoP never reaches a log line', () => {
  it.each([
    ['allow', {}, 'allow'],
    ['replayed proof', {}, 'replay'],
    ['wrong htm', { claims: { htm: 'POST' } }, 'unauthorized'],
    ['wrong typ', { header: { typ: 'JWT' } }, 'unauthorized'],
    ['bad signature', { signAlg: 'ES256', header: { jwk: { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' } } }, 'unauthorized'],
  ] as const)('%s', async (_name, opts, expected) => {
    const now = Math.floor(Date.now() / 1000);
    const authorizer = createAuthorizer({ env: testEnv(jwks.url, { DPOP_MODE: 'allowed', REPLAY_PROTECTION: 'off' }), replayStore: new MemoryReplayStore(), clock: () => now * 1000 });
    const token = forge(issuerKey, { alg: 'ES256', kid: issuerKey.kid, typ: 'JWT' }, claims({ cnf: { jkt } }, now));
    const proof = forgeProof(proofKey, { htu: restUri(), htm: 'GET', accessToken: token, now }, { ...opts, claims: { jti: PROOF_JTI, ...('claims' in opts ? opts.claims : {}) } });
    const invoke = (event: unknown) => authorizer(event, lambdaContext);
    const first = await classify(invoke, restDpopEvent(token, proof));
    if (expected === 'replay') {
      expect(first.outcome).toBe('allow');
      expect((await classify(invoke, restDpopEvent(token, proof))).outcome).toBe('unauthorized');
    } else {
      expect(first.outcome).toBe(expected);
    }
    const text = written();
    expect(text).toContain('authorizer decision');
    const [ph, pp, ps] = proof.split('.') as [string, string, string];
    const [, tp, ts] = token.split('.') as [string, string, string];
    for (const secret of [proof, ph, pp, ps, token, tp, ts, PROOF_JTI, JSON.parse(Buffer.from(pp, 'base64url').toString())['ath'] as string]) {
      expect(text).not.toContain(secret);
    }
    if (expected === 'allow') expect(text).toContain(`"jkt":"${jkt}"`);
  });
});
