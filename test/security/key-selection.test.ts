/**
 * Threat: making the verifier use a key the attacker chose, or making it hammer the issuer's JWKS.
 * Attacker: controls every header member (jwk, jku, x5u, x5c, kid) and can send any number of requests.
 * Defences: keys come only from the configured JWKS (key-source.ts, verify-token.ts ignores jku/x5u/x5c/jwk);
 * kid must be a short non-empty string; an unknown kid refetches the JWKS at most once per cooldown and
 * concurrent refetches coalesce (jose's remote set, wrapped by RemoteKeySource).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryReplayStore } from '../../lib/replay-store.js';
import { RemoteKeySource } from '../../lib/key-source.js';
import { claims, restTokenEvent, testAuthorizer, testEnv } from '../helpers/fixtures.js';
import { generateKey, type TestKey } from '../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { classify, expectDecision, forge, publicKeyForms } from './support.js';

const victim = generateKey('ES256', 'victim-1');
const attacker = generateKey('ES256', 'attacker-1');
const bearer = (token: string) => restTokenEvent(`Bearer ${token}`);
const header = (key: TestKey, extra: Record<string, unknown> = {}) => ({ alg: key.alg, kid: key.kid, typ: 'JWT', ...extra });

let jwks: JwksServer;
let evil: JwksServer;
beforeAll(async () => {
  jwks = await startJwksServer([victim.publicJwk]);
  evil = await startJwksServer([attacker.publicJwk]);
});
afterAll(async () => {
  await jwks.close();
  await evil.close();
});
beforeEach(() => {
  jwks.body = { keys: [victim.publicJwk] };
  jwks.requests = 0;
});
afterEach(() => {
  vi.useRealTimers();
  // Whatever a case did, the attacker's server must never have been asked for anything.
  expect(evil.requests).toBe(0);
});

/** An authorizer as a cold start leaves it: the JWKS prefetch at init has settled (no fetch in flight). */
const coldAuth = () => testAuthorizer({ env: testEnv(jwks.url), replayStore: new MemoryReplayStore() });
const auth = async () => {
  const a = coldAuth();
  await a.authorizer.keysPrefetched;
  return a;
};

describe('keys named by the token are never fetched or used', () => {
  it('control: the victim key verifies', async () => {
    await expectDecision(await auth(), bearer(forge(victim, header(victim), claims())), 'allow', 'OK');
  });
  it('embedded jwk with the attacker key and the attacker kid', async () => {
    const token = forge(attacker, header(attacker, { jwk: attacker.publicJwk }), claims());
    await expectDecision(await auth(), bearer(token), 'unauthorized', 'KEY_NOT_FOUND');
  });
  it('embedded jwk with the attacker key under the victim kid', async () => {
    const token = forge(attacker, header(attacker, { kid: victim.kid, jwk: { ...attacker.publicJwk, kid: victim.kid } }), claims());
    await expectDecision(await auth(), bearer(token), 'unauthorized', 'SIGNATURE_INVALID');
  });
  it('embedded jwk without any kid', async () => {
    const token = forge(attacker, { alg: 'ES256', typ: 'JWT', jwk: attacker.publicJwk }, claims());
    await expectDecision(await auth(), bearer(token), 'unauthorized', 'SIGNATURE_INVALID');
  });
  for (const member of ['jku', 'x5u']) {
    it(`${member} pointing at the attacker's JWKS server (which receives zero requests)`, async () => {
      for (const kid of [attacker.kid, victim.kid]) {
        const token = forge(attacker, header(attacker, { kid, [member]: evil.url }), claims());
        const a = await auth();
        await expectDecision(a, bearer(token), 'unauthorized');
      }
      expect(evil.requests).toBe(0);
    });
  }
  it('jku and x5u on a token that is otherwise valid change nothing (the JWKS is still the configured one)', async () => {
    const token = forge(victim, header(victim, { jku: evil.url, x5u: evil.url }), claims());
    await expectDecision(await auth(), bearer(token), 'allow', 'OK');
    expect(jwks.requests).toBe(1);
  });
  it('x5c with the attacker key (as DER) is ignored', async () => {
    const der = (publicKeyForms(attacker.publicKey)['der'] as Buffer).toString('base64');
    for (const kid of [attacker.kid, victim.kid]) {
      const token = forge(attacker, header(attacker, { kid, x5c: [der] }), claims());
      await expectDecision(await auth(), bearer(token), 'unauthorized');
    }
  });
});

