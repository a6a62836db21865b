/**
 * Issue 11 item 7: a write that DynamoDB applied but answered late (or answered 500) is retried by the
 * SDK; the retry must not turn a first use into a replay. A relay in front of Amazon DynamoDB Local (which
 * supports ReturnValuesOnConditionCheckFailure and ClientRequestToken) forwards the first request and then
 * answers late or fails. Also: faults and deadlines end in REPLAY_STORE_UNAVAILABLE, never an allow.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbReplayStore } from '../../lib/dynamodb-replay-store.js';
import type { StorePlan } from '../../lib/replay-store.js';
import { localClient } from '../helpers/dynalite.js';
import { startDynalite } from '../helpers/dynalite.js';
import { startShim } from '../helpers/local-shim.js';
import { startRelay, type Relay } from '../helpers/relay.js';

const NOW = 1_800_000_000;
const table = inject('replayTable');
// The Lambda client's own request timeout: long enough for a loaded machine to answer the retry in time.
const REQUEST_TIMEOUT_MS = 1500;

let relay: Relay;
let client: DynamoDBClient;
let shim: { url: string; close(): Promise<void> };
let shimRelay: Relay;
let shimClient: DynamoDBClient;

/** As the Lambda's client (functions/authorizer/dynamo-client.ts), with a shorter request timeout. */
function retryingClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 500, requestTimeout: REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
  });
}

beforeAll(async () => {
  relay = await startRelay(inject('dynamoLocalEndpoint'));
  client = retryingClient(relay.url);
  shim = await startShim(inject('dynamoEndpoint'));
  shimRelay = await startRelay(shim.url);
  shimClient = retryingClient(shimRelay.url);
  // Warm each code path of the server once, so the retries below answer well inside the request timeout.
  for (const url of [relay.url, shimRelay.url]) {
    const patient = localClient(url);
    const store = new DynamoDbReplayStore(patient, table, 15_000);
    for (const plan of [tokenOnly(), tokenAndProof(), withRevocation(), tokenOnly()]) await store.commit(plan, NOW);
    patient.destroy();
  }
});
afterEach(() => {
  relay.behave(() => ({ kind: 'forward' }));
  shimRelay.behave(() => ({ kind: 'forward' }));
});
afterAll(async () => {
  client.destroy();
  shimClient.destroy();
  await relay.close();
  await shimRelay.close();
  await shim.close();
});

const tokenOnly = (): StorePlan => ({ records: [{ kind: 'token', key: randomUUID(), expiresAt: NOW + 300 }] });
const tokenAndProof = (): StorePlan => ({
  records: [
    { kind: 'token', key: randomUUID(), expiresAt: NOW + 300 },
    { kind: 'proof', key: randomUUID(), expiresAt: NOW + 90 },
  ],
});
const withRevocation = (): StorePlan => ({ ...tokenOnly(), revocation: { jtiKey: randomUUID(), subKey: randomUUID(), iat: NOW - 5 } });

describe.each([
  ['PutItem', tokenOnly, 'token-replayed'],
  ['TransactWriteItems (token + proof)', tokenAndProof, 'token-replayed'],
  ['TransactWriteItems (token + revocation)', withRevocation, 'token-replayed'],
] as const)('an applied write whose answer is lost stays a first use: %s', (_, makePlan, replayVerdict) => {
  describe.each(['DynamoDB Local', 'local shim'] as const)('on %s', (target) => {
  it.each([
    ['answered after the request timeout', { kind: 'answer-late', ms: REQUEST_TIMEOUT_MS + 200 }],
    ['answered 500 after it was applied', { kind: 'fail-after-forward' }],
  ] as const)('%s', async (_, behaviour) => {
    const [r, c] = target === 'DynamoDB Local' ? [relay, client] : [shimRelay, shimClient];
    const store = new DynamoDbReplayStore(c, table);
    const plan = makePlan();
    const start = r.operations.length;
    r.behave((index) => (index === start ? behaviour : { kind: 'forward' }));
    await expect(store.commit(plan, NOW)).resolves.toBe('ok');
    // The SDK really did retry: two requests for this one commit.
    expect(r.operations.length - start).toBe(2);
    // A real second use is still refused.
    await expect(store.commit(plan, NOW)).resolves.toBe(replayVerdict);
  });
  });
});

