/**
 * Every plan shape of the DynamoDB replay store against real servers: Amazon DynamoDB Local for the
 * transactional paths, dynalite (and DynamoDB Local) for the single PutItem and the BatchGetItem read,
 * and the local stack's transaction shim in front of dynalite, held to the same expectations.
 * Every commit goes through a counting relay, so a second round trip fails the test.
 */
import { randomUUID } from 'node:crypto';
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbReplayStore } from '../../lib/dynamodb-replay-store.js';
import type { StorePlan, UseRecord } from '../../lib/replay-store.js';
import { localClient } from '../helpers/dynalite.js';
import { startShim } from '../helpers/local-shim.js';
import { startRelay, type Relay } from '../helpers/relay.js';

const NOW = 1_800_000_000;
const table = inject('replayTable');
type ServerName = 'DynamoDB Local' | 'dynalite' | 'local shim';
const servers: Record<ServerName, string> = { 'DynamoDB Local': inject('dynamoLocalEndpoint'), dynalite: inject('dynamoEndpoint'), 'local shim': '' };
let shim: { url: string; close(): Promise<void> };

interface Setup {
  relay: Relay;
  direct: DynamoDBClient;
  viaRelay: DynamoDBClient;
  store: DynamoDbReplayStore;
}
const setups = {} as Record<ServerName, Setup>;

beforeAll(async () => {
  shim = await startShim(inject('dynamoEndpoint'));
  servers['local shim'] = shim.url;
  for (const name of Object.keys(servers) as ServerName[]) {
    const relay = await startRelay(servers[name]);
    const viaRelay = localClient(relay.url);
    setups[name] = { relay, direct: localClient(servers[name]), viaRelay, store: new DynamoDbReplayStore(viaRelay, table) };
  }
});
afterAll(async () => {
  for (const s of Object.values(setups)) {
    s.direct.destroy();
    s.viaRelay.destroy();
    await s.relay.close();
  }
  await shim.close();
});

const key = (): string => randomUUID();
const token = (k = key(), expiresAt = NOW + 300): UseRecord => ({ kind: 'token', key: k, expiresAt });
const proof = (k = key(), expiresAt = NOW + 90): UseRecord => ({ kind: 'proof', key: k, expiresAt });
const revocation = (iat = NOW - 10) => ({ jtiKey: `rj-${key()}`, subKey: `rs-${key()}`, iat });

/** Commits through the relay and returns the verdict with the operations that reached the wire. */
async function commit(server: ServerName, plan: StorePlan, now = NOW) {
  const { relay, store } = setups[server];
  const before = relay.operations.length;
  const verdict = await store.commit(plan, now);
  return { verdict, operations: relay.operations.slice(before) };
}

async function exists(server: ServerName, pk: string): Promise<boolean> {
  const out = await setups[server].direct.send(new GetItemCommand({ TableName: table, Key: { pk: { S: pk } }, ConsistentRead: true }));
  return out.Item !== undefined;
}

async function putRaw(server: ServerName, pk: string, attributes: Record<string, number>): Promise<void> {
  const Item: Record<string, { S: string } | { N: string }> = { pk: { S: pk } };
  for (const [name, value] of Object.entries(attributes)) Item[name] = { N: String(value) };
  await setups[server].direct.send(new PutItemCommand({ TableName: table, Item }));
}

describe('empty plan', () => {
  it('makes no request at all', async () => {
    expect(await commit('dynalite', { records: [] })).toEqual({ verdict: 'ok', operations: [] });
  });
});

describe.each(['dynalite', 'DynamoDB Local', 'local shim'] as const)('one record, no revocation: one conditional PutItem (%s)', (server) => {
  it('accepts a record once, refuses it again, in one PutItem each', async () => {
    const record = token();
    expect(await commit(server, { records: [record] })).toEqual({ verdict: 'ok', operations: ['PutItem'] });
    expect(await commit(server, { records: [record] })).toEqual({ verdict: 'token-replayed', operations: ['PutItem'] });
    expect(await commit(server, { records: [{ ...record, kind: 'proof' }] })).toEqual({ verdict: 'proof-replayed', operations: ['PutItem'] });
  });

  it('an expired record still in the table does not block', async () => {
    const record = token();
    await putRaw(server, record.key, { expiresAt: NOW - 1 });
    expect((await commit(server, { records: [record] })).verdict).toBe('ok');
  });
});

