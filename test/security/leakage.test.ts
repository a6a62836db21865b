/**
 * Threat: the token or its claims leaking into logs, metrics or responses (where log readers, backends
 * or clients could replay or harvest them).
 * Attacker: can read CloudWatch logs or a backend's view of the authorizer context, and can make the
 * authorizer fail in every way (so error paths, which quote input, are exercised).
 * Defences: create-authorizer.ts (one decision line with a fixed field list: sub, a hash of jti, codes;
 * only name/code/status of a cause; the event itself never logged), respond.ts (responses carry no detail,
 * the context only verified values). Output is read where it really goes: process.stdout and
 * process.stderr, with the default decision log (as in Lambda), and the test logger.
 */
import type { KeyObject } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAuthorizer } from '../../functions/authorizer/create-authorizer.js';
import type { KeySource } from '../../lib/key-source.js';
import { MemoryReplayStore, type ReplayStore } from '../../lib/replay-store.js';
import { NOW, claims, httpApiEvent, lambdaContext, restRequestEvent, restTokenEvent, testAuthorizer, testEnv, websocketEvent } from '../helpers/fixtures.js';
import { generateKey } from '../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { classify, forge } from './support.js';

const key = generateKey('ES256', 'leak-key');
const h = { alg: 'ES256', kid: key.kid, typ: 'JWT' };
const EMAIL = 'canary-email@example.com';
const CLAIM = 'canary-claim-value-7f3a';
const JTI = 'canary-jti-0b9e51c2';
let jwks: JwksServer;
beforeAll(async () => {
  jwks = await startJwksServer([key.publicJwk]);
});
afterAll(async () => jwks.close());

