/**
 * Threat: a stolen access token or a captured DPoP proof used again, for another request, or with a key
 * the token is not bound to; a bound token downgraded to Bearer; a proof header shaped to confuse the
 * checker (private or weak keys, key sources, crit, wrong typ or alg).
 * Attacker: has seen a token and one or more proofs (logs, a proxy) and can send any header at once.
 * Defences: extract-request.ts (schemes, one DPoP value), dpop-binding.ts (modes, TOKEN_BOUND, cnf.jkt),
 * dpop-proof.ts (every proof check), htu.ts (the request URI), decide.ts (the proof record in the
 * request's one commit). Proofs come from the independent `dpop` client package, and hand-forged ones
 * from node:crypto keys for each single defect. Each case changes one thing from a valid request, so
 * removing the check it names turns its 401 into an Allow or another reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryReplayStore, proofKey } from '../../lib/replay-store.js';
import { claims, restTokenEvent, testAuthorizer, testEnv } from '../helpers/fixtures.js';
import { generateKey, type TestKey } from '../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { DOMAIN, bareJwk, dpopClient, forgeProof, httpDpopEvent, restDpopEvent, restUri, thumbprintOf, websocketDpopEvent, type DpopClient } from '../helpers/dpop.js';
import { classify, expectDecision, forge } from './support.js';

const issuerKey = generateKey('ES256', 'issuer-key');
const h = { alg: 'ES256', kid: issuerKey.kid, typ: 'JWT' };
const proofKeyEs = generateKey('ES256', 'p');
let jkt: string;
let jwks: JwksServer;
let client: DpopClient;

beforeAll(async () => {
  jwks = await startJwksServer([issuerKey.publicJwk]);
  jkt = await thumbprintOf(proofKeyEs);
  client = await dpopClient('ES256');
});
afterAll(async () => jwks.close());

const clock = () => Math.floor(Date.now() / 1000);

function auth(env: Record<string, string> = {}, store = new MemoryReplayStore(), now = clock()) {
  return testAuthorizer({ env: testEnv(jwks.url, { DPOP_MODE: 'allowed', REPLAY_PROTECTION: 'off', ...env }), replayStore: store, now });
}
const token = (boundTo: string | undefined, extra: Record<string, unknown> = {}, now = clock()) =>
  forge(issuerKey, h, claims({ ...(boundTo === undefined ? {} : { cnf: { jkt: boundTo } }), ...extra }, now));

/** A REST REQUEST event for GET /dev/orders/42 with a hand-forged proof, one thing changed. */
function forged(opts: Parameters<typeof forgeProof>[2] = {}, key: TestKey = proofKeyEs, now = clock()) {
  const t = token(jkt, {}, now);
  return restDpopEvent(t, forgeProof(key, { htu: restUri(), htm: 'GET', accessToken: t, now }, opts));
}

