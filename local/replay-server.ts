/**
 * The replay table on one machine: dynalite (a DynamoDB-compatible server on LevelDB) on 127.0.0.1,
 * its data kept in `<data-dir>/dynalite`, with the table created on first run (partition key `pk`, string,
 * on-demand). dynalite has no TTL operations, so UpdateTimeToLive is skipped; the store's condition
 * re-checks expiry anyway, exactly as it must on DynamoDB, where TTL deletes late. dynalite has no
 * transactions either: a local-only shim in front of it (local/transaction-shim.ts) adds the ones the
 * replay store sends; the endpoint handed out is the shim's.
 */
import type { Server } from 'node:http';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { replayTableDefinition } from '../lib/dynamodb-replay-store.js';
// dynalite ships no types.
// @ts-expect-error no declaration file
import dynalite from 'dynalite';
import { LocalError } from './errors.js';
import { closeServer, listen, type Running } from './listen.js';
import { HOST, REGION } from './settings.js';
import { startTransactionShim } from './transaction-shim.js';

export interface ReplayServer extends Running {
  readonly endpoint: string;
  readonly tableName: string;
  /** Whether this run created the table (first run on this data directory). */
  readonly createdTable: boolean;
}

/** A client for the local table with dummy credentials. @param maxAttempts 1 for setup; 2 as the function's own client retries */
export function localDynamoClient(endpoint: string, maxAttempts = 1): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts });
}

async function ensureTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return false;
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
  }
  await client.send(new CreateTableCommand(replayTableDefinition(tableName)));
  return true;
}

/**
 * Starts dynalite and makes sure the table exists.
 * @param dataPath LevelDB folder; `undefined` keeps the data in memory
 */
export async function startReplayServer(port: number, tableName: string, dataPath: string | undefined): Promise<ReplayServer> {
  const server = dynalite({ path: dataPath, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as Server;
  const inner = await listen(server, 0, 'dynalite behind the replay table');
  let shim: Awaited<ReturnType<typeof startTransactionShim>>;
  try {
    shim = await startTransactionShim(`http://${HOST}:${inner}`, HOST, port, (s, p) => listen(s, p, 'DynamoDB-compatible replay table (--dynamo-port)'));
  } catch (err) {
    await closeServer(server);
    throw err;
  }
  const real = shim.port;
  const endpoint = shim.url;
  const closeBoth = async (): Promise<void> => {
    await closeServer(shim.server);
    await closeServer(server);
  };
  const client = localDynamoClient(endpoint);
  let createdTable: boolean;
  try {
    createdTable = await ensureTable(client, tableName);
  } catch (err) {
    await closeBoth();
    throw new LocalError(`cannot prepare the replay table on dynalite${dataPath ? ` (data in ${dataPath})` : ''}: ${(err as Error).message}`);
  } finally {
    client.destroy();
  }
  return { endpoint, url: endpoint, port: real, tableName, createdTable, close: closeBoth };
}
