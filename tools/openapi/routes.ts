/**
 * From operations to `ROUTE_PERMISSIONS` (design §11): every operation whose security names the
 * authorizer's scheme becomes `{ route: "METHOD /path", scopes }`; public operations get no entry.
 * The result always passes `buildRouteTable`, the parser the authorizer itself uses.
 */
import { buildRouteTable, parseRouteKey, shapeOf } from '../../lib/routes.js';
import type { Operation } from './operations.js';

/** One entry of the generated table. */
export interface RouteEntry {
  readonly route: string;
  readonly scopes: readonly string[];
}

/** How an operation is protected. */
export type Protection =
  /** By the authorizer's scheme; `scopes` is the union over the alternatives naming it (the strictest reading). */
  | { readonly kind: 'ours'; readonly scopes: readonly string[] }
  /** `security: []` (or only `{}`): no authentication. */
  | { readonly kind: 'public' }
  /** Only by other schemes: the authorizer's table has no entry for it. */
  | { readonly kind: 'other' }
  /** No security declared anywhere. */
  | { readonly kind: 'none' };

/** An operation, its protection, and its route key or why it has none. */
export interface OperationRoute {
  readonly operation: Operation;
  readonly protection: Protection;
  /** The route key, when the method and template are valid under §2.1. */
  readonly route: string | undefined;
  /** Why the operation cannot be an entry (unsupported method, template outside §2.1, malformed scope). */
  readonly routeError: string | undefined;
}

/** The protection of one operation under `scheme`. */
export function protectionOf(operation: Operation, scheme: string): Protection {
  const alternatives = operation.security;
  if (alternatives === undefined) return { kind: 'none' };
  if (alternatives.every((req) => Object.keys(req).length === 0)) return { kind: 'public' };
  const ours = alternatives.filter((req) => Object.hasOwn(req, scheme));
  if (ours.length === 0) return { kind: 'other' };
  return { kind: 'ours', scopes: unique(ours.flatMap((req) => req[scheme]!)) };
}

/** Each operation's protection and route key. */
export function operationRoutes(operations: readonly Operation[], scheme: string): OperationRoute[] {
  return operations.map((operation) => {
    const route = `${operation.method} ${operation.path}`;
    const protection = protectionOf(operation, scheme);
    let routeError: string | undefined;
    try {
      // The authorizer's own parser decides: a template or scope it would refuse never reaches the table.
      buildRouteTable([{ route, scopes: protection.kind === 'ours' ? protection.scopes : [] }]);
    } catch (err) {
      routeError = (err as Error).message;
    }
    return { operation, protection, route: routeError ? undefined : route, routeError };
  });
}

const METHOD_ORDER = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE', 'ANY'];

/**
 * The table: one entry per protected operation, sorted by path then method. Two operations of one
 * shape (`/orders/{id}` and `/orders/{orderId}`) become one entry requiring the scopes of both, so the
 * table stays valid and never grants more than either operation allows (the linter reports the pair).
 */
export function routeTable(routes: readonly OperationRoute[]): RouteEntry[] {
  const byShape = new Map<string, { route: string; path: string; method: string; scopes: string[] }>();
  for (const r of routes) {
    if (r.protection.kind !== 'ours' || r.route === undefined) continue;
    const { method, segments } = parseRouteKey(r.route);
    const shape = shapeOf(method, segments);
    const existing = byShape.get(shape);
    if (existing) existing.scopes = unique([...existing.scopes, ...r.protection.scopes]);
    else byShape.set(shape, { route: r.route, path: r.operation.path, method, scopes: [...r.protection.scopes] });
  }
  const entries = [...byShape.values()]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method)))
    .map(({ route, scopes }) => ({ route, scopes }));
  // The promise to callers: whatever the document says, this is a table the authorizer accepts.
  buildRouteTable(entries);
  return entries;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
