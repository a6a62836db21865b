/**
 * Threat: a policy that grants more than the route table allows. With REPLAY_PROTECTION=off API Gateway
 * may cache the policy per token and reuse it for the token's other calls, so the policy returned for one
 * request is checked against every route and every hostile path, not only the request's own ARN.
 * Attacker: a legitimate user with some scopes who chooses methods and paths freely (including IAM
 * wildcard characters, empty segments, dot segments, encoded slashes) and claim values such as `sub`.
 * Defences: build-policy.ts (G1/G2/G3 Denies, under-grant rather than over-grant), respond.ts (exact ARN
 * fallback, Deny on 403), decide.ts governingRoute. The evaluator is iam-evaluate.ts policyAllows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config.js';
import { policyAllows, type PolicyLike } from '../../lib/iam-evaluate.js';
import { MemoryReplayStore } from '../../lib/replay-store.js';
import { HTTP_METHODS } from '../../lib/routes.js';
import { permits } from '../../lib/scopes.js';
import { ACCOUNT_PREFIX, claims, httpApiEvent, restRequestEvent, restTokenEvent, testAuthorizer, testEnv, websocketEvent } from '../helpers/fixtures.js';
import { generateKey } from '../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { classify, expectDecision, forge, requestArn } from './support.js';

const key = generateKey('ES256', 'policy-key');
let jwks: JwksServer;
beforeAll(async () => {
  jwks = await startJwksServer([key.publicJwk]);
});
afterAll(async () => jwks.close());

const h = { alg: 'ES256', kid: key.kid, typ: 'JWT' };
const token = (scope: string, extra: Record<string, unknown> = {}) => forge(key, h, claims({ scope, ...extra }));
const offEnv = () => testEnv(jwks.url, { REPLAY_PROTECTION: 'off', HTTP_API_RESPONSE: 'iam' });
const routes = parseConfig(testEnv('https://issuer.test/jwks', { REPLAY_PROTECTION: 'off' })).routes;

/** Paths API Gateway could put in an ARN: every route's shape plus hostile variants. */
const PATHS = [
  '/', '/orders', '/orders/1', '/orders/1/items', '/admin/x', '/admin/x/y/z', '/admin/status', '/health',
  '//admin', '/admin/', '/admin', '/%2Fadmin', '/orders/%2Fadmin', '/ADMIN/x', '/Admin/status', '/admin/STATUS',
  '/orders/../admin', '/orders/../admin/status', '/orders/1/admin', '/orders/1/admin/x', '/orders/1/admin/items',
  '/orders/1/2/items', '/orders/1/items/extra', '/orders/', '/orders//items', '/health/x', '/orders/1/2',
  '/orders/1/items/', '/admin/status/x', '/orders/*', '/orders/*/items', '/admin/*', '/*', '/orders/1/*', '/orders/?',
  '/orders/1/items/admin/status', '/status', '/items', '/orders/items',
];

function arnsOf(stage: string): string[] {
  const out = [`${ACCOUNT_PREFIX}/${stage}/$connect`];
  for (const m of HTTP_METHODS) for (const p of PATHS) out.push(`${ACCOUNT_PREFIX}/${stage}/${m}${p}`);
  return out;
}

/** What the route table allows for a concrete ARN of stage `stage`. */
function tableAllows(arn: string, stage: string, scopes: ReadonlySet<string>): boolean {
  const prefix = `${ACCOUNT_PREFIX}/${stage}/`;
  if (!arn.startsWith(prefix)) return false;
  const rest = arn.slice(prefix.length);
  if (rest === '$connect') {
    const r = routes.match('$connect', '/');
    return !!r && permits(r, scopes);
  }
  const slash = rest.indexOf('/');
  const route = routes.match(rest.slice(0, slash), rest.slice(slash));
  return !!route && permits(route, scopes);
}

/** Every ARN of every stage the policy allows must be allowed by the table for the request's stage. */
function overGrants(policy: PolicyLike, stage: string, scopes: ReadonlySet<string>): string[] {
  const bad: string[] = [];
  for (const s of ['dev', 'prod', '$default']) {
    for (const arn of arnsOf(s)) if (policyAllows(policy, arn) && !(s === stage && tableAllows(arn, stage, scopes))) bad.push(arn);
  }
  return bad;
}

const SCOPE_SETS = [
  '', 'orders:read', 'orders:write', 'admin', 'admin:read', 'orders:read admin:read', 'admin admin:read', 'chat',
  'orders:read orders:write admin admin:read chat',
];
/** Requests: method, path, the resource API Gateway selected (undefined: none, TOKEN events only). */
const REQUESTS: [string, string, string | undefined][] = [
  ['GET', '/orders/42', '/orders/{id}'],
  ['GET', '/orders', '/orders'],
  ['GET', '/orders/42/items', '/orders/{id}/items'],
  ['POST', '/orders', '/orders'],
  ['GET', '/admin/status', '/admin/status'],
  ['DELETE', '/admin/x/y', '/admin/{proxy+}'],
  ['GET', '/admin/status/x', '/admin/{proxy+}'],
  ['GET', '/health', '/health'],
  ['GET', '/nowhere', undefined],
  ['GET', '/orders/1/admin', undefined],
  ['GET', '/orders/../admin', undefined],
  ['GET', '/orders/*', '/orders/{id}'],
  ['GET', '/orders/*/items', '/orders/{id}/items'],
  ['GET', '/admin/*', '/admin/{proxy+}'],
  ['POST', '/admin/*', '/admin/{proxy+}'],
];