describe('the independent dpop client', () => {
  it('its proof is accepted once; a fresh proof with the same token passes; context and log carry the thumbprint', async () => {
    const a = auth();
    const t = token(client.jkt);
    const proof = await client.proof(restUri(), 'GET', t);
    const first = await expectDecision(a, restDpopEvent(t, proof), 'allow', 'OK');
    const context = (first.response as { context: Record<string, unknown> }).context;
    expect(context).toMatchObject({ tokenType: 'DPoP', jkt: client.jkt });
    expect(a.output.decisions().at(-1)).toMatchObject({ tokenType: 'DPoP', jkt: client.jkt });
    await expectDecision(a, restDpopEvent(t, proof), 'unauthorized', 'DPOP_PROOF_REPLAYED');
    await expectDecision(a, restDpopEvent(t, await client.proof(restUri(), 'GET', t)), 'allow', 'OK');
  });

  it.each(['Ed25519', 'PS256', 'RS256'] as const)('a %s client is accepted', async (alg) => {
    const c = await dpopClient(alg);
    const t = token(c.jkt);
    await expectDecision(auth(), restDpopEvent(t, await c.proof(restUri(), 'GET', t)), 'allow', 'OK');
  });

  it('HTTP API on $default and on a named stage, and WebSocket $connect', async () => {
    const a = auth({ AUDIENCE_BY_STAGE: JSON.stringify({ dev: 'api-dev', $default: 'api-http' }) });
    const th = token(client.jkt, { aud: 'api-http' });
    await expectDecision(a, httpDpopEvent(th, await client.proof(`https://${DOMAIN}/orders/42`, 'GET', th)), 'allow', 'OK');
    const td = token(client.jkt);
    await expectDecision(a, httpDpopEvent(td, await client.proof(`https://${DOMAIN}/dev/orders/42`, 'GET', td), { stage: 'dev' }), 'allow', 'OK');
    const tw = token(client.jkt, { scope: 'chat' });
    await expectDecision(a, websocketDpopEvent(tw, await client.proof(`https://${DOMAIN}/dev`, 'GET', tw)), 'allow', 'OK');
  });

  it('single-use as well: both records in one commit; a fresh proof cannot revive a used token', async () => {
    const store = new MemoryReplayStore();
    const a = auth({ REPLAY_PROTECTION: 'single-use' }, store);
    const t = token(client.jkt);
    await expectDecision(a, restDpopEvent(t, await client.proof(restUri(), 'GET', t)), 'allow', 'OK');
    await expectDecision(a, restDpopEvent(t, await client.proof(restUri(), 'GET', t)), 'unauthorized', 'TOKEN_REPLAYED');
  });

  it('a replayed proof is refused even with another token bound to the same key', async () => {
    const a = auth();
    const t1 = token(client.jkt);
    const proof = await client.proof(restUri(), 'GET', t1);
    await expectDecision(a, restDpopEvent(t1, proof), 'allow', 'OK');
    await expectDecision(a, restDpopEvent(t1, proof, { stage: 'dev' }), 'unauthorized', 'DPOP_PROOF_REPLAYED');
  });

  it('50 concurrent requests with the same proof: exactly one Allow, across 5 instances sharing the table', async () => {
    const store = new MemoryReplayStore();
    const instances = Array.from({ length: 5 }, () => auth({}, store));
    const t = token(client.jkt);
    const event = restDpopEvent(t, await client.proof(restUri(), 'GET', t));
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => classify(instances[i % 5]!.invoke, event)));
    expect(results.filter((r) => r.outcome === 'allow')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'unauthorized')).toHaveLength(49);
    const reasons = instances.flatMap((i) => i.output.decisions().map((d) => d['reason']));
    expect(reasons.filter((r) => r === 'DPOP_PROOF_REPLAYED')).toHaveLength(49);
  });

  it('the proof record expires at iat + max age + skew', async () => {
    const now = clock();
    const store = new MemoryReplayStore();
    const event = forged({ claims: { jti: 'proof-jti-expiry', iat: now - 5 } }, proofKeyEs, now);
    await expectDecision(auth({ DPOP_PROOF_MAX_AGE_SECONDS: '60' }, store, now), event, 'allow', 'OK');
    const records = (store as unknown as { records: Map<string, number> }).records;
    expect(records.get(proofKey(jkt, 'proof-jti-expiry'))).toBe(now - 5 + 60 + 30);
  });
});

describe('schemes and modes', () => {
  it('mode off: the DPoP scheme is refused even with a valid proof', async () => {
    await expectDecision(auth({ DPOP_MODE: 'off' }), forged(), 'unauthorized', 'SCHEME_NOT_ALLOWED');
  });
  it('mode required: Bearer is refused; allowed: Bearer passes', async () => {
    await expectDecision(auth({ DPOP_MODE: 'required' }), restDpopEvent(token(undefined), [], { scheme: 'Bearer' }), 'unauthorized', 'SCHEME_NOT_ALLOWED');
    await expectDecision(auth(), restDpopEvent(token(undefined), [], { scheme: 'Bearer' }), 'allow', 'OK');
    await expectDecision(auth({ DPOP_MODE: 'required' }), forged(), 'allow', 'OK');
  });
  it('the scheme is case-insensitive', async () => {
    const now = clock();
    const t = token(jkt, {}, now);
    const proof = forgeProof(proofKeyEs, { htu: restUri(), htm: 'GET', accessToken: t, now });
    await expectDecision(auth({}, undefined, now), restDpopEvent(t, proof, { scheme: 'dpop' }), 'allow', 'OK');
  });
  it.each(['off', 'allowed'])('mode %s: a key-bound token presented as Bearer is refused', async (mode) => {
    await expectDecision(auth({ DPOP_MODE: mode }), restDpopEvent(token(jkt), [], { scheme: 'Bearer' }), 'unauthorized', 'TOKEN_BOUND');
    await expectDecision(auth({ DPOP_MODE: mode }), restDpopEvent(token(undefined, { cnf: { 'x5t#S256': 'abc' } }), [], { scheme: 'Bearer' }), 'unauthorized', 'TOKEN_BOUND');
  });
  it('mode required: a key-bound token presented as Bearer is refused', async () => {
    await expectDecision(auth({ DPOP_MODE: 'required' }), restDpopEvent(token(jkt), [], { scheme: 'Bearer' }), 'unauthorized');
  });
  it('a REST TOKEN event cannot carry a proof: the DPoP scheme there is refused', async () => {
    await expectDecision(auth(), restTokenEvent(`DPoP ${token(jkt)}`), 'unauthorized', 'SCHEME_NOT_ALLOWED');
  });
  it('a DPoP token without cnf.jkt, or bound to another key, is refused', async () => {
    const now = clock();
    for (const t of [token(undefined, {}, now), token('another-thumbprint', {}, now), token(undefined, { cnf: 'x' }, now)]) {
      await expectDecision(auth({}, undefined, now), restDpopEvent(t, forgeProof(proofKeyEs, { htu: restUri(), htm: 'GET', accessToken: t, now })), 'unauthorized', 'DPOP_JKT_MISMATCH');
    }
  });
});

