/**
 * The policy property of design §4, checked with fast-check over random route tables, scopes and paths:
 * evaluating the returned policy as API Gateway would never allows what the route table denies (for any
 * route, not only the one that produced the policy), and allows exactly what the table allows wherever
 * IAM patterns can express it (routes not reported as under-granted).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { policyDocument, routePolicy } from '../../lib/build-policy.js';
import { policyAllows } from '../../lib/iam-evaluate.js';
import { buildRouteTable, HTTP_METHODS, shapeOf, type RouteTable } from '../../lib/routes.js';
import { permits } from '../../lib/scopes.js';
import { parseConfig } from '../../lib/config.js';
import { respond } from '../../lib/respond.js';
import { RoutePolicyCache } from '../../lib/build-policy.js';
import type { Decision } from '../../lib/decide.js';
import { parseExecuteApiArn } from '../../lib/parse-arn.js';

const PREFIX = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/dev/';
const LITERALS = ['a', 'b', 'items', 'admin'];
const SCOPES = ['s1', 's2', 's3'];

const segment = fc.oneof(fc.constantFrom(...LITERALS), fc.constant('{p}'));
const routeKey = fc
  .tuple(fc.constantFrom('GET', 'POST', 'ANY', 'DELETE'), fc.array(segment, { maxLength: 3 }), fc.boolean())
  .map(([method, segs, proxy]) => `${method} /${[...segs, ...(proxy ? ['{proxy+}'] : [])].join('/')}`);
const entry = fc.record({ route: routeKey, scopes: fc.subarray(SCOPES, { maxLength: 2 }) });
const table = fc
  .uniqueArray(entry, {
    minLength: 1,
    maxLength: 7,
    selector: (e) => {
      const [method, path] = e.route.split(' ') as [string, string];
      return shapeOf(method, path === '/' ? [] : path.slice(1).split('/').map((s) => (s === '{proxy+}' ? { kind: 'proxy' as const } : s.startsWith('{') ? { kind: 'param' as const } : { kind: 'literal' as const, value: s })));
    },
  })
  .map((entries) => buildRouteTable(entries));
const scopes = fc.subarray(SCOPES).map((s) => new Set(s) as ReadonlySet<string>);
const pathSegments = fc.array(fc.constantFrom(...LITERALS, 'x', 'y', ''), { maxLength: 5 });
const probe = fc.record({ method: fc.constantFrom(...HTTP_METHODS), segs: pathSegments });

function tableAllows(t: RouteTable, s: ReadonlySet<string>, method: string, path: string): boolean {
  const route = t.match(method, path);
  return route !== undefined && permits(route, s);
}

const pathOf = (segs: readonly string[]) => `/${segs.join('/')}`;

/** Probes: random paths plus every template instantiated, so allowed requests are common. */
function probes(t: RouteTable, random: readonly { method: string; segs: string[] }[]) {
  const out = random.map((p) => ({ method: p.method, path: pathOf(p.segs) }));
  for (const r of t.routes) {
    if (r.method === '$connect') continue;
    const segs = r.segments.map((s) => (s.kind === 'literal' ? s.value : 'x'));
    for (const m of r.method === 'ANY' ? HTTP_METHODS : [r.method]) {
      out.push({ method: m, path: pathOf(segs) });
      out.push({ method: m, path: pathOf([...segs, 'items']) });
      out.push({ method: m, path: pathOf([...segs, 'y', 'admin']) });
    }
  }
  return out;
}

