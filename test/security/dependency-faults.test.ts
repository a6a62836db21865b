/**
 * Threat: turning a failing or hostile dependency into an Allow, or into a hung authorizer.
 * Attacker: can make the JWKS origin misbehave (outage, redirect to their server, junk, slow answers) or
 * the replay table fail (throttling, permissions, missing table, timeouts), and times requests to hit it.
 * Defences: key-source.ts (jose fetch with redirect: manual, a 3 s timeout, public keys only, errors →
 * JWKS_UNAVAILABLE), verify-token.ts keyFits (RSA ≥ 2048), dynamodb-replay-store.ts (only a failed
 * condition means replay; anything else → REPLAY_STORE_UNAVAILABLE; a deadline of its own),
 * dynamo-client.ts boundedDynamoClient, respond.ts (internal → throw, never a policy).
 * Every case: never Allow, 500 for outages, and done well inside API Gateway's 10 s.
 */
import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  ResourceNotFoundException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { RemoteKeySource } from '../../lib/key-source.js';
import { MemoryReplayStore } from '../../lib/replay-store.js';
import { boundedDynamoClient } from '../../functions/authorizer/dynamo-client.js';
import { claims, restTokenEvent, testAuthorizer, testEnv } from '../helpers/fixtures.js';
import { localClient } from '../helpers/dynalite.js';
import { generateKey } from '../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { classify, expectDecision, forge, startBlackHole, startTrickle } from './support.js';

const key = generateKey('ES256', 'dep-key');
const attacker = generateKey('ES256', 'dep-key');
const h = { alg: 'ES256', kid: key.kid, typ: 'JWT' };
const event = () => restTokenEvent(`Bearer ${forge(key, h, claims())}`);

let jwks: JwksServer;
let evil: JwksServer;
beforeAll(async () => {
  jwks = await startJwksServer([key.publicJwk]);
  evil = await startJwksServer([attacker.publicJwk]);
});
afterAll(async () => {
  await jwks.close();
  await evil.close();
});
beforeEach(() => {
  Object.assign(jwks, { body: { keys: [key.publicJwk] }, status: 200, delayMs: 0, raw: undefined, redirectTo: undefined, requests: 0 });
});

/** The default wiring: createAuthorizer builds its own RemoteKeySource (default timeout). */
const auth = (uri = jwks.url) => testAuthorizer({ env: testEnv(uri), replayStore: new MemoryReplayStore() });

