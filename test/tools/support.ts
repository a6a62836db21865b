/** Helpers for the OpenAPI tooling tests: fixture paths and the CLI run in-process. */
import { join, resolve } from 'node:path';
import { runRoutesCli } from '../../tools/openapi/cli.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const FIXTURES = join(ROOT, 'test/fixtures/openapi');
export const EXAMPLE = join(ROOT, 'examples/orders-api.yaml');
export const fixture = (name: string) => join(FIXTURES, name);

/** Runs `npm run routes -- <args>` in this process; returns exit code and output. */
export async function routes(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runRoutesCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}
