/**
 * Every combination of REPLAY_PROTECTION (single-use | off) × DPoP (off | required | allowed with a
 * Bearer token) × REVOCATION (off | on), end to end: the real handler (createAuthorizer), a loopback
 * JWKS, proofs from the independent `dpop` client, and the real DynamoDbReplayStore on Amazon DynamoDB
 * Local (transactions) behind a counting relay. For each mode: the one request an allowed decision makes
 * (the table of docs/replay-and-caching.md, and never a second round trip), none for a decision refused
 * before the store, the replays the mode refuses (all or nothing), revocation records written by
 * `npm run revoke`'s own code, a failing table as a 500, and two issuers' records kept apart.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { INTERNAL } from '../../lib/respond.js';
import { revocationItem } from '../../lib/revocation.js';
import { revoke } from '../../local/revoke-command.js';
import { createReplayTable, localClient } from '../helpers/dynalite.js';
import { DOMAIN, dpopClient, forgeProof, restDpopEvent, restUri, thumbprintOf, type DpopClient } from '../helpers/dpop.js';
import { ISSUER, claims, restRequestEvent, testAuthorizer, testEnv } from '../helpers/fixtures.js';
import { issuersEnv, startIssuer, type TestIssuer } from '../helpers/issuers.js';
import { generateKey } from '../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { startRelay, type Relay } from '../helpers/relay.js';
import { classify, expectDecision, forge, type Outcome } from '../security/support.js';

type DpopVariant = 'off' | 'required' | 'allowed-bearer';
interface Mode {
  readonly replay: 'single-use' | 'off';
  readonly dpop: DpopVariant;
  readonly revocation: 'off' | 'on';
  /** The DynamoDB operations of one allowed decision, as docs/replay-and-caching.md's table says. */
  readonly ops: readonly string[];
}

// Written out, not derived: a change of the store's plan choice must fail here.
const MODES: readonly Mode[] = [
  { replay: 'off', dpop: 'off', revocation: 'off', ops: [] },
  { replay: 'off', dpop: 'allowed-bearer', revocation: 'off', ops: [] },
  { replay: 'off', dpop: 'required', revocation: 'off', ops: ['PutItem'] },
  { replay: 'off', dpop: 'off', revocation: 'on', ops: ['BatchGetItem'] },
  { replay: 'off', dpop: 'allowed-bearer', revocation: 'on', ops: ['BatchGetItem'] },
  { replay: 'off', dpop: 'required', revocation: 'on', ops: ['TransactWriteItems'] },
  { replay: 'single-use', dpop: 'off', revocation: 'off', ops: ['PutItem'] },
  { replay: 'single-use', dpop: 'allowed-bearer', revocation: 'off', ops: ['PutItem'] },
  { replay: 'single-use', dpop: 'required', revocation: 'off', ops: ['TransactWriteItems'] },
  { replay: 'single-use', dpop: 'off', revocation: 'on', ops: ['TransactWriteItems'] },
  { replay: 'single-use', dpop: 'allowed-bearer', revocation: 'on', ops: ['TransactWriteItems'] },
  { replay: 'single-use', dpop: 'required', revocation: 'on', ops: ['TransactWriteItems'] },
];

const LOCAL = inject('dynamoLocalEndpoint');
// This file's own table on the shared DynamoDB Local: no other file's records can meet ours.
const TABLE = `mode-combinations-${randomUUID().slice(0, 8)}`;
const A = 'https://a.issuer.test';
const B = 'https://b.issuer.test';
const issuerKey = generateKey('ES256', 'modes-key');
const otherKey = generateKey('ES256', 'modes-key');
const forgedProofKey = generateKey('ES256', 'proof-key');
const header = { alg: 'ES256', kid: issuerKey.kid, typ: 'JWT' };

let direct: DynamoDBClient;
let relay: Relay;
let viaRelay: DynamoDBClient;
let jwks: JwksServer;
let dpop: DpopClient;
let forgedJkt: string;
let issuerA: TestIssuer;
let issuerB: TestIssuer;