/** Everything written to process.stdout and process.stderr while a case runs. */
let written: string[] = [];
beforeEach(() => {
  written = [];
  const grab = (chunk: unknown) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(grab as typeof process.stdout.write);
  vi.spyOn(process.stderr, 'write').mockImplementation(grab as typeof process.stderr.write);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const canaryClaims = (extra: Record<string, unknown> = {}) =>
  claims({ sub: 'canary-sub', jti: `${JTI}-${Math.random()}`, email: EMAIL, secret_claim: CLAIM, name: `Name ${CLAIM}`, ...extra });

interface Path {
  readonly name: string;
  readonly token: string;
  readonly event: (authorization: string) => unknown;
  readonly expected: 'allow' | 'forbidden' | 'unauthorized' | 'internal';
  readonly reason: string;
  readonly env?: Record<string, string>;
  readonly keys?: KeySource;
  readonly replayStore?: ReplayStore;
  /** Use the token twice, checking the second decision. */
  readonly twice?: boolean;
}

function paths(): Path[] {
  const valid = (extra: Record<string, unknown> = {}) => forge(key, h, canaryClaims(extra));
  const tampered = (() => {
    const [a, b, c] = valid().split('.') as [string, string, string];
    return `${a}.${b}.${c.slice(0, 10)}${c[10] === 'A' ? 'B' : 'A'}${c.slice(11)}`;
  })();
  const throwing = (t: string): KeySource => ({
    keysFor: async (): Promise<readonly KeyObject[]> => {
      throw Object.assign(new Error(`cannot find key for ${t} ${EMAIL}`), { code: 'EBOOM' });
    },
  });
  const failingStore = (t: string): ReplayStore => ({
    commit: async () => {
      const { AuthError } = await import('../../lib/errors.js');
      throw new AuthError('REPLAY_STORE_UNAVAILABLE', `write of ${t} failed`, { cause: Object.assign(new Error(`ValidationException: ${t} ${EMAIL}`), { name: 'ValidationException' }) });
    },
  });
  const rt = (a: string) => restTokenEvent(a);
  const internalToken = valid();
  const storeToken = valid();
  return [
    { name: 'allow (REST TOKEN)', token: valid(), event: rt, expected: 'allow', reason: 'OK' },
    { name: 'allow (REST REQUEST)', token: valid(), event: (a) => restRequestEvent(a), expected: 'allow', reason: 'OK' },
    { name: 'allow (HTTP API simple)', token: valid({ aud: 'api-http' }), event: (a) => httpApiEvent(a), expected: 'allow', reason: 'OK' },
    { name: 'allow (WebSocket)', token: valid({ scope: 'chat' }), event: (a) => websocketEvent(a), expected: 'allow', reason: 'OK' },
    { name: 'allow (replay off, wide policy)', token: valid(), event: rt, expected: 'allow', reason: 'OK', env: { REPLAY_PROTECTION: 'off' } },
    { name: 'replayed', token: valid(), event: rt, expected: 'unauthorized', reason: 'TOKEN_REPLAYED', twice: true },
    { name: 'scope missing', token: valid({ scope: 'nothing' }), event: rt, expected: 'forbidden', reason: 'SCOPE_MISSING' },
    { name: 'scope missing (replay off)', token: valid({ scope: 'nothing' }), event: rt, expected: 'forbidden', reason: 'SCOPE_MISSING', env: { REPLAY_PROTECTION: 'off' } },
    { name: 'route not found', token: valid(), event: (a) => restTokenEvent(a, 'dev', 'GET', '/nowhere'), expected: 'forbidden', reason: 'ROUTE_NOT_FOUND' },
    { name: 'stage not configured', token: valid(), event: (a) => restTokenEvent(a, 'staging'), expected: 'forbidden', reason: 'STAGE_NOT_CONFIGURED' },
    {
      name: 'stage mismatch', token: valid(), expected: 'forbidden', reason: 'STAGE_MISMATCH',
      event: (a) => { const e = restRequestEvent(a); (e['requestContext'] as Record<string, unknown>)['stage'] = 'prod'; return e; },
    },
    { name: 'audience mismatch', token: valid({ aud: 'other' }), event: rt, expected: 'unauthorized', reason: 'AUDIENCE_MISMATCH' },
    { name: 'expired', token: valid({ iat: NOW - 1000, exp: NOW - 500 }), event: rt, expected: 'unauthorized', reason: 'TOKEN_EXPIRED' },
    { name: 'issuer mismatch', token: valid({ iss: `https://evil.example/${CLAIM}` }), event: rt, expected: 'unauthorized', reason: 'ISSUER_MISMATCH' },
    { name: 'signature invalid', token: tampered, event: rt, expected: 'unauthorized', reason: 'SIGNATURE_INVALID' },
    { name: 'unknown kid', token: forge(key, { ...h, kid: 'nope' }, canaryClaims()), event: rt, expected: 'unauthorized', reason: 'KEY_NOT_FOUND' },
    { name: 'alg not allowed', token: forge(key, { ...h, alg: 'ES512' }, canaryClaims(), 'ES256'), event: rt, expected: 'unauthorized', reason: 'ALG_NOT_ALLOWED' },
    { name: 'duplicate claim', token: forge(key, h, `{"email":"${EMAIL}",${JSON.stringify(canaryClaims()).slice(1)}`), event: rt, expected: 'unauthorized', reason: 'TOKEN_MALFORMED' },
    { name: 'not Bearer', token: valid(), event: (a) => rt(a.replace('Bearer ', 'Basic ')), expected: 'unauthorized', reason: 'TOKEN_MALFORMED' },
    { name: 'too large', token: valid({ pad: 'p'.repeat(8200) }), event: rt, expected: 'unauthorized', reason: 'TOKEN_TOO_LARGE' },
    {
      name: 'ambiguous', token: valid(), expected: 'unauthorized', reason: 'TOKEN_AMBIGUOUS',
      event: (a) => ({ ...restRequestEvent(a), headers: { Authorization: a, authorization: a } }),
    },
    { name: 'JWKS unavailable', token: valid(), event: rt, expected: 'internal', reason: 'JWKS_UNAVAILABLE', env: { JWKS_URI: 'http://127.0.0.1:9/jwks.json' } },
    { name: 'internal error quoting the token', token: internalToken, event: rt, expected: 'internal', reason: 'INTERNAL', keys: throwing(internalToken) },
    { name: 'replay store failure quoting the token', token: storeToken, event: rt, expected: 'internal', reason: 'REPLAY_STORE_UNAVAILABLE', replayStore: failingStore(storeToken) },
    { name: 'event invalid', token: valid(), event: (a) => ({ ...rt(a), methodArn: `arn:${a}` }), expected: 'internal', reason: 'EVENT_INVALID' },
  ];
}

/** The strings that must never appear, for one token. */
function secretsOf(token: string): Record<string, string> {
  const [, payload, signature] = token.split('.') as [string, string, string];
  return { token, payload, signature, email: EMAIL, claim: CLAIM, jti: JTI };
}

function expectClean(where: string, text: string, secrets: Record<string, string>) {
  for (const [name, secret] of Object.entries(secrets)) expect(text.includes(secret), `${name} leaked into ${where}`).toBe(false);
}

const ALLOWED_FIELDS = new Set([
  'level', 'message', 'timestamp', 'service', 'cold_start', 'function_arn', 'function_memory_size', 'function_name',
  'function_request_id', 'sampling_rate', 'xray_trace_id', 'outcome', 'reason', 'eventKind', 'stage', 'route', 'kid',
  'apiRequestId', 'sub', 'jtiHash', 'underGranted', 'cause', '_aws', 'Decision',
  // DPoP (design §8): the scheme, and the proof key's thumbprint (public), never the proof.
  'tokenType', 'jkt',
]);

async function runPath(p: Path, mode: 'default' | 'captured') {
  const env = testEnv(jwks.url, p.env ?? {});
  const replayStore = p.replayStore ?? new MemoryReplayStore();
  let invoke: (event: unknown) => Promise<unknown>;
  let captured = () => '';
  if (mode === 'default') {
    // As in Lambda: the default decision log (log line and EMF metrics), writing to process.stdout.
    const authorizer = createAuthorizer({ env, keys: p.keys, replayStore, clock: () => NOW * 1000 });
    invoke = (event) => authorizer(event, lambdaContext);
  } else {
    const t = testAuthorizer({ env, keys: p.keys, replayStore });
    invoke = t.invoke;
    captured = () => t.output.text();
  }
  const event = p.event(`Bearer ${p.token}`);
  const results = [await classify(invoke, event)];
  if (p.twice) results.push(await classify(invoke, event));
  return { results, text: () => written.join('') + captured() };
}

describe.each(['default', 'captured'] as const)('canary token through every path (%s logger)', (mode) => {
  for (const p of paths()) {
    it(p.name, async () => {
      const { results, text } = await runPath(p, mode);
      const last = results[results.length - 1]!;
      expect(last.outcome).toBe(p.expected);
      const secrets = secretsOf(p.token);
      const output = text();
      expectClean('stdout/stderr/logger', output, secrets);
      const response = JSON.stringify(last.response ?? null);
      // The backend gets the jti in the context by design; the token, signature and other claims never.
      const { jti: _jti, ...responseSecrets } = secrets;
      expectClean('the response', response, responseSecrets);
      if (last.thrown) {
        expect(['Unauthorized', 'Internal authorizer error']).toContain((last.thrown as Error).message);
        expect(Object.keys(last.thrown as object)).toEqual([]);
      }
      // One decision line per request, with a fixed set of fields and the expected reason.
      const decisions = output.split('\n').filter((l) => l.includes('"authorizer decision"')).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(decisions).toHaveLength(results.length);
      for (const d of decisions) for (const field of Object.keys(d)) expect(ALLOWED_FIELDS.has(field), `log field ${field}`).toBe(true);
      expect(decisions.at(-1)?.['reason']).toBe(p.reason);
      if (decisions.at(-1)?.['sub'] !== undefined) expect(decisions.at(-1)?.['sub']).toBe('canary-sub');
      if (mode === 'default') expect(written.some((w) => w.includes('"Decision":1'))).toBe(true);
    });
  }
});

describe('operator switches do not leak the token', () => {
  it('POWERTOOLS_LOGGER_LOG_EVENT=true does not log the event (which carries the token)', async () => {
    vi.stubEnv('POWERTOOLS_LOGGER_LOG_EVENT', 'true');
    const token = forge(key, h, canaryClaims());
    for (const mode of ['default', 'captured'] as const) {
      written = written.filter(() => false);
      const { results, text } = await runPath({ name: 'log-event', token, event: (a) => restRequestEvent(a), expected: 'allow', reason: 'OK', replayStore: new MemoryReplayStore() }, mode);
      expect(results[0]!.outcome).toBe('allow');
      expectClean(`output (${mode})`, text(), secretsOf(token));
    }
  });
  it('POWERTOOLS_LOG_LEVEL=DEBUG adds nothing sensitive', async () => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
    const token = forge(key, h, canaryClaims());
    const { text } = await runPath({ name: 'debug', token, event: (a) => restTokenEvent(a), expected: 'allow', reason: 'OK' }, 'default');
    expectClean('output', text(), secretsOf(token));
  });
});
