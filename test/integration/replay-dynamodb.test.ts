/**
 * The replay store against a real DynamoDB-compatible server (dynalite from the global setup): the
 * condition expression really runs here.
 */
import { GetItemCommand, PutItemCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbReplayStore } from '../../lib/dynamodb-replay-store.js';
import { replayKey } from '../../lib/replay-store.js';
import { generateKey, signToken } from '../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { localClient } from '../helpers/dynalite.js';
import { claims, ISSUER, NOW, restTokenEvent, testAuthorizer, testEnv } from '../helpers/fixtures.js';

const key = generateKey('ES256');
let jwks: JwksServer;
let client: DynamoDBClient;
const table = inject('replayTable');

beforeAll(async () => {
  jwks = await startJwksServer([key.publicJwk]);
  client = localClient(inject('dynamoEndpoint'));
});
afterAll(async () => {
  client.destroy();
  await jwks.close();
});

function authorizer(now = NOW) {
  return testAuthorizer({ env: testEnv(jwks.url), replayStore: new DynamoDbReplayStore(client, table), now });
}

const bearer = (payload: Record<string, unknown>) => `Bearer ${signToken(key, { payload })}`;

async function itemCount(): Promise<number> {
  const out = await client.send(new ScanCommand({ TableName: table, Select: 'COUNT' }));
  return out.Count ?? 0;
}

async function stored(jti: string) {
  const out = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: replayKey(ISSUER, jti) } } }));
  return out.Item;
}

describe('single-use replay protection on DynamoDB', () => {
  it('allows a token once; its second use is 401', async () => {
    const { invoke } = authorizer();
    const token = bearer(claims());
    await expect(invoke(restTokenEvent(token))).resolves.toMatchObject({ policyDocument: { Statement: [{ Effect: 'Allow' }] } });
    await expect(invoke(restTokenEvent(token))).rejects.toThrow(/^Unauthorized$/);
  });

  it('stores sha256(iss, jti) with expiresAt = exp + skew and the decision attempt id, never the raw jti', async () => {
    const { invoke } = authorizer();
    const c = claims();
    await invoke(restTokenEvent(bearer(c)));
    const item = await stored(c['jti'] as string);
    expect(item).toEqual({
      pk: { S: replayKey(ISSUER, c['jti'] as string) },
      expiresAt: { N: String((c['exp'] as number) + 30) },
      attempt: { S: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    });
  });

  it('50 concurrent decisions on one fresh token give exactly one Allow', async () => {
    const { invoke } = authorizer();
    const token = bearer(claims());
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => invoke(restTokenEvent(token))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(49);
    for (const r of rejected) expect((r.reason as Error).message).toBe('Unauthorized');
  });

  it('a record whose expiresAt has passed (TTL not yet run) does not block a token with that jti', async () => {
    const c = claims();
    await client.send(
      new PutItemCommand({ TableName: table, Item: { pk: { S: replayKey(ISSUER, c['jti'] as string) }, expiresAt: { N: String(NOW - 1) } } }),
    );
    const { invoke } = authorizer();
    await expect(invoke(restTokenEvent(bearer(c)))).resolves.toMatchObject({ principalId: 'user-1' });
    expect((await stored(c['jti'] as string))?.['expiresAt']).toEqual({ N: String((c['exp'] as number) + 30) });
  });

  it('a live record blocks the jti even from a new token', async () => {
    const c = claims();
    const { invoke } = authorizer();
    await invoke(restTokenEvent(bearer(c)));
    await expect(invoke(restTokenEvent(bearer({ ...c, iat: NOW - 5 })))).rejects.toThrow('Unauthorized');
  });

  it('a token reused after exp but inside the skew is still a replay', async () => {
    const c = claims({ exp: NOW + 10 });
    await authorizer(NOW).invoke(restTokenEvent(bearer(c)));
    await expect(authorizer(NOW + 25).invoke(restTokenEvent(bearer(c)))).rejects.toThrow('Unauthorized');
  });

  it('tokens that fail any check write nothing', async () => {
    const { invoke, output } = authorizer();
    const before = await itemCount();
    const other = generateKey('ES256', key.kid);
    const failing = [
      `Bearer ${signToken(other, { payload: claims() })}`, // forged signature
      bearer(claims({ exp: NOW - 100, iat: NOW - 200 })), // expired
      bearer(claims({ aud: 'api-prod' })), // another stage's audience
      bearer(claims({ scope: 'nothing' })), // wrong scope (403)
      bearer(claims({ iss: 'https://evil.test' })),
    ];
    for (const token of failing) await invoke(restTokenEvent(token)).catch(() => undefined);
    await invoke(restTokenEvent(bearer(claims()), 'staging')).catch(() => undefined); // stage not configured
    expect(await itemCount()).toBe(before);
    expect(output.decisions().map((d) => d['reason'])).toEqual([
      'SIGNATURE_INVALID', 'TOKEN_EXPIRED', 'AUDIENCE_MISMATCH', 'SCOPE_MISSING', 'ISSUER_MISMATCH', 'STAGE_NOT_CONFIGURED',
    ]);
  });

  it('handles a 5,000-character jti without a DynamoDB error', async () => {
    const { invoke } = authorizer();
    const token = bearer(claims({ jti: 'j'.repeat(5000) }));
    await expect(invoke(restTokenEvent(token))).resolves.toMatchObject({ principalId: 'user-1' });
    await expect(invoke(restTokenEvent(token))).rejects.toThrow('Unauthorized');
  });

  it('a stopped server gives 500, never Allow', async () => {
    const { startDynalite } = await import('../helpers/dynalite.js');
    const server = await startDynalite('replay-stopped');
    const stoppedClient = localClient(server.endpoint);
    await server.close();
    const { invoke, output } = testAuthorizer({ env: testEnv(jwks.url), replayStore: new DynamoDbReplayStore(stoppedClient, 'replay-stopped') });
    const started = Date.now();
    await expect(invoke(restTokenEvent(bearer(claims())))).rejects.toThrow('Internal authorizer error');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(output.decisions()[0]).toMatchObject({ outcome: 'internal', reason: 'REPLAY_STORE_UNAVAILABLE' });
    stoppedClient.destroy();
  });

  it('a missing table gives 500', async () => {
    const { invoke } = testAuthorizer({ env: testEnv(jwks.url), replayStore: new DynamoDbReplayStore(client, 'no-such-table') });
    await expect(invoke(restTokenEvent(bearer(claims())))).rejects.toThrow('Internal authorizer error');
  });
});