/** As the function's own client (two attempts, bounded waits), but at `endpoint` with test credentials. */
function boundedClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 500, requestTimeout: 1500, throwOnRequestTimeout: true },
  });
}

beforeAll(async () => {
  direct = localClient(LOCAL);
  await createReplayTable(direct, TABLE);
  relay = await startRelay(LOCAL);
  viaRelay = boundedClient(relay.url);
  jwks = await startJwksServer([issuerKey.publicJwk]);
  dpop = await dpopClient('ES256');
  forgedJkt = await thumbprintOf(forgedProofKey);
  issuerA = await startIssuer(A, generateKey('ES256', 'shared-kid'));
  issuerB = await startIssuer(B, generateKey('ES256', 'shared-kid'));
});
afterAll(async () => {
  viaRelay?.destroy();
  direct?.destroy();
  await Promise.all([relay?.close(), jwks?.close(), issuerA?.jwks.close(), issuerB?.jwks.close()]);
});

// `dpop` signs proofs with the real clock, so the authorizer's fixed clock is the real second of each test.
const clockNow = () => Math.floor(Date.now() / 1000);
const unique = (label: string) => `${label}-${randomUUID()}`;
const label = (m: Mode) => `REPLAY_PROTECTION=${m.replay}, DPoP ${m.dpop}, REVOCATION=${m.revocation}`;

function modeEnv(m: Mode): Record<string, string> {
  return {
    REPLAY_PROTECTION: m.replay,
    DPOP_MODE: m.dpop === 'allowed-bearer' ? 'allowed' : m.dpop,
    REVOCATION: m.revocation,
    REPLAY_TABLE_NAME: TABLE,
  };
}

/** One authorizer of mode `m`, its table reached through `client` (default: the counting relay). */
function authorizer(m: Mode, now: number, client: DynamoDBClient = viaRelay, env = testEnv(jwks.url, modeEnv(m))) {
  return testAuthorizer({ env, now, extra: { dynamoClient: client } });
}
type Auth = ReturnType<typeof authorizer>;

/** A token of the mode's kind (bound to the `dpop` client's key when DPoP is required). */
function tokenFor(m: Mode, now: number, over: Record<string, unknown> = {}, key = issuerKey, boundTo = dpop.jkt): string {
  const cnf = m.dpop === 'required' ? { cnf: { jkt: boundTo } } : {};
  return forge(key, header, claims({ ...cnf, ...over }, now));
}

/** The event of the mode: a DPoP request with `proof` (default: a fresh one) or a Bearer request. */
async function eventFor(m: Mode, token: string, proof?: string): Promise<Record<string, unknown>> {
  if (m.dpop !== 'required') return restRequestEvent(`Bearer ${token}`);
  return restDpopEvent(token, proof ?? (await dpop.proof(restUri(), 'GET', token)));
}

/** Decides once; checks outcome and reason; returns the DynamoDB operations that reached the relay. */
async function decideCounted(auth: Auth, event: unknown, outcome: Outcome, reason: string): Promise<string[]> {
  const before = relay.operations.length;
  await expectDecision(auth, event, outcome, reason);
  return relay.operations.slice(before);
}

/** Runs `npm run revoke`'s command function against DynamoDB Local (directly, not through the relay). */
async function runRevoke(argv: string[], env: Record<string, string | undefined>, now: number): Promise<void> {
  const outcome = await revoke(argv, {
    env: { ...env, AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_DYNAMODB: LOCAL, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
    now,
  });
  if (outcome === 'help' || !outcome.written) throw new Error(`revoke wrote nothing: ${outcome === 'help' ? 'help' : outcome.message}`);
}

async function stored(pk: string): Promise<boolean> {
  const out = await direct.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: pk } }, ConsistentRead: true }));
  return out.Item !== undefined;
}

