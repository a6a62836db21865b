/**
 * End to end: the local tools as a newcomer meets them on a fresh clone (issue 15). The npm scripts
 * themselves run where the point is how npm and Node handle the command line.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, cleanUp, runToEnd, startStack, tempDir, type Stack } from './stack.js';

/** `npm run -s <script> -- args`, exactly as a user types it. */
function npmRun(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('npm', ['run', '-s', script, '--', ...args], {
    cwd: ROOT,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((res) => child.on('close', (code) => res({ code, stdout, stderr })));
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let plain: Stack;
let unreachableUpstream: Stack;
let userConfig: Stack;
let deadPort: number;

beforeAll(async () => {
  deadPort = await closedPort();
  const envFile = join(tempDir(), 'my.env');
  writeFileSync(envFile, 'ROUTE_PERMISSIONS=[{"route":"GET /health","scopes":[]},{"route":"GET /orders/{id}","scopes":["orders:admin"]}]\nJWT_ALGORITHMS=ES256\nSHELL_ONLY=ignored\n');
  [plain, unreachableUpstream, userConfig] = await Promise.all([
    startStack(),
    startStack(['--upstream', `http://127.0.0.1:${deadPort}`]),
    startStack(['--env-file', envFile]),
  ]);
}, 45_000);

afterAll(cleanUp);

describe('--env-file on the npm scripts (Node 20 reads --env-file itself unless the script passes --)', () => {
  it('npm run invoke reports a missing --env-file itself, exit 2', async () => {
    const r = await npmRun('invoke', ['events/rest-token-dev.json', '--env-file', '/tmp/does-not-exist-15.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: --env-file /tmp/does-not-exist-15.json: no such file');
    expect(r.stderr).not.toContain('node:');
  });

  it('npm start reports a missing --env-file itself, exit 2', async () => {
    const r = await npmRun('start', ['--env-file', '/tmp/does-not-exist-15.env', '--port', '0', '--issuer-port', '0', '--dynamo-port', '0', '--data-dir', tempDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: --env-file /tmp/does-not-exist-15.env: no such file');
  });
});

describe('npm start --env-file <file>: the user\'s own configuration', () => {
  it('stops with the function\'s own message naming the variable', async () => {
    const bad = join(tempDir(), 'bad.env');
    writeFileSync(bad, 'JWT_ALGORITHMS=HS256\n');
    const r = await runToEnd('local/start.ts', ['--port', '0', '--issuer-port', '0', '--dynamo-port', '0', '--data-dir', tempDir(), '--env-file', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: the authorizer refuses the configuration from .*bad\.env: .*JWT_ALGORITHMS: "HS256" is refused/m);
  });

  it('runs the authorizer with the file\'s routes, says which variables it used and ignored', async () => {
    expect(userConfig.stdout()).toContain('configuration from');
    expect(userConfig.stdout()).toMatch(/configuration from .*my\.env: (ROUTE_PERMISSIONS, JWT_ALGORITHMS|JWT_ALGORITHMS, ROUTE_PERMISSIONS)\n/);
    expect(userConfig.stdout()).toMatch(/GET \/orders\/\{id\}\s+orders:admin/);
    expect(userConfig.stdout()).toContain('ignored from');
    expect(userConfig.stdout()).toContain('SHELL_ONLY');
    const url = `${userConfig.ready.gateway}/dev/orders/42`;
    expect((await fetch(url, { headers: bearer(await userConfig.token({ scope: 'orders:read' })) })).status).toBe(403);
    expect((await fetch(url, { headers: bearer(await userConfig.token({ scope: 'orders:admin' })) })).status).toBe(200);
  });

  it('npm run invoke uses the running stack\'s --env-file configuration too', async () => {
    const r = await runToEnd('local/invoke.ts', ['events/rest-token-dev.json', '--data-dir', userConfig.dataDir, '--token', await userConfig.token({ scope: 'orders:read' })]);
    expect(r.stderr).toContain('configuration from');
    expect(r.stdout).toContain('API Gateway would answer: 403');
  });
});

describe('npm start prints hints that work as printed', () => {
  it('the token command carries the same --data-dir, and its token is accepted', async () => {
    const line = plain.stdout().split('\n').find((l) => l.startsWith('More tokens: '))!;
    expect(line).toContain(`--data-dir ${plain.dataDir}`);
    const args = line.replace(/^More tokens: npm run -s token -- /, '').match(/"[^"]*"|\S+/g)!.map((a) => a.replace(/^"|"$/g, ''));
    const minted = await runToEnd('local/token.ts', args);
    expect(minted.code).toBe(0);
    const res = await fetch(`${plain.ready.gateway}/prod/orders`, { headers: bearer(minted.stdout.trim()) });
    expect(res.status).toBe(200);
  });

  it('says 500, not 200, when --upstream does not answer, and the gateway indeed answers 500', async () => {
    expect(unreachableUpstream.stdout()).toContain(`→ 500 {"message":"Internal server error"}: the authorizer allows it, but nothing answers at --upstream http://127.0.0.1:${deadPort}/`);
    expect(unreachableUpstream.stdout()).not.toContain('→ 200');
    const res = await fetch(`${unreachableUpstream.ready.gateway}/dev/orders/42`, { headers: bearer(await unreachableUpstream.token()) });
    expect(res.status).toBe(500);
  });

  it('says 200 with the demo backend, and the printed curl gets it', () => {
    expect(plain.stdout()).toContain('→ 200: the request reaches the upstream');
  });
});

describe('npm run token: explicit times show every status', () => {
  const cases: [string, string[], number, string][] = [
    ['expired (--exp -60)', ['--exp', '-60'], 401, 'TOKEN_EXPIRED'],
    ['not yet valid (--nbf +600)', ['--nbf', '+600'], 401, 'TOKEN_NOT_YET_VALID'],
    ['issued in the future (--iat +600)', ['--iat', '+600', '--ttl', '60'], 401, 'IAT_IN_FUTURE'],
    ['valid with an explicit ISO expiry', ['--exp', new Date(Date.now() + 120_000).toISOString()], 200, '"outcome":"allow"'],
  ];
  it.each(cases)('%s', async (_name, args, status, reason) => {
    const minted = await runToEnd('local/token.ts', ['--data-dir', plain.dataDir, ...args]);
    expect(minted.code).toBe(0);
    const res = await fetch(`${plain.ready.gateway}/dev/orders/42`, { headers: bearer(minted.stdout.trim()) });
    expect(res.status).toBe(status);
    await expect.poll(() => plain.stdout()).toContain(reason);
  });

  it('refuses a bad time with a usage message and exit 2', async () => {
    const r = await runToEnd('local/token.ts', ['--data-dir', plain.dataDir, '--exp', 'yesterday']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--exp must be seconds relative to now');
  });

  it('points --ttl -60 at --exp', async () => {
    const r = await runToEnd('local/token.ts', ['--data-dir', plain.dataDir, '--ttl', '-60']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('for an expired token use --exp -60');
  });
});

describe('the staging event files against the running local stack', () => {
  it.each(['rest-token-staging.json', 'rest-request-staging.json', 'http-api-staging.json', 'websocket-connect-staging.json'])('%s is allowed with a staging token', async (file) => {
    const token = (await runToEnd('local/token.ts', ['--data-dir', plain.dataDir, '--stage', 'staging'])).stdout.trim();
    const r = await runToEnd('local/invoke.ts', [`events/${file}`, '--data-dir', plain.dataDir, '--token', token]);
    expect(r.stdout).toContain('API Gateway would answer: 200');
  });
});

describe('npm run invoke with no stack running', () => {
  it('says the local issuer is not running and how to start it', async () => {
    const dir = tempDir();
    const env = join(dir, 'env.json');
    const issuer = `http://127.0.0.1:${deadPort}`;
    writeFileSync(env, JSON.stringify({ Fn: { JWT_ISSUER: issuer, AUDIENCE_BY_STAGE: '{"dev":"api-dev"}', ROUTE_PERMISSIONS: '[{"route":"GET /orders/{id}","scopes":[]}]', REPLAY_PROTECTION: 'off' } }));
    const token = (await runToEnd('local/token.ts', ['--data-dir', dir, '--iss', issuer])).stdout.trim();
    const r = await runToEnd('local/invoke.ts', ['events/rest-token-dev.json', '--env-file', env, '--data-dir', dir, '--token', token]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`note: the local issuer is not running (nothing answers at ${issuer}/.well-known/jwks.json)`);
    expect(r.stderr).toContain('npm start');
    expect(r.stdout).toContain('API Gateway would answer: 500');
    expect(r.stdout).toContain('is not running: start it with npm start');
  });
});