describe('hostile kid values', () => {
  const unknownStrings = ['../../etc/passwd', "' OR 1=1 --", '$(rm -rf /)', '%00', '{"$ne":null}', '*', 'victim-1\u0000', 'VICTIM-1', 'victim-1 '];
  for (const kid of unknownStrings) {
    it(`kid ${JSON.stringify(kid)} matches nothing`, async () => {
      await expectDecision(await auth(), bearer(forge(attacker, header(attacker, { kid }), claims())), 'unauthorized', 'KEY_NOT_FOUND');
    });
  }
  const invalid: [string, unknown][] = [
    ['number 123', 123],
    ['null', null],
    ['an object', { kid: victim.kid }],
    ['an array', [victim.kid]],
    ['a 4,000-char string (fits 8 KiB)', 'k'.repeat(4000)],
    ['the empty string', ''],
    ['true', true],
  ];
  for (const [name, kid] of invalid) {
    it(`kid as ${name} is invalid (and the victim's valid signature does not rescue it)`, async () => {
      const a = await auth();
      jwks.requests = 0; // the prefetch at init; the request itself must not fetch
      await expectDecision(a, bearer(forge(victim, header(victim, { kid }), claims())), 'unauthorized', 'KID_INVALID');
      expect(jwks.requests).toBe(0);
    });
  }
  it('a 10,000-char kid is refused as too large before anything else', async () => {
    await expectDecision(await auth(), bearer(forge(victim, header(victim, { kid: 'k'.repeat(10_000) }), claims())), 'unauthorized', 'TOKEN_TOO_LARGE');
  });
  it('a 257-char kid fits the token limit and is refused as invalid', async () => {
    await expectDecision(await auth(), bearer(forge(victim, header(victim, { kid: 'k'.repeat(257) }), claims())), 'unauthorized', 'KID_INVALID');
  });
});

describe('rotation and refetch limits', () => {
  it('a rotated key is accepted after exactly one refetch once the cooldown has passed', async () => {
    const next = generateKey('ES256', 'victim-2');
    const a = await auth();
    await expectDecision(a, bearer(forge(victim, header(victim), claims())), 'allow', 'OK');
    expect(jwks.requests).toBe(1);
    jwks.body = { keys: [next.publicJwk] };
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31_000);
    await expectDecision(a, bearer(forge(next, header(next), claims())), 'allow', 'OK');
    expect(jwks.requests).toBe(2);
    await expectDecision(a, bearer(forge(next, header(next), claims())), 'allow', 'OK');
    expect(jwks.requests).toBe(2);
  });
  it('inside the cooldown an unknown kid does not refetch', async () => {
    const next = generateKey('ES256', 'victim-3');
    const a = await auth();
    await expectDecision(a, bearer(forge(victim, header(victim), claims())), 'allow', 'OK');
    jwks.body = { keys: [next.publicJwk] };
    await expectDecision(a, bearer(forge(next, header(next), claims())), 'unauthorized', 'KEY_NOT_FOUND');
    expect(jwks.requests).toBe(1);
  });
  it('a flood of 200 random kids causes at most one JWKS fetch per cooldown', async () => {
    const a = await auth();
    await expectDecision(a, bearer(forge(victim, header(victim), claims())), 'allow', 'OK');
    const flood = async () => {
      for (let i = 0; i < 100; i++) {
        await expectDecision(a, bearer(forge(attacker, header(attacker, { kid: `rnd-${Math.random()}` }), claims())), 'unauthorized', 'KEY_NOT_FOUND');
      }
      const results = await Promise.all(
        Array.from({ length: 100 }, () => classify(a.invoke, bearer(forge(attacker, header(attacker, { kid: `rnd-${Math.random()}` }), claims())))),
      );
      expect(results.every((r) => r.outcome === 'unauthorized')).toBe(true);
    };
    await flood();
    expect(jwks.requests).toBe(1);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31_000);
    await flood();
    expect(jwks.requests).toBe(2);
  });
  it('concurrent unknown-kid requests on a cold start coalesce into one fetch', async () => {
    jwks.delayMs = 200;
    try {
      // The 30 requests arrive while the init prefetch is in flight and join it.
      const a = coldAuth();
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) => classify(a.invoke, bearer(forge(attacker, header(attacker, { kid: `cold-${i}` }), claims())))),
      );
      expect(results.map((r) => r.outcome)).toEqual(Array(30).fill('unauthorized'));
      expect(jwks.requests).toBe(1);
    } finally {
      jwks.delayMs = 0;
    }
  });
  it('concurrent unknown-kid requests after the cooldown coalesce into one refetch', async () => {
    const a = await auth();
    await expectDecision(a, bearer(forge(victim, header(victim), claims())), 'allow', 'OK');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31_000);
    jwks.delayMs = 200;
    try {
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) => classify(a.invoke, bearer(forge(attacker, header(attacker, { kid: `warm-${i}` }), claims())))),
      );
      expect(results.every((r) => r.outcome === 'unauthorized')).toBe(true);
      expect(jwks.requests).toBe(2);
    } finally {
      jwks.delayMs = 0;
    }
  });
  it('the key source reports the same count as the server (RemoteKeySource.fetchCount)', async () => {
    const keys = new RemoteKeySource(jwks.url);
    const a = testAuthorizer({ env: testEnv(jwks.url), keys, replayStore: new MemoryReplayStore() });
    for (let i = 0; i < 20; i++) await classify(a.invoke, bearer(forge(attacker, header(attacker, { kid: `k-${i}` }), claims())));
    expect(keys.fetchCount).toBe(1);
    expect(jwks.requests).toBe(1);
  });
});
