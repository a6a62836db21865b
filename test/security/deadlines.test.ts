/**
 * Threat: a slow JWKS followed by a silent DynamoDB outlasting the Lambda, so Lambda kills the call and no
 * decision line is written (issue 11, item 3).
 * Defences: create-authorizer.ts derives a deadline from `context.getRemainingTimeInMillis()` minus a
 * margin (request-deadline.ts); key-source.ts races the JWKS lookup against it and the replay store
 * shortens its own deadline to it (deadline.ts), so each call ends in our own 500 and its line.
 */
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { boundedDynamoClient } from '../../functions/authorizer/dynamo-client.js';
import { MemoryReplayStore } from '../../lib/replay-store.js';
import { claims, lambdaContext, restTokenEvent, testAuthorizer, testEnv } from '../helpers/fixtures.js';
import { generateKey } from '../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { classify, forge, startBlackHole } from './support.js';

const key = generateKey('ES256', 'deadline-key');
const event = () => restTokenEvent(`Bearer ${forge(key, { alg: 'ES256', kid: key.kid, typ: 'JWT' }, claims())}`);

/** A Lambda context whose remaining time runs down from `ms`, as Lambda's does. */
function contextWithRemaining(ms: number): Context {
  const end = Date.now() + ms;
  return { ...lambdaContext, getRemainingTimeInMillis: () => Math.max(0, end - Date.now()) } as Context;
}

let jwks: JwksServer;
beforeAll(async () => {
  jwks = await startJwksServer([key.publicJwk]);
});
afterAll(async () => {
  await jwks.close();
});
afterEach(() => {
  vi.unstubAllEnvs();
  jwks.delayMs = 0;
});

describe('every wait ends before the Lambda does', () => {
  it('a slow JWKS then a silent DynamoDB, 2000 ms left: our own 500 and a decision line, before the time runs out', async () => {
    const hole = await startBlackHole();
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', hole.url);
    const client = boundedDynamoClient();
    jwks.delayMs = 800;
    try {
      const { authorizer, output } = testAuthorizer({ env: testEnv(jwks.url), extra: { dynamoClient: client } });
      const remaining = 2000;
      const result = await classify((e) => authorizer(e, contextWithRemaining(remaining)), event());
      expect(result.outcome).toBe('internal');
      expect((result.thrown as Error).message).toBe('Internal authorizer error');
      expect(output.decisions()).toHaveLength(1);
      expect(output.decisions()[0]).toMatchObject({ outcome: 'internal', reason: 'REPLAY_STORE_UNAVAILABLE' });
      // The keys arrived (the JWKS was slow, not down) and DynamoDB was really asked.
      expect(hole.connections).toBeGreaterThan(0);
      // Before: 0.8 s of JWKS plus the store's own 3.5 s deadline, well past the 2 s Lambda had left.
      expect(result.ms).toBeLessThan(remaining);
    } finally {
      client.destroy();
      await hole.close();
    }
  });

  it('a JWKS slower than the time left (but inside its own 3 s timeout): 500 JWKS_UNAVAILABLE before the time runs out', async () => {
    jwks.delayMs = 2500;
    const { authorizer, output } = testAuthorizer({ env: testEnv(jwks.url), replayStore: new MemoryReplayStore() });
    const remaining = 1500;
    const result = await classify((e) => authorizer(e, contextWithRemaining(remaining)), event());
    expect(result.outcome).toBe('internal');
    expect(output.decisions()).toEqual([expect.objectContaining({ outcome: 'internal', reason: 'JWKS_UNAVAILABLE' })]);
    // Before: the lookup waited the full 2.5 s and allowed, after Lambda would have killed the call.
    expect(result.ms).toBeLessThan(remaining);
  });

  it('the fetch a deadline gave up on still fills the cache: the next call makes no JWKS request of its own', async () => {
    jwks.delayMs = 1200;
    jwks.requests = 0;
    const { authorizer, output } = testAuthorizer({ env: testEnv(jwks.url), replayStore: new MemoryReplayStore() });
    const first = await classify((e) => authorizer(e, contextWithRemaining(900)), event());
    expect(first.outcome).toBe('internal');
    await authorizer.keysPrefetched;
    const second = await classify((e) => authorizer(e, contextWithRemaining(5000)), event());
    expect(second.outcome).toBe('allow');
    expect(jwks.requests).toBe(1);
    expect(output.decisions().map((d) => d['reason'])).toEqual(['JWKS_UNAVAILABLE', 'OK']);
  });

  it('no time left at all: 500 at once, still with its decision line', async () => {
    const { authorizer, output } = testAuthorizer({ env: testEnv(jwks.url), replayStore: new MemoryReplayStore() });
    jwks.delayMs = 1000;
    const result = await classify((e) => authorizer(e, contextWithRemaining(100)), event());
    expect(result.outcome).toBe('internal');
    expect(output.decisions()[0]).toMatchObject({ outcome: 'internal', reason: 'JWKS_UNAVAILABLE' });
    expect(result.ms).toBeLessThan(1000);
  });
});
