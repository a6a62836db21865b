/**
 * The linter (design §11): every finding kind triggered exactly once by a document made for it, none
 * on clean documents, errors that cannot be ignored, and the overlap rule of §2.1 on its own.
 */
import { describe, expect, it } from 'vitest';
import { parseRouteKey } from '../../lib/routes.js';
import { analyzeOpenApi, hasErrors } from '../../tools/openapi/analyze.js';
import { RULES, type RuleId } from '../../tools/openapi/findings.js';
import { canOverlap } from '../../tools/openapi/lint-routes.js';
import { parseTable } from '../../tools/openapi/lint-table.js';
import { loadOpenApi } from '../../tools/openapi/load.js';
import { readFileSync } from 'node:fs';
import { EXAMPLE, fixture } from './support.js';

const analyze = async (name: string, opts: { scheme?: string; table?: string } = {}) =>
  analyzeOpenApi(await loadOpenApi(name.includes('/') ? name : fixture(name)), {
    scheme: opts.scheme,
    table: opts.table ? parseTable(fixture(opts.table), readFileSync(fixture(opts.table), 'utf8')) : undefined,
  });

const TABLE_RULES: RuleId[] = ['table-unused-entry', 'table-missing-route', 'table-scopes-differ'];

describe('each finding kind', () => {
  it('is triggered exactly once by findings.yaml, at its operation, with a pointer and a fix', async () => {
    const { findings } = await analyze('findings.yaml');
    const expected = (Object.keys(RULES) as RuleId[]).filter((r) => !TABLE_RULES.includes(r));
    expect(findings.map((f) => f.rule).sort()).toEqual([...expected].sort());
    const at = Object.fromEntries(findings.map((f) => [f.rule, f]));
    expect(at['no-security']).toMatchObject({ severity: 'error', operation: 'GET /open', pointer: '/paths/~1open/get' });
    expect(at['optional-auth']).toMatchObject({ severity: 'error', operation: 'GET /optional', pointer: '/paths/~1optional/get/security' });
    expect(at['unknown-scheme']).toMatchObject({ severity: 'error', operation: 'GET /unknown', message: expect.stringContaining('"nope"') });
    expect(at['scope-alternatives']).toMatchObject({ severity: 'error', operation: 'GET /alternatives' });
    expect(at['undeclared-scope']).toMatchObject({ severity: 'error', operation: 'GET /undeclared', message: expect.stringContaining('"a:write"') });
    expect(at['invalid-route']).toMatchObject({ severity: 'error', operation: 'GET /files/{name}.json' });
    // Both operations of the conflict are named.
    expect(at['route-conflict']).toMatchObject({ severity: 'error', operation: 'GET /{kind}/special', pointer: '/paths/~1{kind}~1special/get' });
    expect(at['route-conflict']!.related).toEqual([expect.objectContaining({ operation: 'GET /things/{id}', pointer: '/paths/~1things~1{id}/get' })]);
    expect(at['write-weaker-than-read']).toMatchObject({ severity: 'warning', operation: 'POST /records' });
    expect(at['admin-path-unscoped']).toMatchObject({ severity: 'warning', operation: 'GET /internal/metrics' });
    expect(at['empty-scopes']).toMatchObject({ severity: 'warning', operation: 'GET /ping' });
    expect(at['other-scheme-only']).toMatchObject({ severity: 'warning', operation: 'GET /partner' });
    for (const f of findings) {
      expect(f.severity).toBe(RULES[f.rule].severity);
      expect(f.pointer).toMatch(/^\/paths\//);
      expect(f.message.length).toBeGreaterThan(10);
      expect(f.fix.length).toBeGreaterThan(10);
      expect(f.message).not.toContain('\n');
    }
  });

  it('of the --table comparison is triggered exactly once by stale-table.json; $connect is not "unused"', async () => {
    const { findings } = await analyze('clean-30.yaml', { table: 'stale-table.json' });
    expect(findings.map((f) => f.rule).sort()).toEqual([...TABLE_RULES].sort());
    const at = Object.fromEntries(findings.map((f) => [f.rule, f]));
    expect(at['table-unused-entry']).toMatchObject({ severity: 'error', operation: 'GET /orders', pointer: '/3', file: fixture('stale-table.json') });
    expect(at['table-missing-route']).toMatchObject({ severity: 'error', operation: 'DELETE /products/{sku}' });
    // The table grants POST /products to any token while the document needs shop:write: an error.
    expect(at['table-scopes-differ']).toMatchObject({ severity: 'error', operation: 'POST /products', pointer: '/1' });
  });

  it('table-scopes-differ is a warning when the table only asks for more', async () => {
    const loaded = await loadOpenApi(fixture('clean-30.yaml'));
    const table = parseTable('t.json', JSON.stringify([
      { route: 'GET /products', scopes: ['shop:read', 'extra'] },
      { route: 'POST /products', scopes: ['shop:write'] },
      { route: 'GET /products/{sku}', scopes: ['shop:read'] },
      { route: 'DELETE /products/{sku}', scopes: ['shop:write', 'shop:delete'] },
    ]));
    const { findings } = analyzeOpenApi(loaded, { table });
    expect(findings).toEqual([expect.objectContaining({ rule: 'table-scopes-differ', severity: 'warning', operation: 'GET /products' })]);
  });

  it('is absent on clean documents and on the demo API', async () => {
    for (const [name, scheme] of [['clean-30.yaml'], ['clean-31.json'], ['oauth-31.yaml', 'oauth'], [EXAMPLE]] as const) {
      const a = await analyze(name, { scheme });
      expect(a.findings, name).toEqual([]);
    }
  });
});

describe('root-level security', () => {
  it('security: [] or [{}] at the root declares nothing: only an operation\'s own security: [] is public', async () => {
    for (const root of [[], [{}]]) {
      const loaded = await loadOpenApi(fixture('clean-30.yaml'));
      const doc = loaded.document as Record<string, unknown>;
      doc['security'] = root;
      const { findings, routes } = analyzeOpenApi(loaded);
      // GET /products and GET /products/{sku} relied on the root: now unprotected, and reported.
      expect(findings.map((f) => [f.rule, f.operation])).toEqual([
        ['no-security', 'GET /products'],
        ['no-security', 'GET /products/{sku}'],
      ]);
      expect(routes.map((r) => r.route)).toEqual(['POST /products', 'DELETE /products/{sku}']);
    }
  });

  it('a root-level alternative {} makes every operation that inherits it optional-auth', async () => {
    const loaded = await loadOpenApi(fixture('clean-30.yaml'));
    (loaded.document as Record<string, unknown>)['security'] = [{ lambda: ['shop:read'] }, {}];
    const { findings } = analyzeOpenApi(loaded);
    expect(findings.map((f) => [f.rule, f.operation, f.pointer])).toEqual([
      ['optional-auth', 'GET /products', '/security'],
      ['optional-auth', 'GET /products/{sku}', '/security'],
    ]);
  });
});

describe('x-authorizer-lint-ignore', () => {
  it('ignores the warnings it names and never an error', async () => {
    const demo = await analyze(EXAMPLE);
    expect(demo.suppressed.map((f) => [f.rule, f.operation])).toEqual([['empty-scopes', 'GET /health']]);
    const loaded = await loadOpenApi(fixture('findings.yaml'));
    const ops = (loaded.document['paths'] as Record<string, Record<string, Record<string, unknown>>>);
    ops['/open']!['get']!['x-authorizer-lint-ignore'] = ['no-security'];
    ops['/ping']!['get']!['x-authorizer-lint-ignore'] = ['empty-scopes'];
    const a = analyzeOpenApi(loaded);
    expect(a.findings.some((f) => f.rule === 'no-security')).toBe(true);
    expect(a.findings.some((f) => f.rule === 'empty-scopes')).toBe(false);
    expect(hasErrors(a.findings)).toBe(true);
  });
});

describe('overlapping templates (design §2.1)', () => {
  const seg = (path: string) => parseRouteKey(`GET ${path}`).segments;
  it.each([
    ['/orders/{id}', '/{kind}/items', true],
    ['/a/{proxy+}', '/a/b/c', true],
    ['/{proxy+}', '/x/{proxy+}', true],
    ['/a/{proxy+}', '/a', false],
    ['/{proxy+}', '/', false],
    ['/orders/{id}', '/orders/{id}/items', false],
    ['/a/b', '/a/c', false],
  ])('%s and %s overlap: %s', (a, b, expected) => {
    expect(canOverlap(seg(a), seg(b))).toBe(expected);
    expect(canOverlap(seg(b), seg(a))).toBe(expected);
  });

  it('flags crossed templates but not a template more specific in every segment, nor GET beside ANY of one shape', async () => {
    const loaded = await loadOpenApi(fixture('clean-30.yaml'));
    const doc = loaded.document as { paths: Record<string, unknown> };
    const op = (scopes: string[]) => ({ security: [{ lambda: scopes }], responses: { '200': { description: 'x' } } });
    doc.paths = {
      '/a/{proxy+}': { 'x-amazon-apigateway-any-method': op(['p']) },
      '/a/b/{id}': { get: op(['q']) },
      '/a/b/c': { get: op(['r']), 'x-amazon-apigateway-any-method': op(['s']) },
      '/{x}/b/c': { get: op(['t']) },
    };
    const { findings } = analyzeOpenApi(loaded);
    const conflicts = findings.filter((f) => f.rule === 'route-conflict').map((f) => [f.operation, f.related?.[0]?.operation]);
    // /{x}/b/c crosses /a/{proxy+} (/a/b/c matches both; literal a vs {x}, {proxy+} vs b) and /a/b/{id}; /a/b/c dominates it.
    expect(conflicts).toEqual([
      ['GET /{x}/b/c', 'ANY /a/{proxy+}'],
      ['GET /{x}/b/c', 'GET /a/b/{id}'],
    ]);
  });

  it('flags one route declared twice under different parameter names, and the table requires both scope sets', async () => {
    const loaded = await loadOpenApi(fixture('clean-30.yaml'));
    const doc = loaded.document as { paths: Record<string, unknown> };
    const op = (scopes: string[]) => ({ security: [{ lambda: scopes }], responses: { '200': { description: 'x' } } });
    doc.paths = { '/o/{id}': { get: op(['a']) }, '/o/{orderId}': { get: op(['b']) } };
    const { findings, routes } = analyzeOpenApi(loaded);
    expect(findings.map((f) => f.rule)).toEqual(['route-conflict']);
    expect(findings[0]!.message).toMatch(/same shape/);
    expect(routes).toEqual([{ route: 'GET /o/{id}', scopes: ['a', 'b'] }]);
  });
});
