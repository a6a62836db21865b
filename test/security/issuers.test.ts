/**
 * Threat: with several trusted issuers (design §9), a token of one issuer passing under another's rules,
 * keys or audience; an unknown or look-alike `iss` getting anywhere; one issuer's trouble (outage, a
 * flood of unknown kids) costing another.
 * Attacker: holds valid tokens of one issuer (or controls a low-value issuer outright, with its key),
 * can choose every header and claim of a token, and can send any number of requests.
 * Defences: verify-token.ts selectIssuer (exact Map lookup), prepareToken (header cache per issuer),
 * checkClaims (per-issuer audience, jtiClaim, required claims); issuer-keys.ts (one key source per
 * issuer); decide.ts (stage served by no issuer → 403 before signature work); scope-map.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAuthorizer } from '../../functions/authorizer/create-authorizer.js';
import { RemoteKeySource } from '../../lib/key-source.js';
import { MemoryReplayStore } from '../../lib/replay-store.js';
import { claims, restTokenEvent, testAuthorizer } from '../helpers/fixtures.js';
import { issuersEnv, startIssuer, type TestIssuer } from '../helpers/issuers.js';
import { generateKey } from '../helpers/keys.js';
import { StaticKeySource } from '../helpers/static-keys.js';
import { expectDecision, forge } from './support.js';

const A = 'https://a.issuer.test/';
const B = 'https://b.issuer.test';
let a: TestIssuer;
let b: TestIssuer;
beforeAll(async () => {
  // The same kid at both issuers, different keys: only the issuer's own JWKS may answer for it.
  a = await startIssuer(A, generateKey('ES256', 'shared-kid'));
  b = await startIssuer(B, generateKey('ES256', 'shared-kid'));
});
afterAll(async () => {
  await a.jwks.close();
  await b.jwks.close();
});
beforeEach(() => {
  for (const i of [a, b]) Object.assign(i.jwks, { requests: 0, status: 200, body: { keys: [i.key.publicJwk] } });
});

const entryA = (extra: Record<string, unknown> = {}) => ({ issuer: A, jwksUri: a.jwks.url, audienceByStage: { dev: 'api-a', prod: 'api-a-prod' }, ...extra });
const entryB = (extra: Record<string, unknown> = {}) => ({ issuer: B, jwksUri: b.jwks.url, audienceByStage: { dev: 'api-b' }, ...extra });
/** An authorizer whose init prefetch of every issuer's JWKS has settled; request counts then start at 0. */
async function auth(entries = [entryA(), entryB()], overrides: Record<string, string | undefined> = {}, servers: readonly TestIssuer[] = [a, b]) {
  const t = testAuthorizer({ env: issuersEnv(entries, overrides), replayStore: new MemoryReplayStore() });
  await t.authorizer.keysPrefetched;
  for (const i of servers) i.jwks.requests = 0;
  return t;
}
const header = (extra: Record<string, unknown> = {}) => ({ alg: 'ES256', kid: 'shared-kid', typ: 'JWT', ...extra });
const forA = (over: Record<string, unknown> = {}, h = header()) => forge(a.key, h, claims({ iss: A, aud: 'api-a', ...over }));
const forB = (over: Record<string, unknown> = {}, h = header()) => forge(b.key, h, claims({ iss: B, aud: 'api-b', ...over }));
const bearer = (token: string, stage = 'dev', method = 'GET', path = '/orders/42') => restTokenEvent(`Bearer ${token}`, stage, method, path);

describe('control', () => {
  it('each issuer’s own token is allowed, each verified by its own JWKS', async () => {
    const t = await auth();
    await expectDecision(t, bearer(forA()), 'allow', 'OK');
    await expectDecision(t, bearer(forB()), 'allow', 'OK');
    // Both sets were fetched during init (design §3): the tokens cost no fetch.
    expect([a.jwks.requests, b.jwks.requests]).toEqual([0, 0]);
  });
});

