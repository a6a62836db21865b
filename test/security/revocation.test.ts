/**
 * Threat: a token that must stop working now (a stolen laptop, an employee who left) is still accepted
 * because its signature and claims are valid until it expires.
 * Defences (design §10): with REVOCATION=on, decide.ts puts `revocationQuery(token)` into the request's
 * one store commit, after the scope check; a live record by `sha256("revoked-jti", iss, jti)`, or by
 * `sha256("revoked-sub", iss, sub)` with `notBefore > iat`, refuses the token (401 TOKEN_REVOKED); an
 * expired record does not; any store failure is a 500. Records are built by `revocationItem`, the
 * function `npm run revoke` writes with, and held by MemoryReplayStore (the DynamoDB side has its own
 * tests against a real server).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError } from '../../lib/errors.js';
import { MemoryReplayStore, type ReplayStore, type StorePlan } from '../../lib/replay-store.js';
import { revocationItem, type RevocationKind } from '../../lib/revocation.js';
import { localClient } from '../helpers/dynalite.js';
import { ISSUER, NOW, claims, restTokenEvent, testAuthorizer, testEnv } from '../helpers/fixtures.js';
import { generateKey, signToken } from '../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { expectDecision } from './support.js';

const key = generateKey('ES256', 'revocation-key');
const LIMITS = { maxTokenLifetimeSeconds: 86_400, clockSkewSeconds: 30 };
let jwks: JwksServer;

beforeAll(async () => {
  jwks = await startJwksServer([key.publicJwk]);
});
afterAll(async () => {
  await jwks.close();
});

/** A store that remembers every plan it was given (and delegates to memory). */
class RecordingStore implements ReplayStore {
  readonly plans: StorePlan[] = [];
  constructor(readonly inner = new MemoryReplayStore()) {}
  commit(plan: StorePlan, now: number) {
    this.plans.push(plan);
    return this.inner.commit(plan, now);
  }
}

function setup(env: Record<string, string> = {}, now = NOW) {
  const store = new RecordingStore();
  const auth = testAuthorizer({ env: testEnv(jwks.url, { REVOCATION: 'on', ...env }), replayStore: store, now });
  /** Writes the record `npm run revoke` would write at `at`. */
  const revoke = (kind: RevocationKind, value: string, opts: { issuer?: string; notBefore?: number; at?: number } = {}) => {
    const at = opts.at ?? now;
    const record = revocationItem(LIMITS, { kind, issuer: opts.issuer ?? ISSUER, value, notBefore: opts.notBefore ?? at, now: at });
    store.inner.revoke(record.key, { expiresAt: record.expiresAt, notBefore: record.notBefore });
    return record;
  };
  return { ...auth, store, revoke };
}

const event = (payload: Record<string, unknown>) => restTokenEvent(`Bearer ${signToken(key, { payload })}`);

describe('revoked by jti', () => {
  it('a live record for the token’s jti refuses it (401 TOKEN_REVOKED); other tokens pass', async () => {
    const a = setup({ REPLAY_PROTECTION: 'off' });
    const c = claims();
    await expectDecision(a, event(c), 'allow', 'OK');
    a.revoke('jti', c['jti'] as string);
    await expectDecision(a, event(c), 'unauthorized', 'TOKEN_REVOKED');
    await expectDecision(a, event(claims()), 'allow', 'OK');
  });

  it('in single-use mode a revoked fresh token is refused and its single-use record is not written', async () => {
    const a = setup({ REPLAY_PROTECTION: 'single-use' });
    const c = claims();
    a.revoke('jti', c['jti'] as string);
    await expectDecision(a, event(c), 'unauthorized', 'TOKEN_REVOKED');
    // One commit carried both the token's record and the revocation query.
    expect(a.store.plans).toHaveLength(1);
    expect(a.store.plans[0]!.records.map((r) => r.kind)).toEqual(['token']);
    expect(a.store.plans[0]!.revocation).toBeDefined();
    // Once the record has expired, a token with that jti (never used) is accepted once.
    const later = NOW + 86_400 + 61;
    const b = testAuthorizer({ env: testEnv(jwks.url, { REVOCATION: 'on' }), replayStore: a.store, now: later });
    const live = claims({ jti: c['jti'] }, later);
    await expectDecision(b, event(live), 'allow', 'OK');
    await expectDecision(b, event(live), 'unauthorized', 'TOKEN_REPLAYED');
  });
});