const LIMITS = { maxTokenLifetimeSeconds: 86_400, clockSkewSeconds: 30 };

describe.each(MODES)('$replay × DPoP $dpop × revocation $revocation', (m) => {
  const expected = m.ops.length === 0 ? 'no request' : m.ops.join(', ');

  it(`the first request is allowed with ${expected}, exactly one round trip; refusals before the store make none`, async () => {
    const now = clockNow();
    const a = authorizer(m, now);
    expect(await decideCounted(a, await eventFor(m, tokenFor(m, now)), 'allow', 'OK'), label(m)).toEqual(m.ops);
    // A valid token of another key with the same kid: refused at the signature, before any table access.
    expect(await decideCounted(a, await eventFor(m, tokenFor(m, now, {}, otherKey)), 'unauthorized', 'SIGNATURE_INVALID')).toEqual([]);
    // A valid token (and proof) that lacks the route's scope: refused at the scope check, before the table.
    expect(await decideCounted(a, await eventFor(m, tokenFor(m, now, { scope: 'orders:write' })), 'forbidden', 'SCOPE_MISSING')).toEqual([]);
  });

  if (m.replay === 'single-use') {
    it('the same token again is 401 TOKEN_REPLAYED (with a fresh proof too), in one round trip', async () => {
      const now = clockNow();
      const a = authorizer(m, now);
      const token = tokenFor(m, now);
      const first = await eventFor(m, token);
      await expectDecision(a, first, 'allow', 'OK');
      // Another instance of the function: the record lives in the table, not in the process.
      const b = authorizer(m, now);
      expect(await decideCounted(b, first, 'unauthorized', 'TOKEN_REPLAYED')).toEqual(m.ops);
      if (m.dpop === 'required') expect(await decideCounted(b, await eventFor(m, token), 'unauthorized', 'TOKEN_REPLAYED')).toEqual(m.ops);
    });
  } else {
    it('the same token again is allowed (a fresh proof when DPoP is required)', async () => {
      const now = clockNow();
      const a = authorizer(m, now);
      const token = tokenFor(m, now);
      await expectDecision(a, await eventFor(m, token), 'allow', 'OK');
      expect(await decideCounted(authorizer(m, now), await eventFor(m, token), 'allow', 'OK')).toEqual(m.ops);
    });
  }

  if (m.dpop === 'required') {
    it('a proof used before is 401 DPOP_PROOF_REPLAYED and writes nothing: the fresh token then passes with a fresh proof', async () => {
      const now = clockNow();
      const a = authorizer(m, now);
      const proofJti = unique('proof');
      const proofFor = (token: string, jti?: string) =>
        forgeProof(forgedProofKey, { htu: restUri(), htm: 'GET', accessToken: token, now }, jti === undefined ? {} : { claims: { jti } });
      const first = tokenFor(m, now, {}, issuerKey, forgedJkt);
      await expectDecision(a, restDpopEvent(first, proofFor(first, proofJti)), 'allow', 'OK');
      if (m.replay === 'off') {
        // The very same request again: only the proof is single-use in this mode.
        expect(await decideCounted(a, restDpopEvent(first, proofFor(first, proofJti)), 'unauthorized', 'DPOP_PROOF_REPLAYED')).toEqual(m.ops);
      }
      // A never-used token whose proof repeats the used proof's jti (same key): the proof record refuses it.
      const fresh = tokenFor(m, now, {}, issuerKey, forgedJkt);
      expect(await decideCounted(a, restDpopEvent(fresh, proofFor(fresh, proofJti)), 'unauthorized', 'DPOP_PROOF_REPLAYED')).toEqual(m.ops);
      // All or nothing: the refused transaction left no record of the fresh token behind.
      expect(await decideCounted(a, restDpopEvent(fresh, proofFor(fresh)), 'allow', 'OK')).toEqual(m.ops);
    });
  }

  if (m.revocation === 'on') {
    it('npm run revoke --sub (--before after iat) and --jti make the next request 401 TOKEN_REVOKED, in one round trip', async () => {
      const now = clockNow();
      const env = testEnv(jwks.url, modeEnv(m));
      const a = authorizer(m, now);
      const sub = unique('sub');
      const iat = now - 10;
      await expectDecision(a, await eventFor(m, tokenFor(m, now, { sub })), 'allow', 'OK');
      await runRevoke(['--sub', sub, '--before', String(iat + 1)], env, now);
      expect(await decideCounted(a, await eventFor(m, tokenFor(m, now, { sub })), 'unauthorized', 'TOKEN_REVOKED')).toEqual(m.ops);
      // Another subject is untouched.
      await expectDecision(a, await eventFor(m, tokenFor(m, now)), 'allow', 'OK');

      const jti = unique('jti');
      await runRevoke(['--jti', jti], env, now);
      expect(await decideCounted(a, await eventFor(m, tokenFor(m, now, { jti })), 'unauthorized', 'TOKEN_REVOKED')).toEqual(m.ops);
    });

    it('a subject record with notBefore equal to the token’s iat does not revoke it', async () => {
      const now = clockNow();
      const a = authorizer(m, now);
      const sub = unique('sub');
      await runRevoke(['--sub', sub, '--before', String(now - 10)], testEnv(jwks.url, modeEnv(m)), now);
      expect(await decideCounted(a, await eventFor(m, tokenFor(m, now, { sub, iat: now - 10 })), 'allow', 'OK')).toEqual(m.ops);
      // One second earlier is covered: the record is live and read.
      await expectDecision(a, await eventFor(m, tokenFor(m, now, { sub, iat: now - 11 })), 'unauthorized', 'TOKEN_REVOKED');
    });

    it('expired records still in the table (TTL not run yet) do not revoke', async () => {
      const now = clockNow();
      const a = authorizer(m, now);
      const jti = unique('jti');
      const sub = unique('sub');
      // A jti record written long ago: its expiry (revokedAt + lifetime + 2 × skew) has passed.
      const oldJti = revocationItem(LIMITS, { kind: 'jti', issuer: ISSUER, value: jti, notBefore: 0, now: now - 100_000 });
      // A subject record that would cover the token but says it has expired.
      const subRecord = revocationItem(LIMITS, { kind: 'sub', issuer: ISSUER, value: sub, notBefore: now, now });
      const oldSub = { ...subRecord.item, expiresAt: { N: String(now - 1) } };
      expect(oldJti.expiresAt).toBeLessThan(now);
      await direct.send(new PutItemCommand({ TableName: TABLE, Item: oldJti.item }));
      await direct.send(new PutItemCommand({ TableName: TABLE, Item: oldSub }));
      expect([await stored(oldJti.key), await stored(subRecord.key)]).toEqual([true, true]);
      expect(await decideCounted(a, await eventFor(m, tokenFor(m, now, { jti, sub })), 'allow', 'OK')).toEqual(m.ops);
      // The same records with a live expiry do revoke: what made the difference is the expiry alone.
      await direct.send(new PutItemCommand({ TableName: TABLE, Item: { ...oldSub, expiresAt: { N: String(now) } } }));
      await expectDecision(a, await eventFor(m, tokenFor(m, now, { sub })), 'unauthorized', 'TOKEN_REVOKED');
    });

    it('a revocation check that fails is a 500 (Internal authorizer error), never an Allow: relay answering 500, stopped server', async () => {
      const now = clockNow();
      const failing = await startRelay(LOCAL);
      failing.behave(() => ({ kind: 'fail-after-forward' }));
      const failingClient = boundedClient(failing.url);
      const stopped = await startRelay(LOCAL);
      await stopped.close();
      const stoppedClient = boundedClient(stopped.url);
      try {
        const sub = unique('sub');
        for (const client of [failingClient, stoppedClient]) {
          const a = authorizer(m, now, client);
          const result = await expectDecision(a, await eventFor(m, tokenFor(m, now, { sub })), 'internal', 'REPLAY_STORE_UNAVAILABLE');
          expect((result.thrown as Error).message).toBe(INTERNAL);
        }
        // The 500 came from the table's answer: the relay saw the decision's request (and the SDK's one retry).
        expect(failing.operations).toEqual([...m.ops, ...m.ops]);
      } finally {
        failingClient.destroy();
        stoppedClient.destroy();
        await failing.close();
      }
    });

    it('two issuers: issuer A’s records for a sub and a jti do not refuse issuer B’s token with the same sub and jti', async () => {
      const now = clockNow();
      const entries = [
        { issuer: A, jwksUri: issuerA.jwks.url, audienceByStage: { dev: 'api-a' } },
        { issuer: B, jwksUri: issuerB.jwks.url, audienceByStage: { dev: 'api-b' } },
      ];
      const env = issuersEnv(entries, modeEnv(m));
      const a = authorizer(m, now, viaRelay, env);
      const sub = unique('sub');
      const jti = unique('jti');
      const iat = now - 10;
      await runRevoke(['--sub', sub, '--before', String(iat + 1), '--issuer', A], env, now);
      await runRevoke(['--jti', jti, '--issuer', A], env, now);
      const h = { alg: 'ES256', kid: 'shared-kid', typ: 'JWT' };
      const cnf = m.dpop === 'required' ? { cnf: { jkt: dpop.jkt } } : {};
      const of = (issuer: TestIssuer, aud: string, over: Record<string, unknown>) => forge(issuer.key, h, claims({ ...cnf, iss: issuer.iss, aud, ...over }, now));
      expect(await decideCounted(a, await eventFor(m, of(issuerB, 'api-b', { sub })), 'allow', 'OK')).toEqual(m.ops);
      expect(await decideCounted(a, await eventFor(m, of(issuerB, 'api-b', { jti })), 'allow', 'OK')).toEqual(m.ops);
      expect(await decideCounted(a, await eventFor(m, of(issuerA, 'api-a', { sub })), 'unauthorized', 'TOKEN_REVOKED')).toEqual(m.ops);
      expect(await decideCounted(a, await eventFor(m, of(issuerA, 'api-a', { jti })), 'unauthorized', 'TOKEN_REVOKED')).toEqual(m.ops);
    });
  } else {
    it('REVOCATION=off reads no record: a live record for the token’s jti and sub is ignored', async () => {
      const now = clockNow();
      const a = authorizer(m, now);
      const jti = unique('jti');
      const sub = unique('sub');
      for (const kind of ['jti', 'sub'] as const) {
        const record = revocationItem(LIMITS, { kind, issuer: ISSUER, value: kind === 'jti' ? jti : sub, notBefore: now, now });
        await direct.send(new PutItemCommand({ TableName: TABLE, Item: record.item }));
      }
      expect(await decideCounted(a, await eventFor(m, tokenFor(m, now, { jti, sub })), 'allow', 'OK')).toEqual(m.ops);
    });
  }
});

describe('the DPoP host the proofs name', () => {
  it('is the domain of the events (a guard against a silently changed helper)', async () => {
    expect(restUri()).toBe(`https://${DOMAIN}/dev/orders/42`);
    const now = clockNow();
    const m = MODES.find((x) => x.dpop === 'required' && x.replay === 'off' && x.revocation === 'off')!;
    const token = tokenFor(m, now);
    // A proof for another URI is refused before the store: the allows above were for the right request.
    const wrong = await dpop.proof('https://elsewhere.example/dev/orders/42', 'GET', token);
    const before = relay.operations.length;
    const result = await classify(authorizer(m, now).invoke, restDpopEvent(token, wrong));
    expect(result.outcome).toBe('unauthorized');
    expect(relay.operations.slice(before)).toEqual([]);
  });
});