describe('the unverified iss only chooses the entry, by exact match', () => {
  const lookAlikes: [string, unknown][] = [
    ['an unknown issuer', 'https://evil.test'],
    ['A without its trailing slash', A.slice(0, -1)],
    ['B with a trailing slash', `${B}/`],
    ['B in capitals', B.toUpperCase()],
    ['A in another case', 'https://A.issuer.test/'],
    ['a prefix of B', 'https://b.issuer.tes'],
    ['B with a suffix', `${B}.evil.test`],
    ['B with a path', `${B}/x`],
    ['B with whitespace', ` ${B}`],
    ['B inside an array', [B]],
    ['a number', 42],
    ['null', null],
  ];
  for (const [name, iss] of lookAlikes) {
    it(`${name} → 401 ISSUER_MISMATCH, and no JWKS is asked`, async () => {
      await expectDecision(await auth(), bearer(forge(b.key, header(), claims({ iss, aud: 'api-b' }))), 'unauthorized', 'ISSUER_MISMATCH');
      expect([a.jwks.requests, b.jwks.requests]).toEqual([0, 0]);
    });
  }
  it('a token without iss → 401 ISSUER_MISMATCH', async () => {
    const c = claims({ aud: 'api-b' });
    delete c['iss'];
    await expectDecision(await auth(), bearer(forge(b.key, header(), c)), 'unauthorized', 'ISSUER_MISMATCH');
  });
});

describe('keys: each issuer’s own, even under the same kid', () => {
  it('A’s key never verifies a token naming B (and B’s never one naming A)', async () => {
    const t = await auth();
    await expectDecision(t, bearer(forge(a.key, header(), claims({ iss: B, aud: 'api-b' }))), 'unauthorized', 'SIGNATURE_INVALID');
    await expectDecision(t, bearer(forge(b.key, header(), claims({ iss: A, aud: 'api-a' }))), 'unauthorized', 'SIGNATURE_INVALID');
    // Both key sets were loaded and cached by then: still no crossing.
    await expectDecision(t, bearer(forA()), 'allow', 'OK');
    await expectDecision(t, bearer(forB()), 'allow', 'OK');
    await expectDecision(t, bearer(forge(a.key, header(), claims({ iss: B, aud: 'api-b' }))), 'unauthorized', 'SIGNATURE_INVALID');
  });
  it('each issuer’s set is fetched once during init, each from its own JWKS, and tokens add no fetch', async () => {
    const t = testAuthorizer({ env: issuersEnv([entryA(), entryB()]), replayStore: new MemoryReplayStore() });
    await t.authorizer.keysPrefetched;
    expect([a.jwks.requests, b.jwks.requests]).toEqual([1, 1]);
    await expectDecision(t, bearer(forA()), 'allow', 'OK');
    await expectDecision(t, bearer(forB()), 'allow', 'OK');
    expect([a.jwks.requests, b.jwks.requests]).toEqual([1, 1]);
  });
  it('a JWKS outage of A leaves B working', async () => {
    a.jwks.status = 503;
    const t = await auth();
    await expectDecision(t, bearer(forA()), 'internal', 'JWKS_UNAVAILABLE');
    await expectDecision(t, bearer(forB()), 'allow', 'OK');
    await expectDecision(t, bearer(forA()), 'internal', 'JWKS_UNAVAILABLE');
    await expectDecision(t, bearer(forB()), 'allow', 'OK');
  });
  it('a flood of unknown-kid tokens naming A costs B no fetch (and A at most its cooldown allows)', async () => {
    const t = await auth();
    await expectDecision(t, bearer(forB()), 'allow', 'OK');
    await expectDecision(t, bearer(forA()), 'allow', 'OK');
    const flood = Array.from({ length: 200 }, (_, i) => forA({}, header({ kid: `unknown-${i}` })));
    for (const token of flood) await expectDecision(t, bearer(token), 'unauthorized', 'KEY_NOT_FOUND');
    expect(b.jwks.requests).toBe(0);
    expect(a.jwks.requests).toBeLessThanOrEqual(1);
    await expectDecision(t, bearer(forB()), 'allow', 'OK');
    expect(b.jwks.requests).toBe(0);
  });
  it('one injected key source cannot serve several issuers', () => {
    expect(() => createAuthorizer({ env: issuersEnv([entryA(), entryB()]), keys: new StaticKeySource([a.key]) })).toThrow(/keys serves one issuer/);
  });
  it('keysFor builds one source per issuer, at init, from that issuer’s jwksUri, and never another', async () => {
    const built: string[] = [];
    const t = testAuthorizer({
      env: issuersEnv([entryA(), entryB()]),
      replayStore: new MemoryReplayStore(),
      extra: { keysFor: (issuer) => (built.push(issuer.jwksUri), new RemoteKeySource(issuer.jwksUri)) },
    });
    expect(built).toEqual([a.jwks.url, b.jwks.url]);
    await expectDecision(t, bearer(forB()), 'allow', 'OK');
    await expectDecision(t, bearer(forA()), 'allow', 'OK');
    expect(built).toEqual([a.jwks.url, b.jwks.url]);
  });
});

