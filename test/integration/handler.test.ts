/**
 * The whole decision through the Lambda handler, with a real JWKS server on loopback and the in-memory
 * replay store (DynamoDB behaviour has its own suite against dynalite).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryReplayStore } from '../../lib/replay-store.js';
import { RemoteKeySource } from '../../lib/key-source.js';
import { policyAllows } from '../../lib/iam-evaluate.js';
import { generateKey, signToken } from '../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { ACCOUNT_PREFIX, claims, httpApiEvent, restRequestEvent, restTokenEvent, testAuthorizer, testEnv, websocketEvent } from '../helpers/fixtures.js';

const key = generateKey('ES256');
let jwks: JwksServer;
beforeAll(async () => {
  jwks = await startJwksServer([key.publicJwk]);
});
afterAll(async () => {
  await jwks.close();
});

const bearer = (overrides: Record<string, unknown> = {}) => `Bearer ${signToken(key, { payload: claims(overrides) })}`;
const make = (env: Record<string, string | undefined> = {}) => testAuthorizer({ env: testEnv(jwks.url, env), replayStore: new MemoryReplayStore() });
type PolicyResult = { principalId: string; policyDocument: Parameters<typeof policyAllows>[0]; context?: Record<string, unknown> };

describe('the handler allows', () => {
  it('a REST TOKEN request with exactly its ARN and a context of verified values', async () => {
    const { invoke } = make();
    const result = (await invoke(restTokenEvent(bearer({ email: 'x@example.com', role: 'admin' })))) as PolicyResult;
    expect(result.principalId).toBe('user-1');
    expect(result.policyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [`${ACCOUNT_PREFIX}/dev/GET/orders/42`] }],
    });
    expect(Object.keys(result.context!).sort()).toEqual(['exp', 'jti', 'scope', 'stage', 'sub', 'tokenType']);
    expect(result.context).toMatchObject({ sub: 'user-1', scope: 'orders:read', stage: 'dev' });
  });

  it('REST REQUEST, HTTP API (simple and iam) and WebSocket $connect', async () => {
    const { invoke } = make();
    await expect(invoke(restRequestEvent(bearer()))).resolves.toMatchObject({ principalId: 'user-1' });
    await expect(invoke(httpApiEvent(bearer({ aud: 'api-http' })))).resolves.toMatchObject({ isAuthorized: true, context: { sub: 'user-1' } });
    await expect(invoke(websocketEvent(bearer({ scope: 'chat' })))).resolves.toMatchObject({
      policyDocument: { Statement: [{ Effect: 'Allow', Resource: [`${ACCOUNT_PREFIX}/dev/$connect`] }] },
    });
    const iam = make({ HTTP_API_RESPONSE: 'iam' });
    await expect(iam.invoke(httpApiEvent(bearer({ aud: 'api-http' })))).resolves.toMatchObject({
      policyDocument: { Statement: [{ Effect: 'Allow', Resource: [`${ACCOUNT_PREFIX}/$default/GET/orders/42`] }] },
    });
  });

  it('with replay protection off, a policy for every permitted route that a cache can reuse', async () => {
    const { invoke } = make({ REPLAY_PROTECTION: 'off', REPLAY_TABLE_NAME: undefined });
    const token = bearer({ scope: 'orders:read' });
    const result = (await invoke(restTokenEvent(token))) as PolicyResult;
    const allows = (method: string, path: string) => policyAllows(result.policyDocument, `${ACCOUNT_PREFIX}/dev/${method}${path}`);
    expect(allows('GET', '/orders/42')).toBe(true);
    expect(allows('GET', '/orders')).toBe(true);
    // `/orders/{id}` and `/orders/{id}/items` together are not expressible in IAM patterns (design §4):
    // the policy under-grants the deeper route rather than allow `/orders/7/anything`.
    expect(allows('GET', '/orders/7/items')).toBe(false);
    expect(allows('GET', '/orders/7/anything')).toBe(false);
    expect(allows('POST', '/orders')).toBe(false);
    expect(allows('GET', '/admin/status')).toBe(false);
    expect(allows('GET', '/orders/7/secret')).toBe(false);
    // The same token again is fine: nothing is recorded in this mode.
    await expect(invoke(restTokenEvent(token))).resolves.toBeDefined();
  });
});

describe('the handler answers 500 (EVENT_INVALID)', () => {
  it('for an event that is not an authorizer event, even one carrying a token (not 401)', async () => {
    const { invoke, output } = make();
    for (const event of [{}, null, 'x', { type: 'COGNITO', authorizationToken: bearer() }, { ...restTokenEvent(bearer()), type: undefined }]) {
      await expect(invoke(event)).rejects.toThrow(/^Internal authorizer error$/);
      expect(output.decisions().at(-1)).toMatchObject({ outcome: 'internal', reason: 'EVENT_INVALID' });
    }
  });
});

describe('the handler answers 401', () => {
  it.each([
    ['a missing token', undefined],
    ['a padded token', () => `${bearer()}=`],
    ['a whitespace-broken token', () => bearer().replace('.', '. ')],
    ['a token with a line break', () => bearer().replace('.', '.\n')],
    ['another scheme', () => bearer().replace('Bearer', 'Basic')],
  ])('for %s', async (_name, make401) => {
    const { invoke, output } = make();
    await expect(invoke(restTokenEvent(typeof make401 === 'function' ? make401() : make401))).rejects.toThrow(/^Unauthorized$/);
    expect(output.decisions()[0]).toMatchObject({ outcome: 'unauthorized' });
  });

  it('for a replay', async () => {
    const { invoke, output } = make();
    const token = bearer();
    await invoke(restTokenEvent(token));
    await expect(invoke(restTokenEvent(token))).rejects.toThrow(/^Unauthorized$/);
    expect(output.decisions()[1]).toMatchObject({ reason: 'TOKEN_REPLAYED' });
  });
});

describe('the handler answers 403 with an explicit Deny', () => {
  const denied = (result: unknown, arn: string) => {
    const r = result as PolicyResult;
    expect(r.policyDocument.Statement).toContainEqual({ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [arn] });
    expect(policyAllows(r.policyDocument, arn)).toBe(false);
    expect(r.context).toBeUndefined();
  };

  it('for a stage without an audience, before looking at the token', async () => {
    const { invoke, output } = make();
    denied(await invoke(restTokenEvent(bearer(), 'staging')), `${ACCOUNT_PREFIX}/staging/GET/orders/42`);
    expect(output.decisions()[0]).toMatchObject({ reason: 'STAGE_NOT_CONFIGURED' });
  });

  it('for a requestContext.stage that disagrees with the ARN', async () => {
    const { invoke, output } = make();
    const event = restRequestEvent(bearer(), { stage: 'staging' });
    (event['requestContext'] as Record<string, unknown>)['stage'] = 'dev';
    denied(await invoke(event), `${ACCOUNT_PREFIX}/staging/GET/orders/42`);
    expect(output.decisions()[0]).toMatchObject({ reason: 'STAGE_MISMATCH' });
  });

  it('for a missing scope, and for role: admin on an admin route', async () => {
    const { invoke, output } = make();
    denied(await invoke(restTokenEvent(bearer({ scope: 'orders:read' }), 'dev', 'POST', '/orders')), `${ACCOUNT_PREFIX}/dev/POST/orders`);
    const admin = bearer({ scope: 'orders:read', role: 'admin', roles: ['admin'], groups: ['admin'] });
    denied(await invoke(restTokenEvent(admin, 'dev', 'DELETE', '/admin/users/1')), `${ACCOUNT_PREFIX}/dev/DELETE/admin/users/1`);
    expect(output.decisions().map((d) => d['reason'])).toEqual(['SCOPE_MISSING', 'SCOPE_MISSING']);
  });

  it('for a route not in the table', async () => {
    const { invoke, output } = make();
    denied(await invoke(restTokenEvent(bearer(), 'dev', 'GET', '/unknown')), `${ACCOUNT_PREFIX}/dev/GET/unknown`);
    expect(output.decisions()[0]).toMatchObject({ reason: 'ROUTE_NOT_FOUND' });
  });

  it('uses the route API Gateway selected, and refuses one that does not fit the ARN', async () => {
    const { invoke, output } = make();
    denied(await invoke(restRequestEvent(bearer(), { resource: '/health', path: '/orders/42' })), `${ACCOUNT_PREFIX}/dev/GET/orders/42`);
    expect(output.decisions()[0]).toMatchObject({ reason: 'ROUTE_NOT_FOUND' });
  });

  it('as isAuthorized: false for HTTP API simple responses', async () => {
    const { invoke } = make();
    await expect(invoke(httpApiEvent(bearer({ aud: 'api-http', scope: 'none' })))).resolves.toEqual({ isAuthorized: false, context: {} });
  });

  it('keeping the allowed routes in a cacheable policy when replay protection is off', async () => {
    const { invoke } = make({ REPLAY_PROTECTION: 'off', REPLAY_TABLE_NAME: undefined });
    const result = (await invoke(restTokenEvent(bearer(), 'dev', 'POST', '/orders'))) as PolicyResult;
    expect(policyAllows(result.policyDocument, `${ACCOUNT_PREFIX}/dev/POST/orders`)).toBe(false);
    expect(policyAllows(result.policyDocument, `${ACCOUNT_PREFIX}/dev/GET/orders/1`)).toBe(true);
  });
});

describe('fail closed', () => {
  it('anything escaping the decision becomes the generic 500, never its message and never an Allow', async () => {
    const { DecisionLog } = await import('../../functions/authorizer/decision-log.js');
    const { createAuthorizer } = await import('../../functions/authorizer/create-authorizer.js');
    const { lambdaContext } = await import('../helpers/fixtures.js');
    const broken = new DecisionLog({
      write: () => {
        throw new TypeError(`disk full while writing ${bearer()}`);
      },
    });
    const handler = createAuthorizer({ env: testEnv(jwks.url), replayStore: new MemoryReplayStore(), log: broken });
    await expect(handler(restTokenEvent(bearer()), lambdaContext)).rejects.toThrow(/^Internal authorizer error$/);
    await expect(handler(restTokenEvent('Bearer x.y'), lambdaContext)).rejects.toThrow(/^Internal authorizer error$/);
  });
});

describe('the JWKS', () => {
  it('an unreachable JWKS is a 500 within a few seconds', async () => {
    const dead = await startJwksServer([]);
    const url = dead.url;
    await dead.close();
    const { invoke, output } = testAuthorizer({ env: testEnv(url), replayStore: new MemoryReplayStore() });
    const started = Date.now();
    await expect(invoke(restTokenEvent(bearer()))).rejects.toThrow('Internal authorizer error');
    expect(Date.now() - started).toBeLessThan(3500);
    expect(output.decisions()[0]).toMatchObject({ outcome: 'internal', reason: 'JWKS_UNAVAILABLE' });
  });

  it('a slow JWKS is cut off by the fetch timeout: 500', async () => {
    const slow = await startJwksServer([key.publicJwk]);
    slow.delayMs = 2000;
    const { invoke } = testAuthorizer({
      env: testEnv(slow.url),
      keys: new RemoteKeySource(slow.url, { timeoutMs: 300 }),
      replayStore: new MemoryReplayStore(),
    });
    await expect(invoke(restTokenEvent(bearer()))).rejects.toThrow('Internal authorizer error');
    await slow.close();
  });

  it('a new kid is fetched once, then found; unknown kids wait for the cooldown', async () => {
    const server = await startJwksServer([key.publicJwk]);
    const keys = new RemoteKeySource(server.url, { cooldownMs: 60_000 });
    const { invoke } = testAuthorizer({ env: testEnv(server.url), keys, replayStore: new MemoryReplayStore() });
    await invoke(restTokenEvent(bearer()));
    expect(server.requests).toBe(1);
    const unknown = generateKey('ES256', 'unknown');
    for (let i = 0; i < 20; i++) {
      await expect(invoke(restTokenEvent(`Bearer ${signToken(unknown, { payload: claims() })}`))).rejects.toThrow('Unauthorized');
    }
    expect(server.requests).toBe(1);
    await server.close();
  });

  it('a key removed from the JWKS is refused after the next fetch, even though it was cached', async () => {
    const server = await startJwksServer([key.publicJwk]);
    const keys = new RemoteKeySource(server.url, { cooldownMs: 0 });
    const { invoke } = testAuthorizer({ env: testEnv(server.url), keys, replayStore: new MemoryReplayStore() });
    await invoke(restTokenEvent(bearer()));
    await invoke(restTokenEvent(bearer())); // now answered from the key cache
    const rotated = generateKey('ES256', 'rotated');
    server.body = { keys: [rotated.publicJwk] };
    // An unknown kid makes jose fetch the set again; the old key is gone from it.
    await expect(invoke(restTokenEvent(`Bearer ${signToken(rotated, { payload: claims() })}`))).resolves.toMatchObject({ principalId: 'user-1' });
    await expect(invoke(restTokenEvent(bearer()))).rejects.toThrow('Unauthorized');
    await server.close();
  });

  it('after the cooldown, a newly published key is fetched once and accepted', async () => {
    const server = await startJwksServer([key.publicJwk]);
    const keys = new RemoteKeySource(server.url, { cooldownMs: 0 });
    const { invoke } = testAuthorizer({ env: testEnv(server.url), keys, replayStore: new MemoryReplayStore() });
    await invoke(restTokenEvent(bearer()));
    const rotated = generateKey('ES256', 'rotated');
    server.body = { keys: [key.publicJwk, rotated.publicJwk] };
    await expect(invoke(restTokenEvent(`Bearer ${signToken(rotated, { payload: claims() })}`))).resolves.toMatchObject({ principalId: 'user-1' });
    expect(server.requests).toBe(2);
    await server.close();
  });
});
