/**
 * End to end: `npm start`'s entry point as a child process, driven over HTTP like a user with curl.
 * Every stack runs on random ports in its own temporary data directory.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUp, runToEnd, startStack, tempDir, type Stack } from './stack.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const EXPLICIT_DENY = { message: 'User is not authorized to access this resource with an explicit deny' };

async function get(url: string, token?: string, init: RequestInit = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  const res = await fetch(url, { ...init, headers });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** A stand-in for the user's own API: records what reached it. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}
let userApi: Server;
let userApiUrl: string;
const seen: Seen[] = [];

let rest: Stack;
let restRequest: Stack;
let httpApi: Stack;
let forwarding: Stack;

beforeAll(async () => {
  userApi = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      res.writeHead(201, { 'content-type': 'application/json', 'x-user-api': 'yes' }).end('{"created":true}');
    });
  });
  await new Promise<void>((r) => userApi.listen(0, '127.0.0.1', r));
  userApiUrl = `http://127.0.0.1:${(userApi.address() as { port: number }).port}`;
  [rest, restRequest, httpApi, forwarding] = await Promise.all([
    startStack(),
    startStack(['--event', 'rest-request']),
    startStack(['--event', 'http-api', '--replay', 'off']),
    startStack(['--upstream', `${userApiUrl}/base`]),
  ]);
}, 45_000);

afterAll(async () => {
  await cleanUp();
  await new Promise((r) => userApi?.close(r));
});

describe('npm start (REST API, TOKEN authorizer, demo backend)', () => {
  it('prints where everything listens, the route table and a ready line', () => {
    const out = rest.stdout();
    expect(out).toContain(`API Gateway   ${rest.ready.gateway}/<stage>/<path>`);
    expect(out).toContain(`${rest.ready.issuer}/.well-known/jwks.json`);
    expect(out).toContain(`dynalite ${rest.ready.dynamodb}`);
    expect(out).toMatch(/GET \/orders\/\{id\}\s+orders:read/);
    expect(out).toContain('npm run -s token --');
    expect(rest.stderr()).toBe('');
  });

  it('serves the JWKS and the discovery document of the local issuer', async () => {
    const discovery = await get(`${rest.ready.issuer}/.well-known/openid-configuration`);
    expect(discovery.json).toMatchObject({ issuer: rest.ready.issuer, jwks_uri: `${rest.ready.issuer}/.well-known/jwks.json` });
    const jwks = await get(`${rest.ready.issuer}/.well-known/jwks.json`);
    const [key] = jwks.json['keys'] as Record<string, unknown>[];
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(key).not.toHaveProperty('d');
  });

  it('the printed curl commands work as printed: 200, then 401 as a replay', async () => {
    const curls = rest.curls();
    expect(curls).toHaveLength(3);
    expect(curls[0]).toBe(curls[1]);
    const m = /^curl -i -H "([^"]+)" (\S+)$/.exec(curls[0]!);
    expect(m).not.toBeNull();
    const [name, value] = m![1]!.split(': ') as [string, string];
    const first = await get(m![2]!, undefined, { headers: { [name]: value } });
    expect(first.status).toBe(200);
    expect(first.json['authorizer']).toMatchObject({ principalId: 'demo-user', sub: 'demo-user', scope: 'orders:read', stage: 'dev' });
    const second = await get(m![2]!, undefined, { headers: { [name]: value } });
    expect(second).toEqual({ status: 401, json: { message: 'Unauthorized' } });
  });

  it('prints a working token of the second issuer, whose scope its scopeMap translates', async () => {
    const third = rest.curls()[2]!;
    const m = /^curl -i -H "Authorization: Bearer ([^"]+)" (\S+)$/.exec(third);
    expect(m).not.toBeNull();
    const payload = JSON.parse(Buffer.from(m![1]!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(payload).toMatchObject({ iss: `${rest.ready.issuer}/second`, scope: 'Orders.Read' });
    const res = await get(m![2]!, m![1]!);
    expect(res.status).toBe(200);
    expect(res.json['authorizer']).toMatchObject({ sub: 'demo-user', scope: 'orders:read' });
    const jwks = await get(`${rest.ready.issuer}/second/.well-known/jwks.json`);
    const main = await get(`${rest.ready.issuer}/.well-known/jwks.json`);
    expect((jwks.json['keys'] as { kid: string }[])[0]!.kid).not.toBe((main.json['keys'] as { kid: string }[])[0]!.kid);
  });

  it('npm run token --issuer second mints a token of the second issuer; the first issuer’s key cannot stand in', async () => {
    const minted = await runToEnd('local/token.ts', ['--data-dir', rest.dataDir, '--issuer', 'second', '--scope', 'Orders.Read Orders.Write']);
    expect(minted.code).toBe(0);
    const token = minted.stdout.trim();
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(payload['iss']).toBe(`${rest.ready.issuer}/second`);
    const res = await get(`${rest.ready.gateway}/dev/orders`, token, { method: 'POST', body: '{}' });
    expect(res.status).toBe(200);
    expect(res.json['authorizer']).toMatchObject({ scope: 'orders:read orders:write' });
    // The main issuer's key signing a token that names the second issuer: refused.
    const forged = await rest.token({ issuer: `${rest.ready.issuer}/second` });
    expect((await get(`${rest.ready.gateway}/dev/orders/42`, forged)).status).toBe(401);
  });

  it('allows a valid token and forwards the authorizer context', async () => {
    const res = await get(`${rest.ready.gateway}/dev/orders/42?expand=items`, await rest.token());
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ method: 'GET', path: '/orders/42', query: { expand: 'items' } });
    expect(res.json['authorizer']).toMatchObject({ principalId: 'e2e-user', sub: 'e2e-user', scope: 'orders:read', stage: 'dev' });
  });

  it('answers 401 without a token', async () => {
    expect(await get(`${rest.ready.gateway}/dev/orders/42`)).toEqual({ status: 401, json: { message: 'Unauthorized' } });
  });

  it('answers 403 when the token lacks the route scope', async () => {
    const res = await get(`${rest.ready.gateway}/dev/orders`, await rest.token(), { method: 'POST', body: '{}' });
    expect(res).toEqual({ status: 403, json: EXPLICIT_DENY });
  });

  it('answers 403 to a role: admin claim without the admin scope', async () => {
    const token = await rest.token({ scope: 'orders:read', claims: { role: 'admin', roles: ['admin'], groups: ['admin'] } });
    expect(await get(`${rest.ready.gateway}/dev/admin/users`, token)).toEqual({ status: 403, json: EXPLICIT_DENY });
  });

  it('refuses a dev token on the prod stage, and a prod token on dev', async () => {
    expect((await get(`${rest.ready.gateway}/prod/orders/42`, await rest.token({ stage: 'dev' }))).status).toBe(401);
    expect((await get(`${rest.ready.gateway}/dev/orders/42`, await rest.token({ stage: 'prod' }))).status).toBe(401);
    expect((await get(`${rest.ready.gateway}/prod/orders/42`, await rest.token({ stage: 'prod' }))).status).toBe(200);
  });

  it('refuses a replayed token with 401', async () => {
    const token = await rest.token();
    expect((await get(`${rest.ready.gateway}/dev/orders/1`, token)).status).toBe(200);
    expect(await get(`${rest.ready.gateway}/dev/orders/1`, token)).toEqual({ status: 401, json: { message: 'Unauthorized' } });
  });

  it('drops a client-sent x-authorizer-context header', async () => {
    const res = await get(`${rest.ready.gateway}/dev/orders/42`, await rest.token(), { headers: { 'x-authorizer-context': '{"sub":"mallory","scope":"admin"}' } });
    expect(res.status).toBe(200);
    expect(res.json['authorizer']).toMatchObject({ sub: 'e2e-user' });
  });

  it('mints working tokens through npm run token (issuer read from the running stack)', async () => {
    const minted = await runToEnd('local/token.ts', ['--data-dir', rest.dataDir, '--sub', 'alice', '--scope', 'orders:read orders:write', '--stage', 'dev']);
    expect(minted.code).toBe(0);
    const token = minted.stdout.trim();
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const [header, payload] = token.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'JWT' });
    expect(payload).toMatchObject({ iss: rest.ready.issuer, sub: 'alice', aud: 'api-dev', scope: 'orders:read orders:write' });
    expect((payload!['exp'] as number) - (payload!['iat'] as number)).toBe(300);
    const res = await get(`${rest.ready.gateway}/dev/orders`, token, { method: 'POST', body: '{"item":1}' });
    expect(res.status).toBe(200);
    expect(res.json['body']).toBe('{"item":1}');
  });

  it('npm run token rejects bad options with a usage message and exit 2', async () => {
    const bad = await runToEnd('local/token.ts', ['--data-dir', rest.dataDir, '--stage', 'qa']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('unknown --stage "qa"');
    expect(bad.stderr).toContain('Usage: npm run -s token');
  });

  it('npm run invoke runs an event file through the handler with the local stack environment', async () => {
    const file = join(tempDir(), 'event.json');
    writeFileSync(file, JSON.stringify({ type: 'TOKEN', authorizationToken: 'Bearer REPLACE_WITH_TOKEN', methodArn: 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/dev/GET/orders/42' }));
    const [allowed, denied, placeholder] = await Promise.all([
      runToEnd('local/invoke.ts', [file, '--data-dir', rest.dataDir, '--token', await rest.token()]),
      runToEnd('local/invoke.ts', [file, '--data-dir', rest.dataDir, '--token', await rest.token({ scope: 'nothing' })]),
      runToEnd('local/invoke.ts', [file, '--data-dir', rest.dataDir]),
    ]);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain('API Gateway would answer: 200');
    expect(denied.stdout).toContain('API Gateway would answer: 403');
    expect(placeholder.stdout).toContain('API Gateway would answer: 401');
  });
});

describe('npm start --upstream <url>', () => {
  it('forwards method, path without the stage, query, headers and body, with the authorizer context', async () => {
    const token = await forwarding.token({ scope: 'orders:write' });
    const res = await fetch(`${forwarding.ready.gateway}/dev/orders?dry=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-trace': 't-1' },
      body: '{"sku":"A-1"}',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-user-api')).toBe('yes');
    expect(await res.json()).toEqual({ created: true });
    const req = seen.at(-1)!;
    expect(req).toMatchObject({ method: 'POST', url: '/base/orders?dry=1', body: '{"sku":"A-1"}' });
    expect(req.headers).toMatchObject({ 'x-trace': 't-1', 'content-type': 'application/json', authorization: `Bearer ${token}` });
    expect(JSON.parse(String(req.headers['x-authorizer-context']))).toMatchObject({ principalId: 'e2e-user', sub: 'e2e-user', scope: 'orders:write', stage: 'dev' });
  });

  it('does not forward refused requests', async () => {
    const before = seen.length;
    expect((await get(`${forwarding.ready.gateway}/dev/orders`, await forwarding.token(), { method: 'POST', body: '{}' })).status).toBe(403);
    expect(seen.length).toBe(before);
  });
});

describe('npm start --event rest-request', () => {
  it('allows with the selected route and refuses a missing scope', async () => {
    const ok = await get(`${restRequest.ready.gateway}/dev/orders/7`, await restRequest.token());
    expect(ok.status).toBe(200);
    expect(ok.json['authorizer']).toMatchObject({ principalId: 'e2e-user', scope: 'orders:read' });
    const admin = await get(`${restRequest.ready.gateway}/dev/admin/a/b`, await restRequest.token({ claims: { role: 'admin' } }), { method: 'DELETE' });
    expect(admin).toEqual({ status: 403, json: EXPLICIT_DENY });
    const allowedAdmin = await get(`${restRequest.ready.gateway}/dev/admin/a/b`, await restRequest.token({ scope: 'admin' }), { method: 'DELETE' });
    expect(allowedAdmin.status).toBe(200);
    expect(allowedAdmin.json).toMatchObject({ method: 'DELETE', path: '/admin/a/b' });
  });

  it('answers a path outside the route table like a REST API: 403 Missing Authentication Token', async () => {
    expect(await get(`${restRequest.ready.gateway}/dev/nowhere`, await restRequest.token())).toEqual({ status: 403, json: { message: 'Missing Authentication Token' } });
  });
});

describe('npm start: the DPoP stage and npm run call', () => {
  it('prints the DPoP walkthrough', () => {
    expect(rest.stdout()).toContain('npm run -s call -- --reuse-proof GET /dpop/orders/42');
  });

  it('a fresh proof passes, the same proof again is refused, a new proof with the same token passes', async () => {
    const call = await runToEnd('local/call.ts', ['--data-dir', rest.dataDir, '--reuse-proof', 'GET', '/dpop/orders/42']);
    expect(call.code, call.stderr).toBe(0);
    const lines = call.stdout.split('\n').filter((l) => l.startsWith('GET /dpop/orders/42'));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/\(fresh proof\) → 200 authorizer context .*"tokenType":"DPoP","jkt":"/);
    expect(lines[1]).toContain('→ 401 {"message":"Unauthorized"}');
    expect(lines[2]).toMatch(/\(a new proof, same token\) → 200 /);
    expect(rest.stdout()).toContain('"reason":"DPOP_PROOF_REPLAYED"');
  });

  it('the DPoP stage refuses a Bearer token; token --dpop binds a token to the client key', async () => {
    const bearer = await rest.token({ aud: 'api-dpop' } as never);
    expect((await get(`${rest.ready.gateway}/dpop/orders/42`, bearer)).status).toBe(401);
    const minted = await runToEnd('local/token.ts', ['--data-dir', rest.dataDir, '--dpop']);
    const payload = JSON.parse(Buffer.from(minted.stdout.trim().split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(payload).toMatchObject({ aud: 'api-dpop', cnf: { jkt: expect.any(String) } });
  });
});

describe('npm start --event http-api --replay off', () => {
  it('allows with a simple response and exposes the context under lambda', async () => {
    const token = await httpApi.token();
    const res = await get(`${httpApi.ready.gateway}/dev/orders`, token);
    expect(res.status).toBe(200);
    expect(res.json['authorizer']).toMatchObject({ lambda: { sub: 'e2e-user', scope: 'orders:read', stage: 'dev' } });
    // Replay protection is off: the same token works again.
    expect((await get(`${httpApi.ready.gateway}/dev/orders`, token)).status).toBe(200);
    expect(httpApi.stdout()).toContain('Replay table  none');
  });

  it('answers 403 Forbidden for a missing scope and 404 for an unknown route', async () => {
    expect(await get(`${httpApi.ready.gateway}/dev/orders`, await httpApi.token(), { method: 'POST', body: '{}' })).toEqual({ status: 403, json: { message: 'Forbidden' } });
    expect(await get(`${httpApi.ready.gateway}/dev/nowhere`, await httpApi.token())).toEqual({ status: 404, json: { message: 'Not Found' } });
    expect((await get(`${httpApi.ready.gateway}/prod/orders`, await httpApi.token({ stage: 'dev' }))).status).toBe(401);
  });
});

// Each of these spawns its own processes: run them side by side.
describe.concurrent('failures and shutdown', () => {
  it('exits non-zero with one clear line when a port is in use', async () => {
    const port = (userApi.address() as { port: number }).port;
    const res = await runToEnd('local/start.ts', ['--port', String(port), '--issuer-port', '0', '--dynamo-port', '0', '--data-dir', tempDir()]);
    expect(res.code).not.toBe(0);
    expect(res.stderr.trim()).toBe(`error: port ${port} for the API gateway (--port) is already in use on 127.0.0.1; stop what uses it or choose another port (0 picks a free one)`);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits non-zero with a clear message on a corrupt key file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'issuer-key.json'), '{"kty":"EC","crv":"P-256","d":"AAAA","kid":"k"}');
    const res = await runToEnd('local/start.ts', ['--port', '0', '--issuer-port', '0', '--dynamo-port', '0', '--data-dir', dir]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^error: the signing key .* is not usable .*delete the file/);
  });

  it('refuses a second stack on the same data directory', async () => {
    const res = await runToEnd('local/start.ts', ['--port', '0', '--issuer-port', '0', '--dynamo-port', '0', '--data-dir', rest.dataDir]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`another local stack (pid ${rest.ready.pid}) is already using`);
  });

  it('stops cleanly on SIGTERM: exit 0, lock and state removed, key and data kept', async () => {
    const stack = await startStack();
    expect(existsSync(join(stack.dataDir, 'start.lock'))).toBe(true);
    expect(await stack.stop()).toBe(0);
    expect(existsSync(join(stack.dataDir, 'start.lock'))).toBe(false);
    expect(existsSync(join(stack.dataDir, 'stack.json'))).toBe(false);
    expect(existsSync(join(stack.dataDir, 'issuer-key.json'))).toBe(true);
    await expect(fetch(stack.ready.gateway)).rejects.toThrow();
  });

  it('keeps refusing a used token after a restart on the same data directory', async () => {
    // The replay key is (iss, jti): keep the issuer port so the restarted stack has the same issuer.
    const dir = tempDir();
    const issuerPort = String(await freePort());
    const first = await startStack(['--issuer-port', issuerPort], dir);
    const token = await first.token();
    expect((await get(`${first.ready.gateway}/dev/orders/1`, token)).status).toBe(200);
    expect(await first.stop()).toBe(0);
    const second = await startStack(['--issuer-port', issuerPort], dir);
    expect(second.ready.issuer).toBe(first.ready.issuer);
    expect(second.stdout()).not.toContain('(table created)');
    expect(await get(`${second.ready.gateway}/dev/orders/1`, token)).toEqual({ status: 401, json: { message: 'Unauthorized' } });
    expect((await get(`${second.ready.gateway}/dev/orders/1`, await second.token())).status).toBe(200);
  });
});
