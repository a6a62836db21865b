/**
 * Threat: replaying a captured single-use token (sequentially, in a race, inside the clock-skew window),
 * or abusing the replay table (writes for forged tokens, hostile jti values, stale records).
 * Attacker: has seen a valid token (logs, proxy, browser) and can send it any number of times at once.
 * Defences: decide.ts writes only after every other check passed; DynamoDbReplayStore's conditional
 * PutItem `attribute_not_exists(pk) OR expiresAt < :now` with key sha256(iss, jti) and expiresAt =
 * exp + skew (replay-store.ts recordExpiry). Runs against the real dynalite of the global setup, wired
 * by createAuthorizer itself (only the client is swapped for one pointing at dynalite).
 */
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { replayKey } from '../../lib/replay-store.js';
import { ISSUER, NOW, claims, httpApiEvent, restRequestEvent, restTokenEvent, testAuthorizer, testEnv } from '../helpers/fixtures.js';
import { generateKey } from '../helpers/keys.js';
import { localClient } from '../helpers/dynalite.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { classify, expectDecision, forge } from './support.js';

const key = generateKey('ES256', 'replay-key');
const attacker = generateKey('ES256', 'replay-key');
const h = { alg: 'ES256', kid: key.kid, typ: 'JWT' };
const table = inject('replayTable');
let client: DynamoDBClient;
let jwks: JwksServer;

beforeAll(async () => {
  jwks = await startJwksServer([key.publicJwk]);
  client = localClient(inject('dynamoEndpoint'));
});
afterAll(async () => {
  client.destroy();
  await jwks.close();
});

const auth = (now = NOW) => testAuthorizer({ env: testEnv(jwks.url, { REPLAY_TABLE_NAME: table }), now, extra: { dynamoClient: client } });
const uniqueJti = (label: string) => `sec-${label}-${process.pid}-${Date.now()}-${Math.random()}`;
const bearer = (token: string) => restTokenEvent(`Bearer ${token}`);

async function record(jti: string, iss = ISSUER): Promise<{ expiresAt: number } | undefined> {
  const out = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: replayKey(iss, jti) } }, ConsistentRead: true }));
  return out.Item ? { expiresAt: Number(out.Item['expiresAt']?.N) } : undefined;
}

describe('single use', () => {
  it('sequential reuse is refused, on the same and on other routes and event kinds', async () => {
    const jti = uniqueJti('seq');
    const token = forge(key, h, claims({ jti }));
    const a = auth();
    await expectDecision(a, bearer(token), 'allow', 'OK');
    await expectDecision(a, bearer(token), 'unauthorized', 'TOKEN_REPLAYED');
    await expectDecision(a, restRequestEvent(`Bearer ${token}`), 'unauthorized', 'TOKEN_REPLAYED');
    await expectDecision(a, restTokenEvent(`Bearer ${token}`, 'dev', 'GET', '/orders'), 'unauthorized', 'TOKEN_REPLAYED');
    // A second cold start (another Lambda instance) sees the same table.
    await expectDecision(auth(), bearer(token), 'unauthorized', 'TOKEN_REPLAYED');
    expect(await record(jti)).toEqual({ expiresAt: NOW + 300 + 30 });
  });
  it('a token for two audiences used on two stages is still single-use', async () => {
    const jti = uniqueJti('stages');
    const token = forge(key, h, claims({ jti, aud: ['api-dev', 'api-http'] }));
    const a = auth();
    await expectDecision(a, bearer(token), 'allow', 'OK');
    await expectDecision(a, httpApiEvent(`Bearer ${token}`), 'unauthorized', 'TOKEN_REPLAYED');
  });
  it('50-way concurrent reuse yields exactly one Allow', async () => {
    const jti = uniqueJti('race');
    const token = forge(key, h, claims({ jti }));
    // Several cold starts racing, as Lambda would scale out.
    const instances = Array.from({ length: 5 }, () => auth());
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => classify(instances[i % 5]!.invoke, bearer(token))));
    const outcomes = results.map((r) => r.outcome);
    expect(outcomes.filter((o) => o === 'allow')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'unauthorized')).toHaveLength(49);
    const reasons = instances.flatMap((i) => i.output.decisions().map((d) => d['reason']));
    expect(reasons.filter((r) => r === 'TOKEN_REPLAYED')).toHaveLength(49);
  });
});

describe('the clock-skew tolerance window', () => {
  it('reuse after exp but inside the skew is still refused: the record outlives acceptance', async () => {
    const jti = uniqueJti('skew');
    const token = forge(key, h, claims({ jti, iat: NOW - 10, exp: NOW + 60 }));
    await expectDecision(auth(NOW), bearer(token), 'allow', 'OK');
    expect(await record(jti)).toEqual({ expiresAt: NOW + 60 + 30 });
    // exp has passed; the token is still accepted for 30 s of skew, so only the record stops it.
    await expectDecision(auth(NOW + 61), bearer(token), 'unauthorized', 'TOKEN_REPLAYED');
    await expectDecision(auth(NOW + 60 + 29), bearer(token), 'unauthorized', 'TOKEN_REPLAYED');
    // From exp + skew on, the token itself is expired (and the record may go).
    await expectDecision(auth(NOW + 60 + 30), bearer(token), 'unauthorized', 'TOKEN_EXPIRED');
  });
  it('a token first used inside its skew window is recorded until exp + skew', async () => {
    const jti = uniqueJti('late');
    const token = forge(key, h, claims({ jti, iat: NOW - 100, exp: NOW - 10 }));
    await expectDecision(auth(NOW), bearer(token), 'allow', 'OK');
    expect(await record(jti)).toEqual({ expiresAt: NOW - 10 + 30 });
    await expectDecision(auth(NOW + 19), bearer(token), 'unauthorized', 'TOKEN_REPLAYED');
  });
});

