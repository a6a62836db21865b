/**
 * Threat: input the code never expected — any JSON value as the event, any header value, any token bytes —
 * producing an Allow or an error API Gateway would not map to 401/403/500.
 * Attacker: controls the authorization header completely and, through API Gateway, parts of the event.
 * Defences: extract-request.ts (strict shape, 8 KiB), decode-jwt.ts, verify-token.ts, decide.ts (every
 * failure becomes an AuthError), respond.ts (only Unauthorized / internal message / well-formed response).
 * Properties (fast-check, 12,000 runs in total): never `unmapped` (see support.ts classify); never Allow
 * unless the event carries a token the issuer really signed, and then only on the stage it was issued for.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_PREFIX, claims, httpApiEvent, restRequestEvent, restTokenEvent, testAuthorizer, testEnv, websocketEvent } from '../helpers/fixtures.js';
import { generateKey } from '../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { b64u, classify, expectDecision, forge, requestArn, type Classified } from './support.js';

const key = generateKey('ES256', 'fuzz-key');
const attacker = generateKey('ES256', 'fuzz-key');
const h = { alg: 'ES256', kid: key.kid, typ: 'JWT' };
let jwks: JwksServer;
let a: ReturnType<typeof testAuthorizer>;

/** Tokens the issuer really signed: dev (REST, WebSocket) and $default (HTTP API). */
let VALID: { dev: string; http: string; ws: string };

beforeAll(async () => {
  jwks = await startJwksServer([key.publicJwk]);
  // Replay off, so a valid token may be allowed again and again: the properties then see real Allows.
  a = testAuthorizer({ env: testEnv(jwks.url, { REPLAY_PROTECTION: 'off' }) });
  VALID = {
    dev: forge(key, h, claims({ jti: 'fuzz-dev' })),
    http: forge(key, h, claims({ jti: 'fuzz-http', aud: 'api-http' })),
    ws: forge(key, h, claims({ jti: 'fuzz-ws', scope: 'chat' })),
  };
  // Warm the key cache so the properties measure the decision, not the first fetch.
  expect((await classify(a.invoke, restTokenEvent(`Bearer ${VALID.dev}`))).outcome).toBe('allow');
});
afterAll(async () => jwks.close());

let allows = 0;
/** Runs one event and checks the invariants; returns the classification for property-specific checks. */
async function check(event: unknown): Promise<Classified> {
  if (a.output.lines.length > 2000) a.output.lines.length = 0;
  const result = await classify(a.invoke, event);
  if (result.outcome === 'unmapped') throw new Error(`unmapped result: ${String(result.thrown ?? JSON.stringify(result.response))}`);
  if (result.outcome === 'allow') {
    // An Allow needs a token the issuer signed, for the stage the token was issued to.
    const text = JSON.stringify(event);
    const arn = requestArn(event) ?? '';
    const devOk = (text.includes(VALID.dev) || text.includes(VALID.ws)) && arn.startsWith(`${ACCOUNT_PREFIX}/dev/`);
    const httpOk = text.includes(VALID.http) && arn.startsWith(`${ACCOUNT_PREFIX}/$default/`);
    if (!devOk && !httpOk) throw new Error(`Allow without a valid token for the stage: ${text.slice(0, 300)}`);
    allows++;
  }
  return result;
}
const neverAllow = async (event: unknown) => {
  const result = await check(event);
  if (result.outcome === 'allow') throw new Error(`Allow for ${JSON.stringify(event).slice(0, 300)}`);
};

const b64uChars = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split(''));
const b64uString = (min: number, max: number) => fc.array(b64uChars, { minLength: min, maxLength: max }).map((cs) => cs.join(''));
const arns = fc.oneof(
  fc.constantFrom('dev', 'prod', '$default', 'staging').chain((stage) =>
    fc.tuple(fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'ANY', 'get'), fc.constantFrom('/orders/42', '/orders', '/admin/x', '/', '/orders/1/items', '/health', '/x/*'))
      .map(([m, p]) => `${ACCOUNT_PREFIX}/${stage}/${m}${p}`)),
  fc.constant(`${ACCOUNT_PREFIX}/dev/$connect`),
  fc.string(),
  fc.anything(),
);
const authValues = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string().map((s) => `Bearer ${s}`),
  fc.tuple(b64uString(1, 60), b64uString(1, 60), b64uString(1, 60)).map(([x, y, z]) => `Bearer ${x}.${y}.${z}`),
  fc.constantFrom(`Bearer ${'a'.repeat(8200)}`, 'Bearer', 'Bearer ', 'bearer a.b.c', 'Bearer a.b.c.d.e', 'Basic dXNlcjpwYXNz'),
  fc.anything(),
);