describe('stages and issuers', () => {
  it('a stage no issuer has an audience for → 403 before any signature work', async () => {
    await expectDecision(await auth(), bearer(forA({ aud: 'api-a' }), 'staging'), 'forbidden', 'STAGE_NOT_CONFIGURED');
    expect([a.jwks.requests, b.jwks.requests]).toEqual([0, 0]);
  });
  it('a stage only another issuer serves → 401 AUDIENCE_MISMATCH, after verification', async () => {
    const t = await auth();
    // B has no audience for prod (A has): B's own valid token, whatever its aud, is refused there.
    await expectDecision(t, bearer(forB({ aud: 'api-a-prod' }), 'prod'), 'unauthorized', 'AUDIENCE_MISMATCH');
    expect(b.jwks.requests).toBe(0);
    // Verification comes first: a forged signature is refused as such, not as an audience.
    await expectDecision(t, bearer(forge(a.key, header(), claims({ iss: B, aud: 'api-a-prod' })), 'prod'), 'unauthorized', 'SIGNATURE_INVALID');
    await expectDecision(t, bearer(forA({ aud: 'api-a-prod' }), 'prod'), 'allow', 'OK');
  });
});

describe('every check uses the token’s issuer’s settings', () => {
  it('audience: an audience valid for A is refused on B’s token', async () => {
    const t = await auth();
    await expectDecision(t, bearer(forB({ aud: 'api-a' })), 'unauthorized', 'AUDIENCE_MISMATCH');
    await expectDecision(t, bearer(forA({ aud: 'api-b' })), 'unauthorized', 'AUDIENCE_MISMATCH');
  });
  it('audienceClaim: client_id for A, aud for B', async () => {
    const t = await auth([entryA({ audienceClaim: 'client_id' }), entryB()]);
    await expectDecision(t, bearer(forA({ aud: undefined, client_id: 'api-a' })), 'allow', 'OK');
    await expectDecision(t, bearer(forA({ aud: 'api-a' })), 'unauthorized', 'AUDIENCE_MISMATCH');
    await expectDecision(t, bearer(forB({ aud: undefined, client_id: 'api-b' })), 'unauthorized', 'AUDIENCE_MISMATCH');
  });
  it('algorithms: ES256 only for A, RS256 only for B (global JWT_ALGORITHMS is the default)', async () => {
    const rsB = generateKey('RS256', 'rs-b');
    b.jwks.body = { keys: [b.key.publicJwk, rsB.publicJwk] };
    const t = await auth([entryA({ algorithms: ['ES256'] }), entryB({ algorithms: ['RS256'] })]);
    await expectDecision(t, bearer(forB()), 'unauthorized', 'ALG_NOT_ALLOWED');
    await expectDecision(t, bearer(forge(rsB, { alg: 'RS256', kid: 'rs-b', typ: 'JWT' }, claims({ iss: B, aud: 'api-b' }))), 'allow', 'OK');
    await expectDecision(t, bearer(forA()), 'allow', 'OK');
  });
  it('the checked-header cache is per issuer: a header accepted for A is refused for B', async () => {
    const t = await auth([entryA({ algorithms: ['ES256'] }), entryB({ algorithms: ['RS256'] })]);
    const tokenA = forA();
    const tokenB = forB();
    // Byte-identical header segments.
    expect(tokenA.split('.')[0]).toBe(tokenB.split('.')[0]);
    await expectDecision(t, bearer(tokenA), 'allow', 'OK');
    await expectDecision(t, bearer(tokenB), 'unauthorized', 'ALG_NOT_ALLOWED');
    await expectDecision(t, bearer(forA()), 'allow', 'OK');
  });
  it('tokenTypes: at+jwt required by A, JWT accepted by B', async () => {
    const t = await auth([entryA({ tokenTypes: ['at+jwt'] }), entryB()]);
    await expectDecision(t, bearer(forA()), 'unauthorized', 'TYP_NOT_ALLOWED');
    await expectDecision(t, bearer(forA({}, header({ typ: 'at+jwt' }))), 'allow', 'OK');
    await expectDecision(t, bearer(forB()), 'allow', 'OK');
    // The same at+jwt-only header is also refused for B when B does not list it.
    const t2 = await auth([entryA({ tokenTypes: ['at+jwt'] }), entryB({ tokenTypes: ['JWT'] })]);
    await expectDecision(t2, bearer(forB({}, header({ typ: 'at+jwt' }))), 'unauthorized', 'TYP_NOT_ALLOWED');
  });
  it('scopeClaims: only scp counts for A, scope and scp for B', async () => {
    const t = await auth([entryA({ scopeClaims: ['scp'] }), entryB()]);
    await expectDecision(t, bearer(forA({ scope: 'orders:read' })), 'forbidden', 'SCOPE_MISSING');
    await expectDecision(t, bearer(forA({ scope: undefined, scp: ['orders:read'] })), 'allow', 'OK');
    await expectDecision(t, bearer(forB({ scope: 'orders:read' })), 'allow', 'OK');
  });
  it('scopeMap: A’s names are translated, others pass unchanged, and the context shows the translation', async () => {
    const t = await auth([entryA({ scopeMap: { 'Orders.Read': 'orders:read' } }), entryB()], { REPLAY_PROTECTION: 'off' });
    const r = await expectDecision(t, bearer(forA({ scope: 'Orders.Read admin:read' })), 'allow', 'OK');
    expect((r.response as { context: { scope: string } }).context.scope).toBe('orders:read admin:read');
    // The original name no longer counts, and B has no map.
    await expectDecision(t, bearer(forB({ scope: 'Orders.Read' })), 'forbidden', 'SCOPE_MISSING');
    const ok = await expectDecision(t, bearer(forA({ scope: 'orders:read' })), 'allow', 'OK');
    expect((ok.response as { context: { scope: string } }).context.scope).toBe('orders:read');
  });
  it('scopeMap never adds a scope the token lacks', async () => {
    const t = await auth([entryA({ scopeMap: { 'Orders.Read': 'orders:read' } }), entryB()]);
    await expectDecision(t, bearer(forA({ scope: 'Orders.Write' })), 'forbidden', 'SCOPE_MISSING');
  });
  it('jtiClaim: uti plays jti for A (required, replay key), jti for B', async () => {
    const t = await auth([entryA({ jtiClaim: 'uti' }), entryB()]);
    await expectDecision(t, bearer(forA({ jti: undefined, uti: 'u-1' })), 'allow', 'OK');
    // Another token with the same uti is a replay, whatever its jti.
    await expectDecision(t, bearer(forA({ jti: 'fresh', uti: 'u-1' })), 'unauthorized', 'TOKEN_REPLAYED');
    await expectDecision(t, bearer(forA({ jti: 'has-jti-only' })), 'unauthorized', 'CLAIMS_INVALID');
    await expectDecision(t, bearer(forA({ uti: 42 })), 'unauthorized', 'CLAIMS_INVALID');
    // Replay keys stay per issuer: B may use the same value as its jti.
    await expectDecision(t, bearer(forB({ jti: 'u-1' })), 'allow', 'OK');
    await expectDecision(t, bearer(forB({ jti: 'u-1' })), 'unauthorized', 'TOKEN_REPLAYED');
  });
  it('the context’s jti is the issuer’s jtiClaim', async () => {
    const t = await auth([entryA({ jtiClaim: 'uti' }), entryB()], { REPLAY_PROTECTION: 'off' });
    const r = await expectDecision(t, bearer(forA({ jti: 'not-this', uti: 'this-one' })), 'allow', 'OK');
    expect((r.response as { context: { jti: string } }).context.jti).toBe('this-one');
  });
});