describe('the DPoP header', () => {
  it('missing', async () => {
    await expectDecision(auth(), restDpopEvent(token(jkt), []), 'unauthorized', 'DPOP_PROOF_MISSING');
  });
  it('twice in multiValueHeaders, under two spellings, or comma-joined by an HTTP API', async () => {
    const now = clock();
    const t = token(jkt, {}, now);
    const p = () => forgeProof(proofKeyEs, { htu: restUri(), htm: 'GET', accessToken: t, now });
    const a = auth({ AUDIENCE_BY_STAGE: JSON.stringify({ dev: 'api-dev', $default: 'api-http' }) }, undefined, now);
    await expectDecision(a, restDpopEvent(t, [p(), p()]), 'unauthorized', 'DPOP_PROOF_AMBIGUOUS');
    const spelled = restDpopEvent(t, p());
    (spelled['headers'] as Record<string, string>)['dpop'] = p();
    await expectDecision(a, spelled, 'unauthorized', 'DPOP_PROOF_AMBIGUOUS');
    const th = token(jkt, { aud: 'api-http' }, now);
    const ph = () => forgeProof(proofKeyEs, { htu: `https://${DOMAIN}/orders/42`, htm: 'GET', accessToken: th, now });
    await expectDecision(a, httpDpopEvent(th, [ph(), ph()]), 'unauthorized', 'DPOP_PROOF_AMBIGUOUS');
    await expectDecision(a, httpDpopEvent(th, ph()), 'allow', 'OK');
  });
  it('over 8 KiB', async () => {
    await expectDecision(auth(), forged({ claims: { pad: 'x'.repeat(8200) } }), 'unauthorized', 'DPOP_PROOF_TOO_LARGE');
  });
  it('not a compact JWS, non-canonical base64url, or a duplicate member', async () => {
    const now = clock();
    const t = token(jkt, {}, now);
    const good = forgeProof(proofKeyEs, { htu: restUri(), htm: 'GET', accessToken: t, now });
    const [hd, pl, sg] = good.split('.') as [string, string, string];
    const a = auth({}, undefined, now);
    await expectDecision(a, restDpopEvent(t, `${hd}.${pl}`), 'unauthorized', 'DPOP_PROOF_MALFORMED');
    await expectDecision(a, restDpopEvent(t, `${hd}.${pl}.${sg}=`), 'unauthorized', 'DPOP_PROOF_MALFORMED');
    // A header with a repeated member: JSON.parse would keep the last `typ`.
    const dup = Buffer.from(Buffer.from(hd, 'base64url').toString().replace('{', '{"typ":"jwt",')).toString('base64url');
    await expectDecision(a, restDpopEvent(t, `${dup}.${pl}.${sg}`), 'unauthorized', 'DPOP_PROOF_MALFORMED');
    await expectDecision(a, restDpopEvent(t, good), 'allow', 'OK');
  });
});

