/**
 * Threat: an identity-provider outage (or a slow JWKS at cold start) turned into an outage of every API
 * behind the authorizer; or an outage used to slip in a key the JWKS never published.
 * Defences: key-source.ts stale-if-error (known keys of the last good set keep working for at most
 * JWKS_MAX_STALE_SECONDS after it expired, one refresh attempt per cooldown, an unknown `kid` still needs
 * a successful fetch), the `jwksStale` field and `JwksStale` metric of the decision line, and the JWKS
 * prefetch at init in create-authorizer.ts (never failing init).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryReplayStore } from '../../lib/replay-store.js';
import { RemoteKeySource } from '../../lib/key-source.js';
import { claims, restTokenEvent, testAuthorizer, testEnv } from '../helpers/fixtures.js';
import { generateKey, type TestKey } from '../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { expectDecision, forge, startBlackHole } from './support.js';

const known = generateKey('ES256', 'known-1');
const unseen = generateKey('ES256', 'unseen-1');
const tokenOf = (key: TestKey) => restTokenEvent(`Bearer ${forge(key, { alg: 'ES256', kid: key.kid, typ: 'JWT' }, claims())}`);
const SET_MAX_AGE_MS = 600_000;

let jwks: JwksServer;
beforeAll(async () => {
  jwks = await startJwksServer([known.publicJwk]);
});
afterAll(async () => {
  await jwks.close();
});
beforeEach(() => {
  Object.assign(jwks, { body: { keys: [known.publicJwk] }, status: 200, delayMs: 0, raw: undefined, redirectTo: undefined, requests: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** The default wiring (createAuthorizer builds its RemoteKeySource from the environment), keys loaded. */
async function warmAuthorizer(env: Record<string, string> = {}) {
  const a = testAuthorizer({ env: testEnv(jwks.url, env), replayStore: new MemoryReplayStore() });
  await a.authorizer.keysPrefetched;
  await expectDecision(a, tokenOf(known), 'allow', 'OK');
  return a;
}

/** Moves `Date` (only) forward: jose and the key source read it for cache age and cooldowns. */
function advance(ms: number): void {
  const now = Date.now();
  if (!vi.isFakeTimers()) vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(now + ms);
}

const outages: [string, () => void][] = [
  ['503', () => void (jwks.status = 503)],
  ['HTML instead of JSON', () => void (jwks.raw = { text: '<html>maintenance</html>', type: 'text/html' })],
  ['a set that is not a JWKS', () => void (jwks.body = { keys: 'none' })],
];

describe('stale-if-error: a failed refresh of an expired set', () => {
  for (const [name, breakIt] of outages) {
    it(`(${name}) keeps known keys working, logged and counted, refuses a kid never seen, and stops after JWKS_MAX_STALE_SECONDS`, async () => {
      const a = await warmAuthorizer({ JWKS_MAX_STALE_SECONDS: '3600' });
      expect(jwks.requests).toBe(1);
      breakIt();
      advance(SET_MAX_AGE_MS + 1000);
      await expectDecision(a, tokenOf(known), 'allow', 'OK');
      expect(jwks.requests).toBe(2);
      const line = a.output.decisions().at(-1)!;
      expect(line['jwksStale']).toBe(true);
      expect(line['JwksStale']).toBe(1);
      expect(JSON.stringify((line['_aws'] as { CloudWatchMetrics: unknown }).CloudWatchMetrics)).toContain('"JwksStale"');
      // A kid the last good set never held still needs a successful fetch: an outage, never an Allow.
      await expectDecision(a, tokenOf(unseen), 'internal', 'JWKS_UNAVAILABLE');
      // Near the end of the window, known keys still work; one second after it, they do not.
      advance(3600_000 - 3000);
      await expectDecision(a, tokenOf(known), 'allow', 'OK');
      advance(3000);
      await expectDecision(a, tokenOf(known), 'internal', 'JWKS_UNAVAILABLE');
      expect(a.output.decisions().at(-1)!['jwksStale']).toBeUndefined();
    });
  }

  it('(connection refused) keeps known keys working', async () => {
    const server = await startJwksServer([known.publicJwk]);
    const a = testAuthorizer({ env: testEnv(server.url), replayStore: new MemoryReplayStore() });
    await a.authorizer.keysPrefetched;
    await expectDecision(a, tokenOf(known), 'allow', 'OK');
    await server.close();
    advance(SET_MAX_AGE_MS + 1000);
    await expectDecision(a, tokenOf(known), 'allow', 'OK');
    expect(a.output.decisions().at(-1)!['jwksStale']).toBe(true);
  });

  it('(timeout) keeps known keys working, after waiting at most the fetch timeout', async () => {
    const keys = new RemoteKeySource(jwks.url, { timeoutMs: 300 });
    const a = testAuthorizer({ env: testEnv(jwks.url), keys, replayStore: new MemoryReplayStore() });
    await a.authorizer.keysPrefetched;
    await expectDecision(a, tokenOf(known), 'allow', 'OK');
    jwks.delayMs = 5000;
    advance(SET_MAX_AGE_MS + 1000);
    const result = await expectDecision(a, tokenOf(known), 'allow', 'OK');
    expect(result.ms).toBeLessThan(3000);
    expect(keys.staleAnswers).toBe(1);
  });

  it('retries the JWKS at most once per cooldown while stale, and is fresh again once it answers', async () => {
    const a = await warmAuthorizer();
    jwks.status = 500;
    advance(SET_MAX_AGE_MS + 1000);
    for (let i = 0; i < 20; i++) await expectDecision(a, tokenOf(known), 'allow', 'OK');
    expect(jwks.requests).toBe(2);
    advance(31_000);
    for (let i = 0; i < 20; i++) await expectDecision(a, tokenOf(known), 'allow', 'OK');
    expect(jwks.requests).toBe(3);
    jwks.status = 200;
    advance(31_000);
    await expectDecision(a, tokenOf(known), 'allow', 'OK');
    expect(jwks.requests).toBe(4);
    expect(a.output.decisions().at(-1)!['jwksStale']).toBeUndefined();
    // Fresh again: answered from the cache, no further request.
    await expectDecision(a, tokenOf(known), 'allow', 'OK');
    expect(jwks.requests).toBe(4);
  });

  it('a key removed by a successful refresh is refused: stale keys serve only outages', async () => {
    const a = await warmAuthorizer();
    jwks.body = { keys: [unseen.publicJwk] };
    advance(SET_MAX_AGE_MS + 1000);
    await expectDecision(a, tokenOf(known), 'unauthorized', 'KEY_NOT_FOUND');
    await expectDecision(a, tokenOf(unseen), 'allow', 'OK');
  });

  it('JWKS_MAX_STALE_SECONDS=0 turns it off: the same failed refresh that the default rides out is a 500', async () => {
    const byDefault = await warmAuthorizer();
    const off = await warmAuthorizer({ JWKS_MAX_STALE_SECONDS: '0' });
    jwks.status = 503;
    advance(SET_MAX_AGE_MS + 1000);
    await expectDecision(byDefault, tokenOf(known), 'allow', 'OK');
    await expectDecision(off, tokenOf(known), 'internal', 'JWKS_UNAVAILABLE');
  });

  it('a short JWKS_MAX_STALE_SECONDS ends the window early', async () => {
    const a = await warmAuthorizer({ JWKS_MAX_STALE_SECONDS: '60' });
    jwks.status = 503;
    advance(SET_MAX_AGE_MS + 30_000);
    await expectDecision(a, tokenOf(known), 'allow', 'OK');
    advance(31_000);
    await expectDecision(a, tokenOf(known), 'internal', 'JWKS_UNAVAILABLE');
  });
});