type Kind = 'rest-token' | 'rest-request' | 'http-iam';
function eventFor(kind: Kind, authz: string, method: string, path: string, resource: string | undefined): { event: unknown; stage: string } | undefined {
  if (kind === 'rest-token') return { event: restTokenEvent(authz, 'dev', method, path), stage: 'dev' };
  if (resource === undefined) return undefined;
  if (kind === 'rest-request') return { event: restRequestEvent(authz, { method, path, resource }), stage: 'dev' };
  return { event: httpApiEvent(authz, { method, path, routeKey: `${method} ${resource}` }), stage: '$default' };
}

describe('REPLAY_PROTECTION=off: the returned (cacheable) policy never over-grants', () => {
  for (const kind of ['rest-token', 'rest-request', 'http-iam'] as const) {
    for (const scope of SCOPE_SETS) {
      it(`${kind}, scopes "${scope}": every decision's policy, evaluated against every route and hostile path of every stage`, async () => {
        const a = testAuthorizer({ env: offEnv() });
        const scopes = new Set(scope.split(' ').filter(Boolean));
        const failures: string[] = [];
        for (const [method, path, resource] of REQUESTS) {
          const aud = kind === 'http-iam' ? 'api-http' : 'api-dev';
          const built = eventFor(kind, `Bearer ${token(scope, { aud })}`, method, path, resource);
          if (!built) continue;
          const result = await classify(a.invoke, built.event);
          expect(['allow', 'forbidden']).toContain(result.outcome);
          const policy = (result.response as { policyDocument: PolicyLike }).policyDocument;
          const bad = overGrants(policy, built.stage, scopes);
          if (bad.length) failures.push(`${method} ${path}: ${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ` (+${bad.length - 5})` : ''}`);
          // The request itself: allowed exactly when the table allows it (or under-granted, never more).
          if (result.outcome === 'allow') expect(tableAllows(requestArn(built.event)!, built.stage, scopes), `${method} ${path}`).toBe(true);
        }
        expect(failures).toEqual([]);
      });
    }
  }
});

describe('REPLAY_PROTECTION=single-use: the exact-ARN Allow never covers another request', () => {
  for (const kind of ['rest-token', 'rest-request'] as const) {
    it(`${kind}: every scope set and request`, async () => {
      const failures: string[] = [];
      for (const scope of SCOPE_SETS) {
        const a = testAuthorizer({ env: testEnv(jwks.url), replayStore: new MemoryReplayStore() });
        const scopes = new Set(scope.split(' ').filter(Boolean));
        for (const [method, path, resource] of REQUESTS) {
          const built = eventFor(kind, `Bearer ${token(scope)}`, method, path, resource);
          if (!built) continue;
          const result = await classify(a.invoke, built.event);
          const policy = (result.response as { policyDocument: PolicyLike }).policyDocument;
          const bad = overGrants(policy, built.stage, scopes);
          if (bad.length) failures.push(`"${scope}" ${method} ${path}: ${bad.slice(0, 3).join(', ')}`);
          const allows = policy.Statement.filter((s) => (s as { Effect: string }).Effect === 'Allow');
          for (const s of allows) expect((s as { Resource: string[] }).Resource).toEqual([requestArn(built.event)]);
        }
      }
      expect(failures).toEqual([]);
    });
  }
});

describe('path tricks are not routes', () => {
  const tricks: [string, string][] = [
    ['GET', '//admin'], ['GET', '/admin/'], ['GET', '/%2Fadmin'], ['GET', '/ADMIN/x'], ['GET', '/orders/../admin'],
    ['GET', '/orders/1/admin'], ['GET', '/orders//items'], ['GET', '/orders/'], ['GET', '/Admin/status'],
  ];
  for (const [method, path] of tricks) {
    it(`${method} ${path} with every scope is 403 and its policy allows nothing the table forbids`, async () => {
      const a = testAuthorizer({ env: offEnv() });
      const all = 'orders:read orders:write admin admin:read chat';
      const result = await expectDecision(a, restTokenEvent(`Bearer ${token(all)}`, 'dev', method, path), 'forbidden', 'ROUTE_NOT_FOUND');
      expect(overGrants((result.response as { policyDocument: PolicyLike }).policyDocument, 'dev', new Set(all.split(' ')))).toEqual([]);
    });
  }
  it('an IAM wildcard in the request path is never turned into an Allow pattern', async () => {
    for (const path of ['/orders/*', '/orders/*/items', '/admin/*', '/orders/?']) {
      for (const env of [offEnv(), testEnv(jwks.url)]) {
        const a = testAuthorizer({ env, replayStore: new MemoryReplayStore() });
        const result = await classify(a.invoke, restTokenEvent(`Bearer ${token('orders:read admin')}`, 'dev', 'GET', path));
        expect(result.outcome).toBe('forbidden');
        expect(a.output.decisions().at(-1)?.['reason']).toBe('ROUTE_NOT_FOUND');
        expect(overGrants((result.response as { policyDocument: PolicyLike }).policyDocument, 'dev', new Set(['orders:read', 'admin']))).toEqual([]);
      }
    }
  });
});

