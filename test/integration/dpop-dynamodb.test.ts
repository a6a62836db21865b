/**
 * DPoP proofs against a real DynamoDB-compatible server (dynalite, from the global setup), wired by
 * createAuthorizer itself: with REPLAY_PROTECTION=off the proof record alone is one conditional
 * PutItem, keyed sha256("dpop", jkt, jti), expiring at iat + max age + skew.
 */
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { proofKey } from '../../lib/replay-store.js';
import { claims, testAuthorizer, testEnv } from '../helpers/fixtures.js';
import { generateKey } from '../helpers/keys.js';
import { localClient } from '../helpers/dynalite.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { dpopClient, restDpopEvent, restUri, type DpopClient } from '../helpers/dpop.js';
import { classify, expectDecision, forge } from '../security/support.js';

const issuerKey = generateKey('ES256', 'issuer-key');
const table = inject('replayTable');
let client: DynamoDBClient;
let jwks: JwksServer;
let dpop: DpopClient;

beforeAll(async () => {
  jwks = await startJwksServer([issuerKey.publicJwk]);
  client = localClient(inject('dynamoEndpoint'));
  dpop = await dpopClient('ES256');
});
afterAll(async () => {
  client.destroy();
  await jwks.close();
});

const now = () => Math.floor(Date.now() / 1000);
const auth = (at: number) =>
  testAuthorizer({ env: testEnv(jwks.url, { DPOP_MODE: 'required', REPLAY_PROTECTION: 'off', REPLAY_TABLE_NAME: table }), now: at, extra: { dynamoClient: client } });

describe('DPoP proofs in DynamoDB (replay protection off)', () => {
  it('a proof is written once and refused again, also by another instance; a fresh proof passes', async () => {
    const at = now();
    const token = forge(issuerKey, { alg: 'ES256', kid: issuerKey.kid, typ: 'JWT' }, claims({ cnf: { jkt: dpop.jkt } }, at));
    const proof = await dpop.proof(restUri(), 'GET', token);
    await expectDecision(auth(at), restDpopEvent(token, proof), 'allow', 'OK');
    await expectDecision(auth(at), restDpopEvent(token, proof), 'unauthorized', 'DPOP_PROOF_REPLAYED');
    await expectDecision(auth(at), restDpopEvent(token, await dpop.proof(restUri(), 'GET', token)), 'allow', 'OK');
    const { iat, jti } = JSON.parse(Buffer.from(proof.split('.')[1]!, 'base64url').toString()) as { iat: number; jti: string };
    const item = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: proofKey(dpop.jkt, jti) } }, ConsistentRead: true }));
    expect(Number(item.Item?.['expiresAt']?.N)).toBe(iat + 60 + 30);
  });

  it('50 concurrent requests with one proof: exactly one Allow', async () => {
    const at = now();
    const token = forge(issuerKey, { alg: 'ES256', kid: issuerKey.kid, typ: 'JWT' }, claims({ cnf: { jkt: dpop.jkt } }, at));
    const event = restDpopEvent(token, await dpop.proof(restUri(), 'GET', token));
    const instances = Array.from({ length: 5 }, () => auth(at));
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => classify(instances[i % 5]!.invoke, event)));
    expect(results.filter((r) => r.outcome === 'allow')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'unauthorized')).toHaveLength(49);
  });

  it('a table that cannot be written is a 500, never an Allow', async () => {
    const at = now();
    const token = forge(issuerKey, { alg: 'ES256', kid: issuerKey.kid, typ: 'JWT' }, claims({ cnf: { jkt: dpop.jkt } }, at));
    const a = testAuthorizer({ env: testEnv(jwks.url, { DPOP_MODE: 'required', REPLAY_PROTECTION: 'off', REPLAY_TABLE_NAME: 'no-such-table' }), now: at, extra: { dynamoClient: client } });
    await expectDecision(a, restDpopEvent(token, await dpop.proof(restUri(), 'GET', token)), 'internal', 'REPLAY_STORE_UNAVAILABLE');
  });
});