describe.each(['dynalite', 'DynamoDB Local'] as const)('revocation only: one consistent BatchGetItem (%s)', (server) => {
  it('nothing recorded → ok, in one read', async () => {
    expect(await commit(server, { records: [], revocation: revocation() })).toEqual({ verdict: 'ok', operations: ['BatchGetItem'] });
  });

  it('revoked by jti', async () => {
    const r = revocation();
    await putRaw(server, r.jtiKey, { expiresAt: NOW + 60 });
    expect(await commit(server, { records: [], revocation: r })).toEqual({ verdict: 'revoked', operations: ['BatchGetItem'] });
  });

  it.each([
    ['before', -1, 'revoked'],
    ['equal to', 0, 'ok'],
    ['after', 1, 'ok'],
  ] as const)('by subject: iat %s notBefore', async (_, offset, expected) => {
    const r = revocation(NOW - 100 + offset);
    await putRaw(server, r.subKey, { expiresAt: NOW + 60, notBefore: NOW - 100 });
    expect(await commit(server, { records: [], revocation: r })).toEqual({ verdict: expected, operations: ['BatchGetItem'] });
  });

  it('expired revocation records (past expiresAt, still present) no longer revoke', async () => {
    const r = revocation(NOW - 500);
    await putRaw(server, r.jtiKey, { expiresAt: NOW - 1 });
    await putRaw(server, r.subKey, { expiresAt: NOW - 1, notBefore: NOW });
    expect((await commit(server, { records: [], revocation: r })).verdict).toBe('ok');
  });
});

describe.each(['DynamoDB Local', 'local shim'] as const)('several records or revocation with records: one TransactWriteItems (%s)', (server) => {
  it('token and proof both new → ok, both written, one request', async () => {
    const t = token();
    const p = proof();
    expect(await commit(server, { records: [t, p] })).toEqual({ verdict: 'ok', operations: ['TransactWriteItems'] });
    expect([await exists(server, t.key), await exists(server, p.key)]).toEqual([true, true]);
  });

  it('a replayed proof leaves no token record, and a replayed token no proof record (all or nothing)', async () => {
    const usedProof = proof();
    const usedToken = token();
    await commit(server, { records: [usedToken, usedProof] });
    const freshToken = token();
    expect(await commit(server, { records: [freshToken, usedProof] })).toEqual({ verdict: 'proof-replayed', operations: ['TransactWriteItems'] });
    expect(await exists(server, freshToken.key)).toBe(false);
    const freshProof = proof();
    expect((await commit(server, { records: [usedToken, freshProof] })).verdict).toBe('token-replayed');
    expect(await exists(server, freshProof.key)).toBe(false);
  });

  it('record + revocation, nothing revoked → ok in one request, record written', async () => {
    const t = token();
    expect(await commit(server, { records: [t], revocation: revocation() })).toEqual({ verdict: 'ok', operations: ['TransactWriteItems'] });
    expect(await exists(server, t.key)).toBe(true);
  });

  it('token + proof + revocation → one request', async () => {
    expect(await commit(server, { records: [token(), proof()], revocation: revocation() })).toEqual({ verdict: 'ok', operations: ['TransactWriteItems'] });
  });

  it('revoked by jti → revoked, and no record written', async () => {
    const r = revocation();
    const t = token();
    const p = proof();
    await putRaw(server, r.jtiKey, { expiresAt: NOW + 60 });
    expect(await commit(server, { records: [t, p], revocation: r })).toEqual({ verdict: 'revoked', operations: ['TransactWriteItems'] });
    expect([await exists(server, t.key), await exists(server, p.key)]).toEqual([false, false]);
  });

  it.each([
    ['before', -1, 'revoked'],
    ['equal to', 0, 'ok'],
    ['after', 1, 'ok'],
  ] as const)('by subject: iat %s notBefore', async (_, offset, expected) => {
    const r = revocation(NOW - 100 + offset);
    await putRaw(server, r.subKey, { expiresAt: NOW + 60, notBefore: NOW - 100 });
    const t = token();
    expect(await commit(server, { records: [t], revocation: r })).toEqual({ verdict: expected, operations: ['TransactWriteItems'] });
    expect(await exists(server, t.key)).toBe(expected === 'ok');
  });

  it('revocation wins over a replay', async () => {
    const t = token();
    await commit(server, { records: [t] });
    const r = revocation();
    await putRaw(server, r.jtiKey, { expiresAt: NOW + 60 });
    expect((await commit(server, { records: [t], revocation: r })).verdict).toBe('revoked');
  });

  it('expired use and revocation records (still present) neither block nor revoke', async () => {
    const t = token();
    const p = proof();
    const r = revocation(NOW - 500);
    await putRaw(server, t.key, { expiresAt: NOW - 1 });
    await putRaw(server, p.key, { expiresAt: NOW - 1 });
    await putRaw(server, r.jtiKey, { expiresAt: NOW - 1 });
    await putRaw(server, r.subKey, { expiresAt: NOW - 1, notBefore: NOW });
    expect((await commit(server, { records: [t, p], revocation: r })).verdict).toBe('ok');
  });

  it('a 50-way race of the same token record gives exactly one ok; the rest are replays', async () => {
    const shared = key();
    // A generous deadline: this race is about the verdicts, and 50 transactions on a loaded machine take a while.
    const store = new DynamoDbReplayStore(setups[server].viaRelay, table, 15_000);
    const verdicts = await Promise.all(
      Array.from({ length: 50 }, () => store.commit({ records: [token(shared), proof()], revocation: revocation() }, NOW)),
    );
    expect(verdicts.filter((v) => v === 'ok')).toHaveLength(1);
    expect(verdicts.filter((v) => v === 'token-replayed')).toHaveLength(49);
  });
});
