/**
 * Starts, for the whole run, one dynalite server on a random loopback port (the replay table for
 * single-request paths) and one Amazon DynamoDB Local (for every transactional path; dynalite has no
 * transactions), each with the replay table. dynalite has no TTL operations, so UpdateTimeToLive is
 * skipped here (the store re-checks expiry).
 */
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startDynalite, type DynaliteHandle } from './dynalite.js';
import { startDynamoDbLocal, type DynamoDbLocalHandle } from './dynamodb-local.js';

let handle: DynaliteHandle | undefined;
let amazonLocal: DynamoDbLocalHandle | undefined;

export async function setup(project: TestProject): Promise<void> {
  // Side by side: the JVM's start is most of the setup's time.
  const [dynaliteStarted, amazonStarted] = await Promise.allSettled([startDynalite(), startDynamoDbLocal()]);
  if (dynaliteStarted.status === 'fulfilled') handle = dynaliteStarted.value;
  if (amazonStarted.status === 'fulfilled') amazonLocal = amazonStarted.value;
  const failed = [dynaliteStarted, amazonStarted].find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await teardown();
    throw failed.reason;
  }
  project.provide('dynamoEndpoint', handle!.endpoint);
  project.provide('replayTable', handle!.tableName);
  project.provide('dynamoLocalEndpoint', amazonLocal!.endpoint);
}

export async function teardown(): Promise<void> {
  await Promise.all([handle?.close(), amazonLocal?.close()]);
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** dynalite: single-request paths. */
    dynamoEndpoint: string;
    replayTable: string;
    /** Amazon DynamoDB Local: transactional paths; the replay table has the same name. */
    dynamoLocalEndpoint: string;
  }
}