describe('the proof header', () => {
  it('typ must be dpop+jwt, compared as a media type', async () => {
    await expectDecision(auth(), forged({ header: { typ: 'JWT' } }), 'unauthorized', 'DPOP_TYP_INVALID');
    await expectDecision(auth(), forged({ header: { typ: undefined } }), 'unauthorized', 'DPOP_TYP_INVALID');
    await expectDecision(auth(), forged({ header: { typ: 'application/DPoP+JWT' } }), 'allow', 'OK');
  });
  it('alg must be in DPOP_ALGORITHMS', async () => {
    await expectDecision(auth({ DPOP_ALGORITHMS: 'EdDSA' }), forged(), 'unauthorized', 'DPOP_ALG_NOT_ALLOWED');
    const es384 = generateKey('ES384', 'p384');
    const t = token(await thumbprintOf(es384));
    const now = clock();
    await expectDecision(auth({}, undefined, now), restDpopEvent(t, forgeProof(es384, { htu: restUri(), htm: 'GET', accessToken: t, now })), 'unauthorized', 'DPOP_ALG_NOT_ALLOWED');
    await expectDecision(auth({ DPOP_ALGORITHMS: 'ES384' }, undefined, now), restDpopEvent(t, forgeProof(es384, { htu: restUri(), htm: 'GET', accessToken: t, now })), 'allow', 'OK');
    await expectDecision(auth(), forged({ header: { alg: 'none' } }), 'unauthorized', 'DPOP_ALG_NOT_ALLOWED');
  });
  it('Ed25519 (RFC 9864) and EdDSA both name an Ed25519 key', async () => {
    const ed = generateKey('EdDSA', 'ed');
    const edJkt = await thumbprintOf(ed);
    for (const alg of ['Ed25519', 'EdDSA']) {
      const now = clock();
      const t = token(edJkt, {}, now);
      await expectDecision(auth({}, undefined, now), restDpopEvent(t, forgeProof(ed, { htu: restUri(), htm: 'GET', accessToken: t, now }, { header: { alg }, signAlg: 'EdDSA' })), 'allow', 'OK');
    }
  });
  it('a jwk with private members is refused', async () => {
    const priv = proofKeyEs.privateKey.export({ format: 'jwk' });
    await expectDecision(auth(), forged({ header: { jwk: { ...bareJwk(proofKeyEs), d: priv.d } } }), 'unauthorized', 'DPOP_JWK_INVALID');
    await expectDecision(auth(), forged({ header: { jwk: { ...bareJwk(proofKeyEs), k: 'c2VjcmV0' } } }), 'unauthorized', 'DPOP_JWK_INVALID');
  });
  it('a jwk that does not fit the alg: wrong curve, wrong type, RSA under 2048 bits', async () => {
    const p384 = generateKey('ES384', 'p384');
    await expectDecision(auth(), forged({ header: { jwk: bareJwk(p384) } }), 'unauthorized', 'DPOP_JWK_INVALID');
    const rsa = generateKey('RS256', 'rsa');
    await expectDecision(auth(), forged({ header: { jwk: bareJwk(rsa) } }), 'unauthorized', 'DPOP_JWK_INVALID');
    const small = generateKey('RS256', 'small', 1024);
    const now = clock();
    const t = token(await thumbprintOf(small), {}, now);
    await expectDecision(auth({}, undefined, now), restDpopEvent(t, forgeProof(small, { htu: restUri(), htm: 'GET', accessToken: t, now })), 'unauthorized', 'DPOP_JWK_INVALID');
    await expectDecision(auth(), forged({ header: { jwk: undefined } }), 'unauthorized', 'DPOP_JWK_INVALID');
    await expectDecision(auth(), forged({ header: { jwk: { ...bareJwk(proofKeyEs), x: 'AAAA' } } }), 'unauthorized');
  });
  it.each(['kid', 'jku', 'x5c', 'x5u'])('a %s key source besides jwk is refused', async (name) => {
    await expectDecision(auth(), forged({ header: { [name]: name === 'x5c' ? ['MIIB'] : 'https://attacker.example/keys' } }), 'unauthorized', 'DPOP_JWK_INVALID');
  });
  it('crit is refused', async () => {
    await expectDecision(auth(), forged({ header: { crit: ['exp'] } }), 'unauthorized', 'DPOP_PROOF_MALFORMED');
  });
  it('the signature must verify under the embedded jwk', async () => {
    const other = generateKey('ES256', 'other');
    // The header names the bound key; another key signed.
    const now = clock();
    const t = token(jkt, {}, now);
    const proof = forgeProof(other, { htu: restUri(), htm: 'GET', accessToken: t, now }, { header: { jwk: bareJwk(proofKeyEs) } });
    await expectDecision(auth({}, undefined, now), restDpopEvent(t, proof), 'unauthorized', 'DPOP_SIGNATURE_INVALID');
  });
});