describe('JWKS faults', () => {
  it('control: a healthy JWKS allows', async () => {
    await expectDecision(auth(), event(), 'allow', 'OK');
  });
  for (const status of [500, 503, 404, 403, 204]) {
    it(`JWKS answering ${status} → 500`, async () => {
      jwks.status = status;
      await expectDecision(auth(), event(), 'internal', 'JWKS_UNAVAILABLE');
    });
  }
  it('a redirect to a server holding the attacker key is not followed → 500', async () => {
    jwks.redirectTo = evil.url;
    await expectDecision(auth(), restTokenEvent(`Bearer ${forge(attacker, h, claims())}`), 'internal', 'JWKS_UNAVAILABLE');
    expect(evil.requests).toBe(0);
  });
  it('HTML instead of JSON → 500', async () => {
    jwks.raw = { text: '<html><body>Login</body></html>', type: 'text/html' };
    await expectDecision(auth(), event(), 'internal', 'JWKS_UNAVAILABLE');
  });
  for (const [name, body] of [
    ['{}', {}],
    ['{"keys": "x"}', { keys: 'x' }],
    ['an array', [key.publicJwk]],
    ['null', null],
  ] as const) {
    it(`a JWKS of ${name} → 500`, async () => {
      jwks.body = body;
      await expectDecision(auth(), event(), 'internal', 'JWKS_UNAVAILABLE');
    });
  }
  it('{"keys": []} → 401 (no key, nothing to trust)', async () => {
    jwks.body = { keys: [] };
    await expectDecision(auth(), event(), 'unauthorized', 'KEY_NOT_FOUND');
  });
  it('a private key published in the JWKS is refused (never used to verify)', async () => {
    jwks.body = { keys: [{ ...key.privateKey.export({ format: 'jwk' }), kid: key.kid, alg: 'ES256', use: 'sig' }] };
    const result = await classify(auth().invoke, event());
    expect(result.outcome).toBe('internal');
  });
  it('a private RSA key published in the JWKS is refused', async () => {
    const rsa = generateKey('RS256', 'priv-rsa');
    jwks.body = { keys: [{ ...rsa.privateKey.export({ format: 'jwk' }), kid: rsa.kid, alg: 'RS256' }] };
    const result = await classify(auth().invoke, restTokenEvent(`Bearer ${forge(rsa, { alg: 'RS256', kid: rsa.kid }, claims())}`));
    expect(result.outcome).toBe('internal');
  });
  it('a weak (1024-bit) RSA key → 401', async () => {
    const weak = generateKey('RS256', 'weak', 1024);
    jwks.body = { keys: [weak.publicJwk] };
    await expectDecision(auth(), restTokenEvent(`Bearer ${forge(weak, { alg: 'RS256', kid: weak.kid }, claims())}`), 'unauthorized', 'KEY_UNSUITABLE');
  });
  it('connection refused → 500 quickly', async () => {
    const hole = await startBlackHole();
    const url = `${hole.url}/jwks.json`;
    await hole.close();
    const result = await expectDecision(auth(url), event(), 'internal', 'JWKS_UNAVAILABLE');
    expect(result.ms).toBeLessThan(2000);
  });
  it('slow JWKS (beyond a short timeout) → 500 within the timeout', async () => {
    jwks.delayMs = 10_000;
    const a = testAuthorizer({ env: testEnv(jwks.url), keys: new RemoteKeySource(jwks.url, { timeoutMs: 300 }), replayStore: new MemoryReplayStore() });
    const result = await expectDecision(a, event(), 'internal', 'JWKS_UNAVAILABLE');
    expect(result.ms).toBeLessThan(1500);
  });
  it('slow JWKS with the default key source → 500 in at most ~3 s', async () => {
    jwks.delayMs = 10_000;
    const result = await expectDecision(auth(), event(), 'internal', 'JWKS_UNAVAILABLE');
    expect(result.ms).toBeGreaterThan(2500);
    expect(result.ms).toBeLessThan(3800);
  });
  it('a JWKS body trickling in byte by byte → 500 within the default timeout', async () => {
    const trickle = await startTrickle();
    try {
      const result = await expectDecision(auth(trickle.url), event(), 'internal', 'JWKS_UNAVAILABLE');
      expect(result.ms).toBeLessThan(3800);
    } finally {
      await trickle.close();
    }
  });
  it('a JWKS that never answers (black hole) → 500 within the default timeout', async () => {
    const hole = await startBlackHole();
    try {
      const result = await expectDecision(auth(`${hole.url}/jwks.json`), event(), 'internal', 'JWKS_UNAVAILABLE');
      expect(result.ms).toBeLessThan(3800);
    } finally {
      await hole.close();
    }
  });
});