describe('revoked by subject: iat before notBefore is revoked, equal and after are not', () => {
  it.each([
    ['iat one second before notBefore', -1, 'unauthorized', 'TOKEN_REVOKED'],
    ['iat long before notBefore', -3600, 'unauthorized', 'TOKEN_REVOKED'],
    ['iat equal to notBefore', 0, 'allow', 'OK'],
    ['iat after notBefore', 1, 'allow', 'OK'],
  ] as const)('%s', async (_name, offset, outcome, reason) => {
    const a = setup({ REPLAY_PROTECTION: 'off' });
    const notBefore = NOW - 100;
    a.revoke('sub', 'user-1', { notBefore });
    await expectDecision(a, event(claims({ sub: 'user-1', iat: notBefore + offset })), outcome, reason);
    // Another subject's tokens are never affected.
    await expectDecision(a, event(claims({ sub: 'user-2', iat: notBefore - 1 })), 'allow', 'OK');
  });

  it('a later --before earlier than the stored one does not un-revoke (the CLI keeps the larger; see revoke tests)', async () => {
    // Here only the decision side: the record holds one notBefore and the rule is strict.
    const a = setup({ REPLAY_PROTECTION: 'off' });
    a.revoke('sub', 'user-1', { notBefore: NOW });
    await expectDecision(a, event(claims({ iat: NOW - 1 })), 'unauthorized', 'TOKEN_REVOKED');
    await expectDecision(a, event(claims({ iat: NOW })), 'allow', 'OK');
  });

  it('a subject record without notBefore (hand-written) revokes every token of the subject', async () => {
    const a = setup({ REPLAY_PROTECTION: 'off' });
    const record = revocationItem(LIMITS, { kind: 'sub', issuer: ISSUER, value: 'user-1', notBefore: NOW, now: NOW });
    a.store.inner.revoke(record.key, { expiresAt: record.expiresAt });
    await expectDecision(a, event(claims({ iat: NOW })), 'unauthorized', 'TOKEN_REVOKED');
  });
});

describe('records are per issuer', () => {
  it('a record of another issuer with the same jti or sub does not apply', async () => {
    const a = setup({ REPLAY_PROTECTION: 'off' });
    const c = claims();
    const other = 'https://other-issuer.test';
    const byJti = a.revoke('jti', c['jti'] as string, { issuer: other });
    const bySub = a.revoke('sub', c['sub'] as string, { issuer: other, notBefore: NOW + 10 });
    await expectDecision(a, event(c), 'allow', 'OK');
    // The same records under this issuer do apply: only the issuer in the key made the difference.
    expect(byJti.key).not.toBe(a.revoke('jti', 'unrelated').key);
    a.revoke('sub', c['sub'] as string, { notBefore: NOW + 10 });
    await expectDecision(a, event(c), 'unauthorized', 'TOKEN_REVOKED');
    expect(bySub.key).not.toBe(revocationItem(LIMITS, { kind: 'sub', issuer: ISSUER, value: c['sub'] as string, notBefore: NOW, now: NOW }).key);
  });

  it('a jti record does not revoke a subject whose sub equals that jti, nor the reverse', async () => {
    const a = setup({ REPLAY_PROTECTION: 'off' });
    a.revoke('jti', 'same-value');
    await expectDecision(a, event(claims({ sub: 'same-value' })), 'allow', 'OK');
    a.revoke('sub', 'other-value', { notBefore: NOW + 10 });
    await expectDecision(a, event(claims({ jti: 'other-value' })), 'allow', 'OK');
  });
});

