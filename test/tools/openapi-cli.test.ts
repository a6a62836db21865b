/** The `npm run routes` command line: exit codes, --out, --check formats (text, json, SARIF 2.1.0). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RULES } from '../../tools/openapi/findings.js';
import { EXAMPLE, fixture, ROOT, routes } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'routes-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('exit codes', () => {
  it('0 for a clean --check, 1 when an error finding remains, 0 when only warnings remain, 2 for bad usage', async () => {
    expect((await routes('--check', fixture('clean-30.yaml'))).code).toBe(0);
    expect((await routes('--check', fixture('findings.yaml'))).code).toBe(1);
    expect((await routes('--check', fixture('clean-30.yaml'), '--table', fixture('stale-table.json'))).code).toBe(1);
    const warningsOnly = await routes('--check', fixture('two-authorizers.yaml'), '--scheme', 'first');
    expect(warningsOnly.stdout).toMatch(/other-scheme-only/);
    expect(warningsOnly.code).toBe(0);
    for (const args of [[], ['a.yaml', 'b.yaml'], [EXAMPLE, '--format', 'sarif'], [EXAMPLE, '--check', '--format', 'xml'], [EXAMPLE, '--nope']]) {
      const out = await routes(...args);
      expect(out.code, args.join(' ')).toBe(2);
      expect(out.stderr).toMatch(/Usage: npm run routes/);
    }
    expect((await routes('--help')).code).toBe(0);
  });

  it('runs as npm run routes does (tsx entry point), with the exit code of --check', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'tools/openapi/cli.ts'), ...args], { cwd: ROOT, encoding: 'utf8' });
    const failing = run('--check', 'test/fixtures/openapi/findings.yaml');
    expect(failing.status).toBe(1);
    expect(failing.stdout).toMatch(/test\/fixtures\/openapi\/findings.yaml:6:5 {2}error {4}no-security {2}GET \/open/);
    const ok = run('examples/orders-api.yaml');
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toContainEqual({ route: 'GET /orders/{id}', scopes: ['orders:read'] });
  });
});

describe('--out', () => {
  it('writes the table to the file (also with --check, whose stdout is then the findings)', async () => {
    const out = join(dir, 'routes.json');
    const plain = await routes(fixture('clean-30.yaml'), '--out', out);
    expect(plain.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(fixture('clean-30.expected.json'), 'utf8'));
    const checked = join(dir, 'checked.json');
    const run = await routes('--check', fixture('findings.yaml'), '--out', checked);
    expect(run.code).toBe(1);
    expect(JSON.parse(readFileSync(checked, 'utf8'))).toContainEqual({ route: 'GET /ping', scopes: [] });
  });
});

describe('--format', () => {
  it('text: each finding with place, severity, rule, operation, pointer and fix; a summary line', async () => {
    const { stdout } = await routes('--check', fixture('findings.yaml'));
    expect(stdout).toContain('findings.yaml:6:5  error    no-security  GET /open');
    expect(stdout).toContain('  pointer: /paths/~1open/get');
    expect(stdout).toMatch(/ {2}fix: Add `security: \[\{ jwt: \[<scope>\] \}\]`/);
    expect(stdout).toContain('  see also: GET /things/{id}');
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('7 errors, 4 warnings');
  });

  it('json: the table and the findings', async () => {
    const { stdout, code } = await routes('--check', '--format', 'json', fixture('findings.yaml'));
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { scheme: string; routePermissions: unknown[]; findings: { rule: string; severity: string; pointer: string; operation: string; fix: string }[] };
    expect(report.scheme).toBe('jwt');
    expect(report.routePermissions).toContainEqual({ route: 'POST /records', scopes: ['x:read'] });
    expect(report.findings).toHaveLength(11);
    expect(report.findings[0]).toMatchObject({ rule: 'no-security', severity: 'error', operation: 'GET /open', pointer: '/paths/~1open/get' });
  });

  it('sarif: a SARIF 2.1.0 log with rules, results, levels, file locations with lines, and pointers', async () => {
    const { stdout, code } = await routes('--check', '--format', 'sarif', fixture('findings.yaml'));
    expect(code).toBe(1);
    const log = JSON.parse(stdout);
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    expect(log.runs).toHaveLength(1);
    const run = log.runs[0];
    expect(run.tool.driver.name).toBe('apigw-jwt-authorizer-openapi');
    const ruleIds = run.tool.driver.rules.map((r: { id: string }) => r.id);
    expect(ruleIds).toEqual(Object.keys(RULES));
    for (const rule of run.tool.driver.rules) {
      expect(rule.shortDescription.text).toBeTruthy();
      expect(['error', 'warning']).toContain(rule.defaultConfiguration.level);
    }
    expect(run.results).toHaveLength(11);
    for (const result of run.results) {
      expect(ruleIds).toContain(result.ruleId);
      expect(run.tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
      expect(['error', 'warning']).toContain(result.level);
      expect(result.message.text).toMatch(/Fix: /);
      const [loc] = result.locations;
      // A repository-relative URI, as code scanning needs.
      expect(loc.physicalLocation.artifactLocation.uri).toBe('test/fixtures/openapi/findings.yaml');
      expect(loc.physicalLocation.region.startLine).toBeGreaterThan(1);
      expect(loc.logicalLocations[0].fullyQualifiedName).toMatch(/^\/paths\//);
    }
    const noSecurity = run.results.find((r: { ruleId: string }) => r.ruleId === 'no-security');
    expect(noSecurity.level).toBe('error');
    expect(noSecurity.locations[0].physicalLocation.region).toEqual({ startLine: 6, startColumn: 5 });
    const conflict = run.results.find((r: { ruleId: string }) => r.ruleId === 'route-conflict');
    expect(conflict.relatedLocations[0].physicalLocation.region.startLine).toBe(29);
  });

  it('sarif of a clean document has the rules and no results', async () => {
    const { stdout, code } = await routes('--check', '--format', 'sarif', EXAMPLE);
    expect(code).toBe(0);
    const log = JSON.parse(stdout);
    expect(log.runs[0].results).toEqual([]);
    expect(log.runs[0].tool.driver.rules.length).toBe(Object.keys(RULES).length);
  });

  it('sarif locates findings in a JSON document and in the --table file', async () => {
    const { stdout } = await routes('--check', '--format', 'sarif', fixture('clean-30.yaml'), '--table', fixture('stale-table.json'));
    const results = JSON.parse(stdout).runs[0].results as { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[];
    const unused = results.find((r) => r.ruleId === 'table-unused-entry')!;
    expect(unused.locations[0]!.physicalLocation.artifactLocation.uri).toBe('test/fixtures/openapi/stale-table.json');
    expect(unused.locations[0]!.physicalLocation.region.startLine).toBe(5);
  });
});
