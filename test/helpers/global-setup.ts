/**
 * Starts one dynalite server on a random loopback port for the whole run and creates the replay table.
 * dynalite has no TTL operations, so UpdateTimeToLive is skipped here (the store re-checks expiry).
 */
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startDynalite, type DynaliteHandle } from './dynalite.js';

let handle: DynaliteHandle | undefined;

export async function setup(project: TestProject): Promise<void> {
  handle = await startDynalite();
  project.provide('dynamoEndpoint', handle.endpoint);
  project.provide('replayTable', handle.tableName);
}

export async function teardown(): Promise<void> {
  await handle?.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    replayTable: string;
  }
}