describe('faults end in REPLAY_STORE_UNAVAILABLE', () => {
  const plans: [string, () => StorePlan][] = [
    ['PutItem', tokenOnly],
    ['TransactWriteItems', withRevocation],
    ['BatchGetItem', () => ({ records: [], revocation: { jtiKey: randomUUID(), subKey: randomUUID(), iat: NOW } })],
  ];

  function faulty(name: string, extra: Record<string, unknown> = {}): DynamoDBClient {
    const c = new DynamoDBClient({
      endpoint: inject('dynamoLocalEndpoint'),
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    c.middlewareStack.add(
      () => async () => {
        throw Object.assign(new Error(`injected ${name}`), { name, $metadata: {}, ...extra });
      },
      { step: 'finalizeRequest', name: 'injectFault' },
    );
    return c;
  }

  it.each(plans)('throttling (%s)', async (_, plan) => {
    const c = faulty('ThrottlingException');
    await expect(new DynamoDbReplayStore(c, table).commit(plan(), NOW)).rejects.toMatchObject({ code: 'REPLAY_STORE_UNAVAILABLE' });
    c.destroy();
  });

  it.each(plans)('access denied (%s)', async (_, plan) => {
    const c = faulty('AccessDeniedException');
    await expect(new DynamoDbReplayStore(c, table).commit(plan(), NOW)).rejects.toMatchObject({ code: 'REPLAY_STORE_UNAVAILABLE' });
    c.destroy();
  });

  it('a transaction cancelled for throttling (not a condition) is a 500, not a verdict', async () => {
    const c = faulty('TransactionCanceledException', { CancellationReasons: [{ Code: 'ThrottlingError' }, { Code: 'None' }, { Code: 'None' }] });
    await expect(new DynamoDbReplayStore(c, table).commit(withRevocation(), NOW)).rejects.toMatchObject({ code: 'REPLAY_STORE_UNAVAILABLE' });
    c.destroy();
  });

  it('a read that leaves keys unprocessed is a 500, never a second request', async () => {
    const c = localClient(inject('dynamoLocalEndpoint'));
    let sends = 0;
    c.middlewareStack.add(
      (next) => async (args) => {
        sends += 1;
        const out = await next(args);
        const output = out.output as { UnprocessedKeys?: unknown };
        output.UnprocessedKeys = { [table]: { Keys: [{ pk: { S: 'x' } }] } };
        return out;
      },
      { step: 'initialize', name: 'unprocessed' },
    );
    const plan = plans[2]![1]();
    await expect(new DynamoDbReplayStore(c, table).commit(plan, NOW)).rejects.toMatchObject({ code: 'REPLAY_STORE_UNAVAILABLE' });
    expect(sends).toBe(1);
    c.destroy();
  });

  it.each(plans)('a missing table (%s)', async (_, plan) => {
    const c = localClient(inject('dynamoLocalEndpoint'));
    await expect(new DynamoDbReplayStore(c, 'no-such-table').commit(plan(), NOW)).rejects.toMatchObject({ code: 'REPLAY_STORE_UNAVAILABLE' });
    c.destroy();
  });

  it.each(plans)('a stopped server (%s)', async (_, plan) => {
    const server = await startDynalite('replay-stopped');
    const c = localClient(server.endpoint);
    await server.close();
    await expect(new DynamoDbReplayStore(c, 'replay-stopped').commit(plan(), NOW)).rejects.toMatchObject({ code: 'REPLAY_STORE_UNAVAILABLE' });
    c.destroy();
  });

  it.each(plans)('a server that never answers, bounded by the store timeout (%s)', async (_, plan) => {
    relay.behave(() => ({ kind: 'answer-late', ms: 60_000 }));
    const slow = localClient(relay.url);
    const started = Date.now();
    await expect(new DynamoDbReplayStore(slow, table, 400).commit(plan(), NOW)).rejects.toMatchObject({ code: 'REPLAY_STORE_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(5000);
    slow.destroy();
  });

  it('a per-call signal ends the commit sooner than the store timeout', async () => {
    relay.behave(() => ({ kind: 'answer-late', ms: 60_000 }));
    const slow = localClient(relay.url);
    const started = Date.now();
    const store = new DynamoDbReplayStore(slow, table, 30_000);
    await expect(store.commit(tokenOnly(), NOW, { signal: AbortSignal.timeout(200) })).rejects.toMatchObject({ code: 'REPLAY_STORE_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(5000);
    slow.destroy();
  });
});
