/**
 * End to end (design §11): the table generated from a document, given to the authorizer, decides each
 * operation exactly as the document says. Every operation is called through the handler with a token
 * holding its scopes (allowed), with each scope missing in turn (403 SCOPE_MISSING), and public
 * operations, which have no entry, are refused if the authorizer is ever put in front of them (403
 * ROUTE_NOT_FOUND). REST TOKEN events exercise the most-specific match, REST REQUEST and HTTP API
 * events the route API Gateway selected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryReplayStore } from '../../lib/replay-store.js';
import { generateKey, signToken } from '../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { claims, httpApiEvent, restRequestEvent, restTokenEvent, testAuthorizer, testEnv } from '../helpers/fixtures.js';
import { expectDecision } from '../security/support.js';
import { EXAMPLE, fixture, routes } from '../tools/support.js';

/** What each document says, written by hand from the document: method, a concrete path, its template, scopes or public. */
type Call = readonly [method: string, path: string, resource: string, scopes: readonly string[] | 'public'];
const DOCUMENTS: readonly (readonly [string, readonly Call[]])[] = [
  [EXAMPLE, [
    ['GET', '/orders', '/orders', ['orders:read']],
    ['POST', '/orders', '/orders', ['orders:write']],
    ['GET', '/orders/42', '/orders/{id}', ['orders:read']],
    ['DELETE', '/admin/users/9', '/admin/{proxy+}', ['admin']],
    ['GET', '/admin/report', '/admin/{proxy+}', ['admin']],
    ['GET', '/health', '/health', []],
  ]],
  [fixture('clean-30.yaml'), [
    ['GET', '/products', '/products', ['shop:read']],
    ['POST', '/products', '/products', ['shop:write']],
    ['GET', '/products/abc', '/products/{sku}', ['shop:read']],
    ['DELETE', '/products/abc', '/products/{sku}', ['shop:write', 'shop:delete']],
    ['GET', '/status', '/status', 'public'],
  ]],
  [fixture('clean-31.json'), [
    ['GET', '/', '/', ['widgets:read']],
    ['GET', '/widgets/1', '/widgets/{id}', ['widgets:read']],
    ['PUT', '/widgets/1', '/widgets/{id}', ['widgets:write']],
    ['PATCH', '/files/a/b.txt', '/files/{proxy+}', ['files:rw']],
    ['GET', '/openapi.json', '/openapi.json', 'public'],
  ]],
];

const key = generateKey('ES256');
let jwks: JwksServer;
beforeAll(async () => {
  jwks = await startJwksServer([key.publicJwk]);
});
afterAll(async () => {
  await jwks.close();
});

const token = (scope: readonly string[], aud = 'api-dev') => `Bearer ${signToken(key, { payload: claims({ scope: scope.join(' '), aud }) })}`;

describe.each(DOCUMENTS)('the table generated from %s', (document, calls) => {
  let table: string;
  beforeAll(async () => {
    const out = await routes(document);
    expect(out.code).toBe(0);
    table = JSON.stringify(JSON.parse(out.stdout));
  });
  const authorizer = () => testAuthorizer({ env: testEnv(jwks.url, { ROUTE_PERMISSIONS: table }), replayStore: new MemoryReplayStore() });
  // A fresh token per event (each is single-use). HTTP API events come in on the $default stage,
  // whose audience is api-http in the test environment.
  const eventsFor = (scopes: readonly string[], [method, path, resource]: Call) => [
    restTokenEvent(token(scopes), 'dev', method, path),
    restRequestEvent(token(scopes), { method, path, resource }),
    httpApiEvent(token(scopes, 'api-http'), { method, path, routeKey: `${method} ${resource}` }),
  ];

  it.each(calls.filter((c) => c[3] !== 'public'))('%s %s (%s) is allowed with exactly its scopes', async (...call) => {
    const auth = authorizer();
    for (const event of eventsFor(call[3] as string[], call)) await expectDecision(auth, event, 'allow');
  });

  it.each(calls.filter((c) => c[3] !== 'public' && c[3].length > 0))('%s %s (%s) is refused with any one scope missing', async (...call) => {
    const auth = authorizer();
    const scopes = call[3] as string[];
    for (const missing of scopes) {
      const others = [...scopes.filter((s) => s !== missing), 'unrelated:scope'];
      for (const event of eventsFor(others, call)) await expectDecision(auth, event, 'forbidden', 'SCOPE_MISSING');
    }
  });

  it.each(calls.filter((c) => c[3] === 'public'))('%s %s (%s) is public: no entry, so the authorizer refuses it', async (...call) => {
    const auth = authorizer();
    expect(JSON.parse(table).some((e: { route: string }) => e.route === `${call[0]} ${call[2]}`)).toBe(false);
    // Even a token holding every scope of the document: the authorizer was never meant to be in front of it.
    const all = [...new Set(calls.flatMap((c) => (c[3] === 'public' ? [] : c[3])))];
    for (const event of eventsFor(all, call).slice(0, 2)) await expectDecision(auth, event, 'forbidden', 'ROUTE_NOT_FOUND');
  });
});