describe('REQUIRED_CLAIMS, global and per issuer', () => {
  const entries = () => [entryA({ requiredClaims: { tid: 't-1' } }), entryB({ requiredClaims: { token_use: ['access', 'm2m'] } })];
  const t = () => auth(entries(), { REQUIRED_CLAIMS: JSON.stringify({ token_use: 'access', ver: 2 }) });
  it('A: the global rules and its own both apply', async () => {
    await expectDecision(await t(), bearer(forA({ token_use: 'access', ver: 2, tid: 't-1' })), 'allow', 'OK');
    await expectDecision(await t(), bearer(forA({ token_use: 'access', ver: 2 })), 'unauthorized', 'REQUIRED_CLAIM_MISMATCH');
    await expectDecision(await t(), bearer(forA({ token_use: 'id', ver: 2, tid: 't-1' })), 'unauthorized', 'REQUIRED_CLAIM_MISMATCH');
    await expectDecision(await t(), bearer(forA({ token_use: 'access', tid: 't-1' })), 'unauthorized', 'REQUIRED_CLAIM_MISMATCH');
  });
  it('B: its own rule overrides the global one of the same claim only', async () => {
    await expectDecision(await t(), bearer(forB({ token_use: 'm2m', ver: 2 })), 'allow', 'OK');
    await expectDecision(await t(), bearer(forB({ token_use: 'id', ver: 2 })), 'unauthorized', 'REQUIRED_CLAIM_MISMATCH');
    await expectDecision(await t(), bearer(forB({ token_use: 'm2m' })), 'unauthorized', 'REQUIRED_CLAIM_MISMATCH');
    // A's own rule is not B's.
    await expectDecision(await t(), bearer(forB({ token_use: 'access', ver: 2, tid: 'other' })), 'allow', 'OK');
  });
  it('values compare exactly, by type', async () => {
    await expectDecision(await t(), bearer(forB({ token_use: 'access', ver: '2' })), 'unauthorized', 'REQUIRED_CLAIM_MISMATCH');
    await expectDecision(await t(), bearer(forB({ token_use: 'Access', ver: 2 })), 'unauthorized', 'REQUIRED_CLAIM_MISMATCH');
    await expectDecision(await t(), bearer(forB({ token_use: 'access', ver: 2.5 })), 'unauthorized', 'REQUIRED_CLAIM_MISMATCH');
    await expectDecision(await t(), bearer(forB({ token_use: { access: true }, ver: 2 })), 'unauthorized', 'REQUIRED_CLAIM_MISMATCH');
  });
  it('a claim that is an array passes when it contains an accepted value', async () => {
    await expectDecision(await t(), bearer(forB({ token_use: ['other', 'm2m'], ver: [1, 2] })), 'allow', 'OK');
    await expectDecision(await t(), bearer(forB({ token_use: ['other'], ver: [2] })), 'unauthorized', 'REQUIRED_CLAIM_MISMATCH');
    await expectDecision(await t(), bearer(forB({ token_use: [], ver: 2 })), 'unauthorized', 'REQUIRED_CLAIM_MISMATCH');
  });
  it('booleans compare as booleans', async () => {
    const tb = await auth([entryA(), entryB()], { REQUIRED_CLAIMS: JSON.stringify({ email_verified: true }) });
    await expectDecision(tb, bearer(forB({ email_verified: true })), 'allow', 'OK');
    await expectDecision(tb, bearer(forB({ email_verified: 'true' })), 'unauthorized', 'REQUIRED_CLAIM_MISMATCH');
    await expectDecision(tb, bearer(forA({})), 'unauthorized', 'REQUIRED_CLAIM_MISMATCH');
  });
  it('an inherited property never satisfies a rule', async () => {
    const tb = await auth([entryA(), entryB()], { REQUIRED_CLAIMS: JSON.stringify({ constructor: 'x', toString: ['y'] }) });
    await expectDecision(tb, bearer(forB({})), 'unauthorized', 'REQUIRED_CLAIM_MISMATCH');
  });
});