describe('DynamoDB faults (single-use)', () => {
  const table = inject('replayTable');
  /** A client whose `send` always fails with `error`. */
  const failing = (error: unknown) => ({ send: vi.fn(async () => { throw error; }), destroy: () => undefined }) as unknown as DynamoDBClient;
  const withClient = (client: DynamoDBClient, tableName = table) =>
    testAuthorizer({ env: testEnv(jwks.url, { REPLAY_TABLE_NAME: tableName }), extra: { dynamoClient: client } });
  const meta = { $metadata: { httpStatusCode: 400 } };

  const errors: [string, unknown][] = [
    ['throttling (ProvisionedThroughputExceededException)', new ProvisionedThroughputExceededException({ message: 'slow down', ...meta })],
    ['AccessDeniedException', new DynamoDBServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'no', ...meta })],
    ['ResourceNotFoundException', new ResourceNotFoundException({ message: 'no table', ...meta })],
    ['ValidationException', new DynamoDBServiceException({ name: 'ValidationException', $fault: 'client', message: 'bad', ...meta })],
    ['a socket timeout', Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ETIMEDOUT' })],
    ['a non-Error throw', 'boom'],
    ['undefined thrown', undefined],
  ];
  for (const [name, error] of errors) {
    it(`${name} → 500, never Allow`, async () => {
      const result = await expectDecision(withClient(failing(error)), event(), 'internal', 'REPLAY_STORE_UNAVAILABLE');
      expect(result.ms).toBeLessThan(1000);
    });
  }
  it('only a failed condition means replay (401)', async () => {
    await expectDecision(withClient(failing(new ConditionalCheckFailedException({ message: 'x', ...meta }))), event(), 'unauthorized', 'TOKEN_REPLAYED');
  });
  it('a real missing table on dynalite → 500', async () => {
    const client = localClient(inject('dynamoEndpoint'));
    try {
      await expectDecision(withClient(client, 'no-such-table-xyz'), event(), 'internal', 'REPLAY_STORE_UNAVAILABLE');
    } finally {
      client.destroy();
    }
  });
  it('a send that hangs forever (ignoring every timeout) is bounded by the store → 500', async () => {
    const hanging = { send: vi.fn(() => new Promise(() => undefined)), destroy: () => undefined } as unknown as DynamoDBClient;
    const result = await expectDecision(withClient(hanging), event(), 'internal', 'REPLAY_STORE_UNAVAILABLE');
    expect(result.ms).toBeLessThan(5000);
  });

  describe('the real bounded client (boundedDynamoClient) against hostile endpoints', () => {
    afterEach(() => vi.unstubAllEnvs());
    it('an endpoint that never answers → 500 well inside 10 s', async () => {
      const hole = await startBlackHole();
      vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', hole.url);
      const client = boundedDynamoClient();
      try {
        const result = await expectDecision(withClient(client), event(), 'internal', 'REPLAY_STORE_UNAVAILABLE');
        expect(hole.connections).toBeGreaterThan(0);
        expect(result.ms).toBeLessThan(5000);
      } finally {
        client.destroy();
        await hole.close();
      }
    });
    it('on its own (without the store deadline) the client gives up on a silent endpoint: per-attempt timeouts throw', async () => {
      const hole = await startBlackHole();
      vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', hole.url);
      const client = boundedDynamoClient();
      const started = performance.now();
      try {
        const put = client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'bounded-client-probe' } } }));
        const watchdog = new Promise((resolve) => setTimeout(resolve, 6000, 'still waiting after 6 s'));
        const settled = await Promise.race([put.then(() => 'resolved', (err: Error) => err.name), watchdog]);
        expect(settled).toBe('TimeoutError');
        expect(performance.now() - started).toBeLessThan(4500);
      } finally {
        client.destroy();
        await hole.close();
      }
    });
    it('an endpoint whose response body trickles in → 500 well inside 10 s', async () => {
      const trickle = await startTrickle('application/x-amz-json-1.0');
      vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', new URL(trickle.url).origin);
      const client = boundedDynamoClient();
      try {
        const result = await expectDecision(withClient(client), event(), 'internal', 'REPLAY_STORE_UNAVAILABLE');
        expect(result.ms).toBeLessThan(5000);
      } finally {
        client.destroy();
        await trickle.close();
      }
    });
    it('the default wiring (no client passed) uses the bounded client', async () => {
      const hole = await startBlackHole();
      vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', hole.url);
      try {
        const a = testAuthorizer({ env: testEnv(jwks.url, { REPLAY_TABLE_NAME: table }) });
        const result = await expectDecision(a, event(), 'internal', 'REPLAY_STORE_UNAVAILABLE');
        expect(hole.connections).toBeGreaterThan(0);
        expect(result.ms).toBeLessThan(5000);
      } finally {
        await hole.close();
      }
    });
  });
});
