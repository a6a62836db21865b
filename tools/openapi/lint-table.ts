/**
 * `--table`: compares a hand-written `ROUTE_PERMISSIONS` with the document. Each protected operation
 * is looked up as API Gateway selects a route (its method's entry, else the `ANY` entry of its shape).
 */
import { buildRouteTable, WEBSOCKET_CONNECT } from '../../lib/routes.js';
import { isObject, OpenApiError, type Position } from './document.js';
import { lineLocator } from './locate.js';
import { finding, type Finding } from './findings.js';
import type { OperationRoute, RouteEntry } from './routes.js';

/** A hand-written table and where it came from. */
export interface TableInput {
  readonly file: string;
  readonly entries: readonly RouteEntry[];
  /** Where the node at a pointer (`/3`) starts in the file. */
  readonly locate?: (pointer: string) => Position | undefined;
}

/** Parses a table file's text (a JSON array, the value of ROUTE_PERMISSIONS); throws `OpenApiError`. */
export function parseTable(file: string, text: string): TableInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new OpenApiError(`${file}: not JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(value) || value.some((e) => !isObject(e) || typeof e['route'] !== 'string' || !Array.isArray(e['scopes']) || e['scopes'].some((s) => typeof s !== 'string'))) {
    throw new OpenApiError(`${file}: expected a JSON array of {"route": "METHOD /path", "scopes": [...]}`);
  }
  const entries = value as RouteEntry[];
  try {
    buildRouteTable(entries);
  } catch (err) {
    throw new OpenApiError(`${file}: the authorizer would refuse this table: ${(err as Error).message}`);
  }
  return { file, entries, locate: lineLocator(text) };
}

/** The findings of comparing `table` with the document's protected operations. */
export function lintTable(routes: readonly OperationRoute[], file: string, table: TableInput): Finding[] {
  const parsed = buildRouteTable(table.entries);
  const indexOf = new Map(table.entries.map((e, i) => [e.route, i]));
  const used = new Set<string>();
  const out: Finding[] = [];
  for (const r of routes) {
    if (r.protection.kind !== 'ours' || r.route === undefined) continue;
    const op = r.operation;
    const scopes = r.protection.scopes;
    const entry = parsed.selected(op.method, op.path);
    const docAt = { file, pointer: op.pointer, operation: op.label };
    if (!entry) {
      out.push(finding('table-missing-route', docAt, `${table.file} has no entry for ${op.label}: the authorizer denies it, or a broader entry governs it.`, `Add {"route":"${r.route}","scopes":${JSON.stringify(r.protection.scopes)}} to ${table.file}, or generate the table with npm run routes.`));
      continue;
    }
    used.add(entry.key);
    const missing = scopes.filter((s) => !entry.scopes.includes(s));
    const extra = entry.scopes.filter((s) => !scopes.includes(s));
    if (missing.length > 0 || extra.length > 0) {
      const entryAt = { file: table.file, pointer: `/${indexOf.get(entry.key)}`, operation: entry.key };
      out.push(finding('table-scopes-differ', entryAt, `"${entry.key}" requires ${entry.scopes.join(' ') || 'no scope'} but the document's ${op.label} requires ${r.protection.scopes.join(' ') || 'no scope'}.`, `Set the entry's scopes to ${JSON.stringify(r.protection.scopes)}.`, { severity: missing.length > 0 ? 'error' : 'warning', related: [docAt] }));
    }
  }
  table.entries.forEach((e, i) => {
    // A WebSocket $connect route cannot be described in OpenAPI.
    if (e.route === WEBSOCKET_CONNECT || used.has(e.route)) return;
    out.push(finding('table-unused-entry', { file: table.file, pointer: `/${i}`, operation: e.route }, `"${e.route}" governs no protected operation of the document.`, 'Remove the entry, fix its method or path, or describe the route in the document.'));
  });
  return out;
}