describe('JWKS prefetch at init', () => {
  it('the first request makes no JWKS request of its own', async () => {
    jwks.delayMs = 80;
    const a = testAuthorizer({ env: testEnv(jwks.url), replayStore: new MemoryReplayStore() });
    // The init fetch happens without any request.
    await vi.waitFor(() => expect(jwks.requests).toBe(1), { timeout: 3000 });
    await a.authorizer.keysPrefetched;
    await expectDecision(a, tokenOf(known), 'allow', 'OK');
    expect(jwks.requests).toBe(1);
  });

  it('the prefetch also imports the published keys, so the first lookup is answered without waiting', async () => {
    const keys = new RemoteKeySource(jwks.url);
    expect(keys.cachedKeysFor('ES256', known.kid)).toBeUndefined();
    await keys.prefetch();
    expect(keys.cachedKeysFor('ES256', known.kid)).toHaveLength(1);
    expect(jwks.requests).toBe(1);
  });

  it('a request arriving while the prefetch is under way joins it instead of fetching again', async () => {
    jwks.delayMs = 300;
    const a = testAuthorizer({ env: testEnv(jwks.url), replayStore: new MemoryReplayStore() });
    await expectDecision(a, tokenOf(known), 'allow', 'OK');
    expect(jwks.requests).toBe(1);
  });

  it('init never fails when the JWKS is down: logged once, no unhandled rejection, the first request fetches again', async () => {
    const hole = await startBlackHole();
    const url = `${hole.url}/jwks.json`;
    await hole.close();
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => void rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const a = testAuthorizer({ env: testEnv(url), replayStore: new MemoryReplayStore() });
      await expect(a.authorizer.keysPrefetched).resolves.toBeUndefined();
      const notes = a.output.lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('JWKS prefetch'));
      expect(notes).toHaveLength(1);
      expect(JSON.parse(notes[0]!)).toMatchObject({ level: 'WARN', reason: 'JWKS_UNAVAILABLE' });
      await expectDecision(a, tokenOf(known), 'internal', 'JWKS_UNAVAILABLE');
      await new Promise((resolve) => setImmediate(resolve));
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('after a failed prefetch, the JWKS coming back is picked up by the next request', async () => {
    jwks.status = 503;
    const a = testAuthorizer({ env: testEnv(jwks.url), replayStore: new MemoryReplayStore() });
    await a.authorizer.keysPrefetched;
    jwks.status = 200;
    await expectDecision(a, tokenOf(known), 'allow', 'OK');
    expect(jwks.requests).toBe(2);
  });
});