describe('twenty issuers at once', () => {
  it('each of 20 issuers is verified by its own JWKS, and a token of one is refused under another', async () => {
    const issuers = await Promise.all(Array.from({ length: 20 }, (_, i) => startIssuer(`https://issuer-${i}.test`, generateKey('ES256', 'same-kid'))));
    try {
      const entries = issuers.map((i, n) => ({ issuer: i.iss, jwksUri: i.jwks.url, audienceByStage: { dev: `api-${n}` } }));
      const t = await auth(entries, {}, issuers);
      const h = { alg: 'ES256', kid: 'same-kid', typ: 'JWT' };
      for (const [n, i] of issuers.entries()) await expectDecision(t, bearer(forge(i.key, h, claims({ iss: i.iss, aud: `api-${n}` }))), 'allow', 'OK');
      // Each set came from its own JWKS during init; the tokens cost no fetch.
      expect(issuers.map((i) => i.jwks.requests)).toEqual(issuers.map(() => 0));
      for (const [n, i] of issuers.entries()) {
        const next = issuers[(n + 1) % issuers.length]!;
        await expectDecision(t, bearer(forge(i.key, h, claims({ iss: next.iss, aud: `api-${(n + 1) % 20}` }))), 'unauthorized', 'SIGNATURE_INVALID');
        await expectDecision(t, bearer(forge(i.key, h, claims({ iss: i.iss, aud: `api-${(n + 1) % 20}` }))), 'unauthorized', 'AUDIENCE_MISMATCH');
      }
    } finally {
      await Promise.all(issuers.map((i) => i.jwks.close()));
    }
  });
});

describe('logs stay per decision, without the issuer', () => {
  it('the decision line carries no iss (nor any other claim but sub) and the jti only hashed', async () => {
    const t = await auth([entryA({ jtiClaim: 'uti' }), entryB()]);
    await expectDecision(t, bearer(forA({ jti: undefined, uti: 'secret-uti-value' })), 'allow', 'OK');
    const line = t.output.decisions().at(-1)!;
    expect(Object.keys(line)).not.toContain('iss');
    const text = t.output.text();
    expect(text).not.toContain('a.issuer.test');
    expect(text).not.toContain('secret-uti-value');
    expect(typeof line['jtiHash']).toBe('string');
  });
});
