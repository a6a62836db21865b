/** A real DynamoDB-compatible server (dynalite) on a random loopback port, with the replay table. */
import { createServer } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { replayTableDefinition } from '../../lib/dynamodb-replay-store.js';
// dynalite ships no types.
// @ts-expect-error no declaration file
import dynalite from 'dynalite';

export interface DynaliteHandle {
  readonly endpoint: string;
  readonly tableName: string;
  close(): Promise<void>;
}

/** A client for the local server with dummy credentials. */
export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

/** Creates the replay table layout of design §2 (partition key `pk`, string). */
export async function createReplayTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new CreateTableCommand(replayTableDefinition(tableName)));
}

/** Starts dynalite in memory on 127.0.0.1 and creates `tableName`. */
export async function startDynalite(tableName = 'replay-test'): Promise<DynaliteHandle> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as ReturnType<typeof createServer>;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('dynalite did not bind');
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = localClient(endpoint);
  await createReplayTable(client, tableName);
  client.destroy();
  return {
    endpoint,
    tableName,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
