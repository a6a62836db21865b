/**
 * `npm start -- --openapi <file>`: the local gateway and the authorizer use the table generated from
 * the document (design §11); a document with error findings is refused before anything starts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUp, runToEnd, startStack, tempDir, type Stack } from './stack.js';

async function call(url: string, token: string, method = 'GET'): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, { method, headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, json: await res.json() };
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack(['--openapi', 'test/fixtures/openapi/clean-30.yaml', '--event', 'rest-request', '--replay', 'off']);
}, 45_000);
afterAll(cleanUp);

describe('npm start --openapi <file>', () => {
  it('prints the generated table', () => {
    expect(stack.stdout()).toContain('generated from test/fixtures/openapi/clean-30.yaml');
    expect(stack.stdout()).toMatch(/DELETE \/products\/\{sku\} +shop:write shop:delete/);
    expect(stack.stdout()).not.toMatch(/GET \/orders/);
  });

  it('authorizes the document routes with their scopes, and knows no other route', async () => {
    const gw = `${stack.ready.gateway}/dev`;
    expect((await call(`${gw}/products/abc`, await stack.token({ scope: 'shop:read' }))).status).toBe(200);
    expect((await call(`${gw}/products/abc`, await stack.token({ scope: 'shop:write' }), 'DELETE')).status).toBe(403);
    expect((await call(`${gw}/products/abc`, await stack.token({ scope: 'shop:write shop:delete' }), 'DELETE')).status).toBe(200);
    // The demo table's routes are gone; the public /status has no entry either.
    expect(await call(`${gw}/orders`, await stack.token({ scope: 'orders:read' }))).toEqual({ status: 403, json: { message: 'Missing Authentication Token' } });
    expect((await call(`${gw}/status`, await stack.token({ scope: 'shop:read' }))).status).toBe(403);
  });

  it('refuses a document with error findings, listing them, before starting anything', async () => {
    const res = await runToEnd('local/start.ts', ['--port', '0', '--issuer-port', '0', '--dynamo-port', '0', '--data-dir', tempDir(), '--openapi', 'test/fixtures/openapi/findings.yaml']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^error: test\/fixtures\/openapi\/findings.yaml has 7 security error\(s\)/);
    expect(res.stderr).toContain('error no-security GET /open /paths/~1open/get');
    expect(res.stdout).not.toContain('READY');
  });
});