describe('stale records (TTL deletes late)', () => {
  it('an expired but undeleted record does not block a new token with that jti', async () => {
    const jti = uniqueJti('stale');
    await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: replayKey(ISSUER, jti) }, expiresAt: { N: String(NOW - 1) } } }));
    const token = forge(key, h, claims({ jti }));
    await expectDecision(auth(), bearer(token), 'allow', 'OK');
    expect(await record(jti)).toEqual({ expiresAt: NOW + 330 });
    await expectDecision(auth(), bearer(token), 'unauthorized', 'TOKEN_REPLAYED');
  });
  it('a live record (written directly) blocks a first use', async () => {
    const jti = uniqueJti('live');
    await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: replayKey(ISSUER, jti) }, expiresAt: { N: String(NOW + 5) } } }));
    await expectDecision(auth(), bearer(forge(key, h, claims({ jti }))), 'unauthorized', 'TOKEN_REPLAYED');
  });
});

describe('nothing is written for a request that is not allowed', () => {
  const cases: [string, (jti: string) => { event: unknown; outcome: 'unauthorized' | 'forbidden'; reason: string }][] = [
    ['forged signature (attacker key, victim kid)', (jti) => ({ event: bearer(forge(attacker, h, claims({ jti }))), outcome: 'unauthorized', reason: 'SIGNATURE_INVALID' })],
    ['tampered payload', (jti) => {
      const [hp, , sp] = forge(key, h, claims({ jti })).split('.');
      return { event: bearer(`${hp}.${Buffer.from(JSON.stringify(claims({ jti, scope: 'admin' }))).toString('base64url')}.${sp}`), outcome: 'unauthorized', reason: 'SIGNATURE_INVALID' };
    }],
    ['expired', (jti) => ({ event: bearer(forge(key, h, claims({ jti, iat: NOW - 500, exp: NOW - 100 }))), outcome: 'unauthorized', reason: 'TOKEN_EXPIRED' })],
    ['wrong audience', (jti) => ({ event: bearer(forge(key, h, claims({ jti, aud: 'api-prod' }))), outcome: 'unauthorized', reason: 'AUDIENCE_MISMATCH' })],
    ['scope missing (403)', (jti) => ({ event: bearer(forge(key, h, claims({ jti, scope: 'other' }))), outcome: 'forbidden', reason: 'SCOPE_MISSING' })],
    ['no route (403)', (jti) => ({ event: restTokenEvent(`Bearer ${forge(key, h, claims({ jti }))}`, 'dev', 'GET', '/nowhere'), outcome: 'forbidden', reason: 'ROUTE_NOT_FOUND' })],
    ['stage not configured (403)', (jti) => ({ event: restTokenEvent(`Bearer ${forge(key, h, claims({ jti }))}`, 'staging'), outcome: 'forbidden', reason: 'STAGE_NOT_CONFIGURED' })],
  ];
  for (const [name, make] of cases) {
    it(name, async () => {
      const jti = uniqueJti('nowrite');
      const { event, outcome, reason } = make(jti);
      await expectDecision(auth(), event, outcome, reason);
      expect(await record(jti)).toBeUndefined();
      // And the real owner's token with that jti still works afterwards.
      await expectDecision(auth(), bearer(forge(key, h, claims({ jti }))), 'allow', 'OK');
    });
  }
});

describe('hostile jti values', () => {
  const values: [string, string][] = [
    ['5,000 characters', 'J'.repeat(5000)],
    ['unicode', 'jti-日本語-🔑-\u202e-ǅ'],
    ['an expression', 'attribute_not_exists(pk) OR expiresAt < :now'],
    ['a placeholder', ':now'],
    ['NUL and control characters', 'a\u0000b\u0001c\u001f'],
    ['JSON-ish', '"},{"pk":{"S":"x"}}'],
    ['backslash escapes', '\\x00\\u0000'],
  ];
  for (const [name, base] of values) {
    it(name, async () => {
      const jti = `${base}-${uniqueJti('h')}`;
      const token = forge(key, h, claims({ jti }));
      await expectDecision(auth(), bearer(token), 'allow', 'OK');
      expect(await record(jti)).toEqual({ expiresAt: NOW + 330 });
      await expectDecision(auth(), bearer(token), 'unauthorized', 'TOKEN_REPLAYED');
    });
  }
  it('jti values that differ only by a trailing NUL are different tokens', async () => {
    const jti = uniqueJti('nul');
    await expectDecision(auth(), bearer(forge(key, h, claims({ jti }))), 'allow', 'OK');
    await expectDecision(auth(), bearer(forge(key, h, claims({ jti: `${jti}\u0000` }))), 'allow', 'OK');
  });
  it('the record key is a fixed-size hash, never the jti itself', () => {
    const k = replayKey(ISSUER, 'J'.repeat(5000));
    expect(k).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
