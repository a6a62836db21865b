/**
 * Golden tests of the generated ROUTE_PERMISSIONS (design §11): 3.0 and 3.1, YAML and JSON, $refs
 * across components (a path item included), root-level security with operation overrides, public
 * operations, scheme selection; and the synchronous loader the CDK construct uses gives the same.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildRouteTable } from '../../lib/routes.js';
import { analyzeOpenApi } from '../../tools/openapi/analyze.js';
import { loadOpenApi } from '../../tools/openapi/load.js';
import { loadOpenApiSync } from '../../tools/openapi/load-sync.js';
import { DEMO_ROUTES } from '../../cdk/routes.js';
import { EXAMPLE, fixture, routes } from './support.js';

const golden = (name: string) => readFileSync(fixture(name), 'utf8');

describe('npm run routes prints the table', () => {
  it.each([
    ['clean-30.yaml', 'clean-30.expected.json', []],
    ['clean-31.json', 'clean-31.expected.json', []],
    ['oauth-31.yaml', 'oauth-31.expected.json', ['--scheme', 'oauth']],
  ])('%s', async (doc, expected, extra) => {
    const out = await routes(fixture(doc), ...extra);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(golden(expected));
    // Always a table the authorizer accepts.
    expect(() => buildRouteTable(JSON.parse(out.stdout))).not.toThrow();
  });

  it('applies root security, operation overrides, security: [] (no entry) and a path item $ref', async () => {
    const table = JSON.parse((await routes(fixture('clean-30.yaml'))).stdout) as { route: string; scopes: string[] }[];
    expect(table.find((e) => e.route === 'GET /products')?.scopes).toEqual(['shop:read']); // from the root
    expect(table.find((e) => e.route === 'POST /products')?.scopes).toEqual(['shop:write']); // overridden
    expect(table.some((e) => e.route.endsWith(' /status'))).toBe(false); // public
    const t31 = JSON.parse((await routes(fixture('clean-31.json'))).stdout) as { route: string }[];
    expect(t31.map((e) => e.route)).toContain('PUT /widgets/{id}'); // components/pathItems via $ref
    expect(t31.map((e) => e.route)).toContain('ANY /files/{proxy+}'); // x-amazon-apigateway-any-method, {proxy+} kept
    expect(t31.some((e) => e.route.includes('openapi.json'))).toBe(false);
  });

  it('prints the table even when the document has error findings, and says so on stderr', async () => {
    const out = await routes(fixture('findings.yaml'));
    expect(out.code).toBe(0);
    const table = JSON.parse(out.stdout) as { route: string; scopes: string[] }[];
    expect(() => buildRouteTable(table)).not.toThrow();
    expect(table.some((e) => e.route === 'GET /open')).toBe(false); // unprotected: no entry
    expect(table.some((e) => e.route.includes('{name}.json'))).toBe(false); // not a §2.1 template: no entry
    // OR of scopes cannot be expressed: the entry requires all of them (fails closed).
    expect(table.find((e) => e.route === 'GET /alternatives')?.scopes).toEqual(['x:read', 'x:write']);
    expect(out.stderr).toMatch(/7 error\(s\), 4 warning\(s\).*--check/);
  });

  it('never puts the servers base path in front of a route', async () => {
    const table = JSON.parse((await routes(EXAMPLE)).stdout) as { route: string }[];
    for (const e of table) expect(e.route).toMatch(/^[A-Z]+ \/(orders|admin|health)/);
  });

  it('picks the scheme: --scheme, else the one with x-amazon-apigateway-authorizer; none or several is exit 2', async () => {
    const two = await routes(fixture('two-authorizers.yaml'));
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/several security schemes have x-amazon-apigateway-authorizer \(first, second\); choose one with --scheme/);
    expect(JSON.parse((await routes(fixture('two-authorizers.yaml'), '--scheme', 'second')).stdout)).toEqual([{ route: 'GET /b', scopes: ['b:read'] }]);
    const none = await routes(fixture('oauth-31.yaml'));
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no security scheme has x-amazon-apigateway-authorizer; name the authorizer's scheme with --scheme \(found: oauth\)/);
    const unknown = await routes(fixture('clean-30.yaml'), '--scheme', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no security scheme "nope"/);
  });

  it('refuses Swagger 2.0, unreadable files and invalid OpenAPI with exit 2 and no table', async () => {
    for (const [file, message] of [
      [fixture('swagger-2.yaml'), /only OpenAPI 3.0 and 3.1/],
      [fixture('missing.yaml'), /cannot read .*ENOENT/],
      [fixture('stale-table.json'), /not a valid OpenAPI document/],
    ] as const) {
      const out = await routes(file);
      expect(out.code, file).toBe(2);
      expect(out.stdout).toBe('');
      expect(out.stderr).toMatch(message);
    }
  });
});

describe('the demo API document', () => {
  it('generates the demo table (the CDK app and the local stack use it), plus the WebSocket $connect entry', async () => {
    const table = JSON.parse((await routes(EXAMPLE)).stdout);
    expect([...table, { route: '$connect', scopes: ['orders:read'] }]).toEqual(DEMO_ROUTES);
    expect(table).toEqual([
      { route: 'ANY /admin/{proxy+}', scopes: ['admin'] },
      { route: 'GET /health', scopes: [] },
      { route: 'GET /orders', scopes: ['orders:read'] },
      { route: 'POST /orders', scopes: ['orders:write'] },
      { route: 'GET /orders/{id}', scopes: ['orders:read'] },
    ]);
  });

  it('is clean under --check (exit 0)', async () => {
    const out = await routes('--check', EXAMPLE);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/0 errors, 0 warnings, 1 ignored/);
  });
});

describe('the synchronous loader (CDK synth) agrees with Swagger Parser', () => {
  it.each([['clean-30.yaml'], ['clean-31.json'], ['findings.yaml'], ['two-authorizers.yaml']])('%s', async (name) => {
    const scheme = name === 'two-authorizers.yaml' ? 'first' : undefined;
    const viaParser = analyzeOpenApi(await loadOpenApi(fixture(name)), { scheme });
    const viaSync = analyzeOpenApi(loadOpenApiSync(fixture(name)), { scheme });
    expect(viaSync.routes).toEqual(viaParser.routes);
    expect(viaSync.findings).toEqual(viaParser.findings);
  });

  it('refuses a $ref to another file rather than guess, and a dangling local $ref', () => {
    const dir = fixture('');
    expect(() => loadOpenApiSync(`${dir}/sync-external-ref.yaml`)).toThrow(/has \$ref "other.yaml#\/Items" to another file; only local references/);
    expect(() => loadOpenApiSync(`${dir}/sync-dangling-ref.yaml`)).toThrow(/points to nothing/);
  });
});