describe('hostile sub values are only the principalId', () => {
  const subs = ['a"b\'c', 'line1\nline2\r\n', 'x'.repeat(1000), 'ユーザー\u202e🔑', '*', 'arn:aws:execute-api:*', '"},{"Effect":"Allow","Resource":"*"}', '${aws:username}', '\u0000'];
  for (const sub of subs) {
    it(`sub ${JSON.stringify(sub.length > 40 ? `${sub.slice(0, 20)}…(${sub.length})` : sub)}`, async () => {
      for (const env of [offEnv(), testEnv(jwks.url)]) {
        const a = testAuthorizer({ env, replayStore: new MemoryReplayStore() });
        const benign = (await classify(a.invoke, restTokenEvent(`Bearer ${token('orders:read', { sub: 'benign' })}`))).response as Record<string, unknown>;
        const result = await expectDecision(a, restTokenEvent(`Bearer ${token('orders:read', { sub })}`), 'allow', 'OK');
        const r = result.response as { principalId: string; policyDocument: PolicyLike; context: Record<string, unknown> };
        expect(r.principalId).toBe(sub);
        expect(r.context['sub']).toBe(sub);
        expect(r.policyDocument).toEqual(benign['policyDocument']);
        const escaped = JSON.stringify(sub).slice(1, -1);
        if (!JSON.stringify(benign['policyDocument']).includes(escaped)) expect(JSON.stringify(r.policyDocument)).not.toContain(escaped);
        // A 403 also carries the sub only as principalId.
        const denied = await expectDecision(a, restTokenEvent(`Bearer ${token('orders:read', { sub })}`, 'dev', 'POST', '/orders'), 'forbidden', 'SCOPE_MISSING');
        if (!JSON.stringify(benign['policyDocument']).includes(escaped)) {
          expect(JSON.stringify((denied.response as { policyDocument: PolicyLike }).policyDocument)).not.toContain(escaped);
        }
      }
    });
  }
});

describe('context holds only verified values', () => {
  const extra = {
    email: 'someone@example.com', role: 'admin', roles: ['admin'], groups: ['admins'], 'cognito:groups': ['admins'],
    principalId: 'root', context: { admin: true }, stage: 'prod', isAuthorized: true, policyDocument: { Statement: [] },
  };
  for (const [name, build] of [
    ['REST TOKEN', (t: string) => restTokenEvent(`Bearer ${t}`)],
    ['REST REQUEST', (t: string) => restRequestEvent(`Bearer ${t}`)],
    ['HTTP API simple', (t: string) => httpApiEvent(`Bearer ${t}`)],
    ['WebSocket', (t: string) => websocketEvent(`Bearer ${t}`)],
  ] as const) {
    it(`${name}: exactly sub, scope, jti, stage, exp, tokenType`, async () => {
      const a = testAuthorizer({ env: testEnv(jwks.url), replayStore: new MemoryReplayStore() });
      const aud = name === 'HTTP API simple' ? 'api-http' : 'api-dev';
      const scope = name === 'WebSocket' ? 'chat' : 'orders:read';
      const c = claims({ ...extra, aud, scope });
      const result = await expectDecision(a, build(forge(key, h, c)), 'allow', 'OK');
      const context = (result.response as { context: Record<string, unknown> }).context;
      expect(Object.keys(context).sort()).toEqual(['exp', 'jti', 'scope', 'stage', 'sub', 'tokenType']);
      expect(context).toEqual({ sub: c['sub'], scope, jti: c['jti'], stage: name === 'HTTP API simple' ? '$default' : 'dev', exp: c['exp'], tokenType: 'Bearer' });
      expect(Object.keys(result.response as object).sort()).toEqual(name === 'HTTP API simple' ? ['context', 'isAuthorized'] : ['context', 'policyDocument', 'principalId']);
    });
  }
  it('a 403 carries no context at all', async () => {
    const a = testAuthorizer({ env: testEnv(jwks.url), replayStore: new MemoryReplayStore() });
    const result = await expectDecision(a, restTokenEvent(`Bearer ${token('other', extra)}`), 'forbidden', 'SCOPE_MISSING');
    expect((result.response as Record<string, unknown>)['context']).toBeUndefined();
    const simple = await expectDecision(a, httpApiEvent(`Bearer ${token('other', { ...extra, aud: 'api-http' })}`), 'forbidden', 'SCOPE_MISSING');
    expect(simple.response).toEqual({ isAuthorized: false, context: {} });
  });
});