describe('properties', () => {
  it('any JSON value as the event: never Allow, never an unmapped error (2,500 runs)', async () => {
    await fc.assert(fc.asyncProperty(fc.anything({ withObjectString: true, withNullPrototype: true, withBoxedValues: true }), neverAllow), { numRuns: 2500 });
  });

  it('event-shaped objects with arbitrary members: never Allow without a valid token (2,500 runs)', async () => {
    const events = fc.record(
      {
        type: fc.oneof(fc.constantFrom('TOKEN', 'REQUEST'), fc.anything()),
        version: fc.oneof(fc.constant('2.0'), fc.anything()),
        methodArn: arns,
        routeArn: arns,
        authorizationToken: authValues,
        headers: fc.oneof(fc.dictionary(fc.constantFrom('Authorization', 'authorization', 'AUTHORIZATION', 'x'), authValues), fc.anything()),
        multiValueHeaders: fc.oneof(fc.dictionary(fc.constantFrom('Authorization', 'authorization'), fc.array(authValues, { maxLength: 3 })), fc.anything()),
        identitySource: fc.anything(),
        routeKey: fc.oneof(fc.constantFrom('$connect', '$default', 'GET /orders/{id}', 'ANY /admin/{proxy+}'), fc.anything()),
        resource: fc.oneof(fc.constantFrom('/orders/{id}', '/admin/{proxy+}', '/{x+}'), fc.anything()),
        httpMethod: fc.oneof(fc.constantFrom('GET', 'POST'), fc.anything()),
        requestContext: fc.oneof(fc.record({ stage: fc.oneof(fc.constantFrom('dev', 'prod', '$default'), fc.anything()), routeKey: fc.anything(), http: fc.anything() }, { requiredKeys: [] }), fc.anything()),
      },
      { requiredKeys: [] },
    );
    await fc.assert(fc.asyncProperty(events, neverAllow), { numRuns: 2500 });
  });

  it('real events with a valid token, randomly mutated: Allow only with that token on its stage (2,000 runs)', async () => {
    const bases = [
      () => restTokenEvent(`Bearer ${VALID.dev}`),
      () => restRequestEvent(`Bearer ${VALID.dev}`),
      () => httpApiEvent(`Bearer ${VALID.http}`),
      () => websocketEvent(`Bearer ${VALID.ws}`),
      () => restRequestEvent(`Bearer ${VALID.dev}`, { method: 'GET', path: '/admin/status', resource: '/admin/status' }),
    ];
    const mutation = fc.tuple(
      fc.constantFrom('set', 'delete', 'setContext', 'header', 'swapToken', 'arnStage'),
      fc.constantFrom('type', 'version', 'methodArn', 'routeArn', 'authorizationToken', 'headers', 'multiValueHeaders', 'routeKey', 'resource', 'httpMethod', 'requestContext', 'path'),
      fc.anything(),
      fc.constantFrom('dev', 'prod', '$default', 'staging', 'DEV'),
    );
    await fc.assert(
      fc.asyncProperty(fc.nat(bases.length - 1), fc.array(mutation, { maxLength: 4 }), async (which, mutations) => {
        const event = bases[which]!() as Record<string, unknown>;
        for (const [op, field, value, stage] of mutations) {
          if (op === 'set') event[field] = value;
          else if (op === 'delete') delete event[field];
          else if (op === 'setContext') event['requestContext'] = { ...(event['requestContext'] as object), [field === 'path' ? 'stage' : field]: value };
          else if (op === 'header') event['headers'] = { ...(typeof event['headers'] === 'object' ? (event['headers'] as object) : {}), [field]: value };
          else if (op === 'swapToken') event['authorizationToken'] = `Bearer ${VALID.http}`;
          else if (op === 'arnStage') for (const f of ['methodArn', 'routeArn']) if (typeof event[f] === 'string') event[f] = (event[f] as string).replace(/\/(dev|\$default)\//, `/${stage}/`);
        }
        await check(event);
      }),
      { numRuns: 2000 },
    );
    // The property saw real Allows (unmutated and harmlessly mutated events), so it is not vacuous.
    expect(allows).toBeGreaterThan(0);
  });

  it('arbitrary authorization values on every event kind: never Allow (2,000 runs)', async () => {
    const kinds = [
      (v: string) => restTokenEvent(v),
      (v: string) => restRequestEvent(v),
      (v: string) => httpApiEvent(v),
      (v: string) => websocketEvent(v),
    ];
    await fc.assert(
      fc.asyncProperty(fc.nat(3), authValues, async (k, value) => {
        const event = kinds[k]!('placeholder') as Record<string, unknown>;
        if (k === 0) event['authorizationToken'] = value;
        else event['headers'] = { Authorization: value };
        if (k === 1 || k === 3) event['multiValueHeaders'] = { Authorization: [value] };
        await neverAllow(event);
      }),
      { numRuns: 2000 },
    );
  });

  it('one-character edits of a valid token: never Allow (2,000 runs)', async () => {
    const chars = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ '.split(''));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('replace', 'insert', 'delete'), fc.nat(), chars, async (op, at, c) => {
        const t = VALID.dev;
        const i = at % (t.length + (op === 'insert' ? 1 : 0));
        const edited = op === 'replace' ? t.slice(0, i) + c + t.slice(i + 1) : op === 'insert' ? t.slice(0, i) + c + t.slice(i) : t.slice(0, i) + t.slice(i + 1);
        if (edited === t) return;
        await neverAllow(restTokenEvent(`Bearer ${edited}`));
      }),
      { numRuns: 2000 },
    );
  });

  it('arbitrary headers and claims signed by an attacker key under the victim kid: never Allow (1,000 runs)', async () => {
    const header = fc.record(
      { alg: fc.oneof(fc.constantFrom('ES256', 'RS256', 'none', 'HS256', 'es256'), fc.anything()), kid: fc.oneof(fc.constant(key.kid), fc.anything()), typ: fc.anything(), crit: fc.anything(), jwk: fc.constant(attacker.publicJwk) },
      { requiredKeys: ['alg'] },
    );
    const payload = fc.oneof(fc.constant(claims({ jti: 'attacker' })), fc.object(), fc.anything());
    await fc.assert(
      fc.asyncProperty(header, payload, async (hd, pl) => {
        let token: string;
        try {
          token = forge(attacker, hd, pl ?? null, 'ES256');
        } catch {
          return; // not JSON-encodable (e.g. undefined): nothing to send
        }
        await neverAllow(restTokenEvent(`Bearer ${token}`));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('shapes that are not compact JWS', () => {
  it('JWE compact serialization (5 parts)', async () => {
    const jwe = [b64u({ alg: 'RSA-OAEP', enc: 'A256GCM' }), b64u('k'), b64u('iv'), b64u('ct'), b64u('tag')].join('.');
    await expectDecision(a, restTokenEvent(`Bearer ${jwe}`), 'unauthorized', 'TOKEN_MALFORMED');
  });
  it('a valid token with a fourth part', async () => {
    await expectDecision(a, restTokenEvent(`Bearer ${VALID.dev}.${b64u('x')}`), 'unauthorized', 'TOKEN_MALFORMED');
  });
  it('JWS JSON serialization (general and flattened)', async () => {
    const [hp, pp, sp] = VALID.dev.split('.') as [string, string, string];
    for (const json of [{ payload: pp, signatures: [{ protected: hp, signature: sp }] }, { payload: pp, protected: hp, signature: sp }]) {
      await expectDecision(a, restTokenEvent(`Bearer ${JSON.stringify(json)}`), 'unauthorized', 'TOKEN_MALFORMED');
      await expectDecision(a, restTokenEvent(`Bearer ${b64u(json)}`), 'unauthorized', 'TOKEN_MALFORMED');
    }
  });
  it('deeply nested JSON: forged is refused, signed is handled without a crash', async () => {
    const deep = `${'['.repeat(2000)}${']'.repeat(2000)}`;
    const raw = `{"deep":${deep},${JSON.stringify(claims({ jti: 'deep' })).slice(1)}`;
    await expectDecision(a, restTokenEvent(`Bearer ${forge(attacker, h, raw)}`), 'unauthorized', 'SIGNATURE_INVALID');
    await expectDecision(a, restTokenEvent(`Bearer ${forge(key, h, raw)}`), 'allow', 'OK');
    const deepHeader = `{"x":${'{"a":'.repeat(800)}1${'}'.repeat(800)},"alg":"ES256","kid":"${key.kid}"}`;
    await expectDecision(a, restTokenEvent(`Bearer ${forge(attacker, deepHeader, claims())}`), 'unauthorized', 'SIGNATURE_INVALID');
  });
  it('8 KiB is the limit: 8,192 characters pass, 8,193 do not', async () => {
    /** A valid authorization value of exactly `total` characters (payload and header padding tuned). */
    const ofLength = (total: number): string => {
      for (let m = 0; m < 4; m++) {
        for (let n = 5700; n < 6300; n++) {
          const v = `Bearer ${forge(key, { ...h, x: 'x'.repeat(m) }, claims({ jti: 'sized', pad: 'p'.repeat(n) }))}`;
          if (v.length === total) return v;
          if (v.length > total) break;
        }
      }
      throw new Error(`no token of ${total} characters`);
    };
    const exact = ofLength(8192);
    const over = ofLength(8193);
    await expectDecision(a, restTokenEvent(exact), 'allow', 'OK');
    await expectDecision(a, restTokenEvent(over), 'unauthorized', 'TOKEN_TOO_LARGE');
    await expectDecision(a, restRequestEvent(over), 'unauthorized', 'TOKEN_TOO_LARGE');
    await expectDecision(a, httpApiEvent(over), 'unauthorized', 'TOKEN_TOO_LARGE');
  });
});