describe('expiry: an expired record (still in the table) no longer revokes', () => {
  it('jti record: expiresAt = revokedAt + lifetime + 2 × skew; revokes up to it, not after', async () => {
    const jti = `expiring-${Date.now()}`;
    const record = revocationItem(LIMITS, { kind: 'jti', issuer: ISSUER, value: jti, notBefore: NOW, now: NOW });
    expect(record.expiresAt).toBe(NOW + 86_400 + 60);
    for (const [now, outcome] of [[record.expiresAt, 'unauthorized'], [record.expiresAt + 1, 'allow']] as const) {
      const a = setup({ REPLAY_PROTECTION: 'off' }, now);
      a.store.inner.revoke(record.key, { expiresAt: record.expiresAt });
      await expectDecision(a, event(claims({ jti }, now)), outcome, outcome === 'allow' ? 'OK' : 'TOKEN_REVOKED');
    }
  });

  it('subject record: expiresAt = notBefore + lifetime + skew; past it the record is ignored', async () => {
    const notBefore = NOW - 86_400 - 31;
    const a = setup({ REPLAY_PROTECTION: 'off' });
    const record = a.revoke('sub', 'user-1', { notBefore, at: notBefore });
    expect(record.expiresAt).toBe(notBefore + 86_400 + 30);
    expect(record.expiresAt).toBeLessThan(NOW);
    await expectDecision(a, event(claims({ iat: NOW - 10 })), 'allow', 'OK');
    // A token it covered would itself be expired by then: exp <= iat + lifetime < notBefore + lifetime.
  });
});

describe('order and round trips', () => {
  it('with replay off the plan has no records: one commit carrying only the revocation query', async () => {
    const a = setup({ REPLAY_PROTECTION: 'off' });
    const c = claims();
    await expectDecision(a, event(c), 'allow', 'OK');
    expect(a.store.plans).toHaveLength(1);
    expect(a.store.plans[0]!.records).toEqual([]);
    expect(a.store.plans[0]!.revocation).toMatchObject({ iat: c['iat'] });
  });

  it('checked only after the scope check: a 403 or a bad token never reaches the store', async () => {
    const a = setup({ REPLAY_PROTECTION: 'off' });
    const c = claims({ scope: 'nothing' });
    a.revoke('jti', c['jti'] as string);
    await expectDecision(a, event(c), 'forbidden', 'SCOPE_MISSING');
    await expectDecision(a, event(claims({ exp: NOW - 100, iat: NOW - 200 })), 'unauthorized', 'TOKEN_EXPIRED');
    expect(a.store.plans).toHaveLength(0);
  });

  it('REVOCATION=off never asks: a revoked token is accepted and the plan carries no query', async () => {
    const a = setup({ REPLAY_PROTECTION: 'single-use', REVOCATION: 'off' });
    const c = claims();
    a.revoke('jti', c['jti'] as string);
    await expectDecision(a, event(c), 'allow', 'OK');
    expect(a.store.plans[0]!.revocation).toBeUndefined();
  });
});

describe('faults → 500, never an allow', () => {
  const failing = (err: unknown): ReplayStore => ({ commit: () => Promise.reject(err) });
  it.each([
    ['the store’s own error', new AuthError('REPLAY_STORE_UNAVAILABLE', 'read failed'), 'REPLAY_STORE_UNAVAILABLE'],
    ['any other error', Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }), 'INTERNAL'],
  ])('%s', async (_name, err, reason) => {
    for (const replay of ['off', 'single-use']) {
      const a = testAuthorizer({ env: testEnv(jwks.url, { REVOCATION: 'on', REPLAY_PROTECTION: replay }), replayStore: failing(err) });
      await expectDecision(a, event(claims()), 'internal', reason);
    }
  });

  it('an unknown verdict is a refusal (an internal error: the store and the decision disagree)', async () => {
    const odd: ReplayStore = { commit: async () => 'maybe' as never };
    await expectDecision(testAuthorizer({ env: testEnv(jwks.url, { REVOCATION: 'on', REPLAY_PROTECTION: 'off' }), replayStore: odd }), event(claims()), 'internal', 'INTERNAL');
  });

  it('createAuthorizer builds the DynamoDB store for REVOCATION=on even with replay off: an unreachable table is a 500', async () => {
    const { startDynalite } = await import('../helpers/dynalite.js');
    const server = await startDynalite('revocation-stopped');
    const client = localClient(server.endpoint);
    await server.close();
    const a = testAuthorizer({ env: testEnv(jwks.url, { REVOCATION: 'on', REPLAY_PROTECTION: 'off', REPLAY_TABLE_NAME: 'revocation-stopped' }), extra: { dynamoClient: client } });
    await expectDecision(a, event(claims()), 'internal', 'REPLAY_STORE_UNAVAILABLE');
    client.destroy();
  });
});
