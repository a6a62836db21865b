/**
 * Nothing the authorizer writes, on any path, contains the token, its signature, its payload, a claim
 * other than `sub`, or the raw `jti`. Captured at process.stdout/stderr with the default decision log
 * (log line and EMF metrics), as in Lambda.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAuthorizer } from '../../functions/authorizer/create-authorizer.js';
import { MemoryReplayStore, type ReplayStore } from '../../lib/replay-store.js';
import { AuthError } from '../../lib/errors.js';
import { generateKey, signToken } from '../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { claims, httpApiEvent, lambdaContext, NOW, restTokenEvent, testEnv } from '../helpers/fixtures.js';

const key = generateKey('RS256');
const EMAIL = 'canary-email@example.com';
const JTI = 'canary-jti-7f3a9c';
let jwks: JwksServer;
let written: string[] = [];
const originals = { out: process.stdout.write, err: process.stderr.write };

beforeAll(async () => {
  jwks = await startJwksServer([key.publicJwk]);
});
afterAll(async () => {
  await jwks.close();
});
beforeEach(() => {
  written = [];
  const capture = (chunk: unknown) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
});
afterEach(() => {
  process.stdout.write = originals.out;
  process.stderr.write = originals.err;
});

const failingStore: ReplayStore = {
  commit: async () => {
    throw new AuthError('REPLAY_STORE_UNAVAILABLE', 'down', { cause: new Error(`socket hang up ${EMAIL}`) });
  },
};

function authorizer(env: Record<string, string | undefined> = {}, replayStore: ReplayStore = new MemoryReplayStore()) {
  const handler = createAuthorizer({ env: testEnv(jwks.url, env), replayStore, clock: () => NOW * 1000 });
  return (event: unknown) => handler(event, lambdaContext).catch((err: Error) => ({ thrown: err.message }));
}

const canary = (overrides: Record<string, unknown> = {}) => signToken(key, { payload: claims({ email: EMAIL, jti: JTI, ...overrides }) });

describe('log capture', () => {
  it('never writes the token, its parts, a claim other than sub, or the raw jti, on any path', async () => {
    const cases: [string, () => Promise<unknown>][] = [];
    const allowToken = canary();
    const store = new MemoryReplayStore();
    const a = authorizer({}, store);
    cases.push(['allow', () => a(restTokenEvent(`Bearer ${allowToken}`))]);
    cases.push(['replay', () => a(restTokenEvent(`Bearer ${allowToken}`))]);
    const tokens: string[] = [allowToken];
    const add = (name: string, token: string, run: (t: string) => Promise<unknown>) => {
      tokens.push(token);
      cases.push([name, () => run(token)]);
    };
    const plain = authorizer();
    add('expired', canary({ exp: NOW - 100, iat: NOW - 200 }), (t) => plain(restTokenEvent(`Bearer ${t}`)));
    add('bad signature', canary().slice(0, -4) + 'AAAA', (t) => plain(restTokenEvent(`Bearer ${t}`)));
    add('wrong audience', canary({ aud: 'api-prod' }), (t) => plain(restTokenEvent(`Bearer ${t}`)));
    add('wrong issuer', canary({ iss: 'https://evil.test' }), (t) => plain(restTokenEvent(`Bearer ${t}`)));
    add('missing scope', canary({ scope: 'nothing' }), (t) => plain(restTokenEvent(`Bearer ${t}`)));
    add('unknown route', canary(), (t) => plain(restTokenEvent(`Bearer ${t}`, 'dev', 'GET', '/nowhere')));
    add('stage not configured', canary(), (t) => plain(restTokenEvent(`Bearer ${t}`, 'staging')));
    add('malformed', `${canary()}=`, (t) => plain(restTokenEvent(`Bearer ${t}`)));
    add('http api deny', canary({ aud: 'api-http', scope: 'x' }), (t) => plain(httpApiEvent(`Bearer ${t}`)));
    add('replay store down', canary(), (t) => authorizer({}, failingStore)(restTokenEvent(`Bearer ${t}`)));
    add('jwks down', canary(), (t) => authorizer({ JWKS_URI: 'http://127.0.0.1:9/jwks.json' })(restTokenEvent(`Bearer ${t}`)));
    add('off mode', canary(), (t) => authorizer({ REPLAY_PROTECTION: 'off' })(restTokenEvent(`Bearer ${t}`)));

    const responses: string[] = [];
    for (const [, run] of cases) responses.push(JSON.stringify(await run()));
    const text = written.join('');
    expect(text).toContain('authorizer decision');
    expect(text.match(/"message":"authorizer decision"/g)?.length).toBe(cases.length);

    for (const token of tokens) {
      const [header, payload, signature] = token.split('.') as [string, string, string];
      expect(text).not.toContain(token);
      expect(text).not.toContain(payload);
      expect(text).not.toContain(signature.slice(0, 24));
      expect(text).not.toContain(`${header}.${payload}`);
      for (const r of responses) {
        expect(r).not.toContain(token);
        expect(r).not.toContain(signature.slice(0, 24));
      }
    }
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain(JTI);
    for (const r of responses) expect(r).not.toContain(EMAIL);
    // The log identifies the token only by sub and a hash of the jti.
    expect(text).toContain('"sub":"user-1"');
    expect(text).toMatch(/"jtiHash":"[A-Za-z0-9_-]{16}"/);
  });
});