describe('replay-off policy', () => {
  it('never allows what the route table denies, and allows what it allows where expressible', () => {
    fc.assert(
      fc.property(table, scopes, fc.array(probe, { maxLength: 25 }), (t, s, random) => {
        const rp = routePolicy(t, s);
        const doc = policyDocument(PREFIX, rp.allow, rp.deny);
        for (const { method, path } of probes(t, random)) {
          const arn = `${PREFIX}${method}${path}`;
          const allowedByPolicy = policyAllows(doc, arn);
          const allowedByTable = tableAllows(t, s, method, path);
          if (allowedByPolicy && !allowedByTable) {
            throw new Error(`over-grant: ${method} ${path} with [${[...s]}] on ${t.routes.map((r) => r.key).join(', ')}`);
          }
          const route = t.match(method, path);
          if (allowedByTable && !rp.underGranted.includes(route!.key) && !allowedByPolicy) {
            throw new Error(`under-grant not reported: ${method} ${path} (${route!.key})`);
          }
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('the handler response for an allowed request never over-grants on any other route', () => {
    fc.assert(
      fc.property(table, scopes, probe, fc.array(probe, { maxLength: 15 }), (t, s, req, random) => {
        const config = { ...parseConfig({ JWT_ISSUER: 'https://i.test', AUDIENCE_BY_STAGE: '{"dev":"a"}', ROUTE_PERMISSIONS: '[{"route":"GET /","scopes":[]}]', REPLAY_PROTECTION: 'off' }), routes: t };
        const path = pathOf(req.segs);
        const route = t.match(req.method, path);
        const allowed = route !== undefined && permits(route, s);
        const arn = parseExecuteApiArn(`${PREFIX}${req.method}${path}`);
        const decision: Decision = {
          allowed,
          error: undefined,
          request: { kind: 'rest-token', arn, selectedResource: undefined, requestId: undefined, stageConsistent: true },
          token: { sub: 'u', jti: 'j', iss: 'https://i.test', exp: 2, iat: 1, payload: {}, kid: undefined, alg: 'ES256' },
          scopes: s,
          route,
          kid: undefined,
          replayKey: undefined,
        };
        if (!allowed) return;
        const response = respond(decision, config, new RoutePolicyCache(t)) as { policyDocument: Parameters<typeof policyAllows>[0] };
        expect(policyAllows(response.policyDocument, arn.arn)).toBe(true);
        for (const p of probes(t, random)) {
          const other = `${PREFIX}${p.method}${p.path}`;
          if (policyAllows(response.policyDocument, other)) expect(tableAllows(t, s, p.method, p.path)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('states the example of design §4 exactly: an {id} Allow with a forbidden deeper route', () => {
    const t = buildRouteTable([
      { route: 'GET /orders/{id}', scopes: ['read'] },
      { route: 'GET /orders/{id}/secret', scopes: ['admin'] },
      { route: 'GET /orders/admin', scopes: ['admin'] },
    ]);
    const rp = routePolicy(t, new Set(['read']));
    const doc = policyDocument(PREFIX, rp.allow, rp.deny);
    expect(policyAllows(doc, `${PREFIX}GET/orders/42`)).toBe(true);
    expect(policyAllows(doc, `${PREFIX}GET/orders/42/secret`)).toBe(false);
    expect(policyAllows(doc, `${PREFIX}GET/orders/admin`)).toBe(false);
    expect(policyAllows(doc, `${PREFIX}GET/orders/`)).toBe(false);
    expect(policyAllows(doc, `${PREFIX}GET/orders/1/2`)).toBe(false);
    expect(policyAllows(doc, `${PREFIX}POST/orders/42`)).toBe(false);
    expect(rp.underGranted).toEqual([]);
  });

  it('reports routes it cannot express instead of over-granting', () => {
    const t = buildRouteTable([
      { route: 'GET /orders/{id}', scopes: ['read'] },
      { route: 'GET /orders/{id}/items', scopes: ['read'] },
    ]);
    const rp = routePolicy(t, new Set(['read']));
    const doc = policyDocument(PREFIX, rp.allow, rp.deny);
    expect(policyAllows(doc, `${PREFIX}GET/orders/1/other`)).toBe(false);
    expect(rp.underGranted).toEqual(['GET /orders/{id}/items']);
  });
});