describe('the proof claims', () => {
  it('jti: a string of 1 to 256 characters', async () => {
    for (const jti of [undefined, '', 'x'.repeat(257), 42]) {
      await expectDecision(auth(), forged({ claims: { jti } }), 'unauthorized', 'DPOP_JTI_INVALID');
    }
    await expectDecision(auth(), forged({ claims: { jti: `${'x'.repeat(250)}${Math.random()}`.slice(0, 256) } }), 'allow', 'OK');
  });
  it('htm: the request method, exactly', async () => {
    await expectDecision(auth(), forged({ claims: { htm: 'POST' } }), 'unauthorized', 'DPOP_HTM_MISMATCH');
    await expectDecision(auth(), forged({ claims: { htm: 'get' } }), 'unauthorized', 'DPOP_HTM_MISMATCH');
    await expectDecision(auth(), forged({ claims: { htm: undefined } }), 'unauthorized', 'DPOP_HTM_MISMATCH');
  });
  it('htu: another path, stage, host or scheme is refused (RFC 9449 §4.3)', async () => {
    for (const htu of [restUri('dev', '/orders/43'), restUri('prod'), restUri('dev', '/orders/42', 'other.example.com'), `http://${DOMAIN}/dev/orders/42`, restUri('dev', '/orders'), `https://${DOMAIN}/orders/42`, undefined, 42]) {
      await expectDecision(auth(), forged({ claims: { htu } }), 'unauthorized', 'DPOP_HTU_MISMATCH');
    }
  });
  it('htu: query and fragment are ignored on both sides; RFC 3986 normalization applies', async () => {
    for (const htu of [
      `${restUri()}?page=2`,
      `${restUri()}#frag`,
      `HTTPS://${DOMAIN.toUpperCase()}/dev/orders/42`,
      `https://${DOMAIN}:443/dev/orders/42`,
      `https://${DOMAIN}/dev/x/../orders/%34%32`,
    ]) {
      await expectDecision(auth(), forged({ claims: { htu } }), 'allow', 'OK');
    }
    const withQuery = forged();
    (withQuery['requestContext'] as Record<string, unknown>)['path'] = '/dev/orders/42';
    withQuery['queryStringParameters'] = { page: '3' };
    await expectDecision(auth(), withQuery, 'allow', 'OK');
  });
  it('htu on a custom domain includes the base path', async () => {
    const now = clock();
    const t = token(jkt, {}, now);
    const opts = { domainName: 'api.example.com', clientPath: '/v1/orders/42' };
    const p = (htu: string) => forgeProof(proofKeyEs, { htu, htm: 'GET', accessToken: t, now });
    await expectDecision(auth({}, undefined, now), restDpopEvent(t, p('https://api.example.com/v1/orders/42'), opts), 'allow', 'OK');
    await expectDecision(auth({}, undefined, now), restDpopEvent(t, p('https://api.example.com/orders/42'), opts), 'unauthorized', 'DPOP_HTU_MISMATCH');
  });
  it('DPOP_ORIGINS: the htu origin must be a listed one instead of the event domain', async () => {
    const env = { DPOP_ORIGINS: 'https://public.example.com,https://cdn.example.net' };
    await expectDecision(auth(env), forged({ claims: { htu: 'https://public.example.com/dev/orders/42' } }), 'allow', 'OK');
    await expectDecision(auth(env), forged(), 'unauthorized', 'DPOP_HTU_MISMATCH');
    await expectDecision(auth(env), forged({ claims: { htu: 'https://evil.example.com/dev/orders/42' } }), 'unauthorized', 'DPOP_HTU_MISMATCH');
  });
  it('an event that does not say its domain or path cannot match', async () => {
    const event = forged();
    delete (event['requestContext'] as Record<string, unknown>)['path'];
    await expectDecision(auth(), event, 'unauthorized', 'DPOP_HTU_MISMATCH');
    const noDomain = forged();
    delete (noDomain['requestContext'] as Record<string, unknown>)['domainName'];
    await expectDecision(auth(), noDomain, 'unauthorized', 'DPOP_HTU_MISMATCH');
  });
  it('WebSocket $connect: htm GET and htu https://<domain>/<stage>', async () => {
    const now = clock();
    const t = token(jkt, { scope: 'chat' }, now);
    const p = (htu: string, htm = 'GET') => forgeProof(proofKeyEs, { htu, htm, accessToken: t, now });
    await expectDecision(auth({}, undefined, now), websocketDpopEvent(t, p(`https://${DOMAIN}/dev`)), 'allow', 'OK');
    await expectDecision(auth({}, undefined, now), websocketDpopEvent(t, p(`https://${DOMAIN}/dev`, 'POST')), 'unauthorized', 'DPOP_HTM_MISMATCH');
    await expectDecision(auth({}, undefined, now), websocketDpopEvent(t, p(`https://${DOMAIN}/prod`)), 'unauthorized', 'DPOP_HTU_MISMATCH');
  });
  it('HTTP API: a proof for an encoded slash never matches the decoded path', async () => {
    const now = clock();
    const a = auth({ AUDIENCE_BY_STAGE: JSON.stringify({ dev: 'api-dev', $default: 'api-http' }) }, undefined, now);
    const t = token(jkt, { aud: 'api-http' }, now);
    const p = (htu: string) => forgeProof(proofKeyEs, { htu, htm: 'GET', accessToken: t, now });
    await expectDecision(a, httpDpopEvent(t, p(`https://${DOMAIN}/orders%2F42`)), 'unauthorized', 'DPOP_HTU_MISMATCH');
    await expectDecision(a, httpDpopEvent(t, p(`https://${DOMAIN}/orders/%34%32`)), 'allow', 'OK');
  });
  it('iat: within [now − max age − skew, now + skew]', async () => {
    const now = clock();
    const a = () => auth({}, undefined, now);
    await expectDecision(a(), forged({ claims: { iat: now - 60 - 30 - 1 } }, proofKeyEs, now), 'unauthorized', 'DPOP_IAT_INVALID');
    await expectDecision(a(), forged({ claims: { iat: now + 31 } }, proofKeyEs, now), 'unauthorized', 'DPOP_IAT_INVALID');
    await expectDecision(a(), forged({ claims: { iat: String(now) } }, proofKeyEs, now), 'unauthorized', 'DPOP_IAT_INVALID');
    await expectDecision(a(), forged({ claims: { iat: undefined } }, proofKeyEs, now), 'unauthorized', 'DPOP_IAT_INVALID');
    await expectDecision(a(), forged({ claims: { iat: now - 90 } }, proofKeyEs, now), 'allow', 'OK');
    await expectDecision(a(), forged({ claims: { iat: now + 30 } }, proofKeyEs, now), 'allow', 'OK');
    await expectDecision(auth({ DPOP_PROOF_MAX_AGE_SECONDS: '10' }, undefined, now), forged({ claims: { iat: now - 41 } }, proofKeyEs, now), 'unauthorized', 'DPOP_IAT_INVALID');
  });
  it('ath: base64url(SHA-256(token))', async () => {
    await expectDecision(auth(), forged({ claims: { ath: undefined } }), 'unauthorized', 'DPOP_ATH_MISMATCH');
    await expectDecision(auth(), forged({ claims: { ath: 'x'.repeat(43) } }), 'unauthorized', 'DPOP_ATH_MISMATCH');
    // A proof made for another token bound to the same key.
    const now = clock();
    const t1 = token(jkt, {}, now);
    const t2 = token(jkt, {}, now);
    await expectDecision(auth({}, undefined, now), restDpopEvent(t2, forgeProof(proofKeyEs, { htu: restUri(), htm: 'GET', accessToken: t1, now })), 'unauthorized', 'DPOP_ATH_MISMATCH');
  });
  it('the proof is checked after the token: a bad token with a good proof is a token failure', async () => {
    const now = clock();
    const t = token(jkt, { iss: 'https://evil.test' }, now);
    await expectDecision(auth({}, undefined, now), restDpopEvent(t, forgeProof(proofKeyEs, { htu: restUri(), htm: 'GET', accessToken: t, now })), 'unauthorized', 'ISSUER_MISMATCH');
  });
  it('the proof is checked before scopes: a bad proof on a forbidden route is 401, and a 403 writes no proof record', async () => {
    const now = clock();
    const t = token(jkt, { scope: 'none' }, now);
    const store = new MemoryReplayStore();
    const proof = forgeProof(proofKeyEs, { htu: restUri(), htm: 'GET', accessToken: t, now });
    await expectDecision(auth({}, store, now), restDpopEvent(t, forgeProof(proofKeyEs, { htu: restUri(), htm: 'POST', accessToken: t, now })), 'unauthorized', 'DPOP_HTM_MISMATCH');
    await expectDecision(auth({}, store, now), restDpopEvent(t, proof), 'forbidden', 'SCOPE_MISSING');
    expect((store as unknown as { records: Map<string, number> }).records.size).toBe(0);
  });
});
