/**
 * The route table: which scopes each API route needs, and which entry governs a request (design §2.1).
 */

/** HTTP methods API Gateway puts in a method ARN. `ANY` in a route stands for all of them. */
export const HTTP_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'] as const;
/**
 * Longest request path a route governs. Longer paths are denied before any policy is evaluated against
 * them: it bounds what one request may cost (the policy matcher is linear in the path).
 */
export const MAX_PATH_LENGTH = 4096;
/** The WebSocket route an authorizer runs on. */
export const WEBSOCKET_CONNECT = '$connect';

/** One segment of a route path template. */
export type Segment =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'param' }
  | { readonly kind: 'proxy' };

/** One entry of the route table, parsed. */
export interface Route {
  /** The entry as written, e.g. `GET /orders/{id}`. */
  readonly key: string;
  /** An HTTP method, `ANY`, or `$connect` for the WebSocket connect route. */
  readonly method: string;
  /** Path template; empty for `/` and for `$connect`. */
  readonly segments: readonly Segment[];
  /** Every one of these scopes is required. */
  readonly scopes: readonly string[];
}

const METHOD_RE = /^(ANY|DELETE|GET|HEAD|OPTIONS|PATCH|POST|PUT)$/;
const PARAM_RE = /^\{[A-Za-z0-9_.-]+\}$/;
const PROXY_RE = /^\{[A-Za-z0-9_.-]+\+\}$/;
// Characters that have a meaning in IAM resource patterns or route templates never appear in literals.
const LITERAL_RE = /^[^\s{}*?/]+$/;
const SCOPE_RE = /^[\x21-\x7e]+$/;

/** Parses `METHOD /path` or `$connect`; throws a message describing the problem. */
export function parseRouteKey(key: string): { method: string; segments: Segment[] } {
  if (key === WEBSOCKET_CONNECT) return { method: WEBSOCKET_CONNECT, segments: [] };
  const space = key.indexOf(' ');
  const method = space < 0 ? key : key.slice(0, space);
  const path = space < 0 ? '' : key.slice(space + 1);
  if (!METHOD_RE.test(method)) throw new Error(`route "${key}": method must be ANY or an HTTP method in capitals`);
  if (!path.startsWith('/')) throw new Error(`route "${key}": path must start with "/"`);
  if (path === '/') return { method, segments: [] };
  const parts = path.slice(1).split('/');
  const segments = parts.map((part, i): Segment => {
    if (PROXY_RE.test(part)) {
      if (i !== parts.length - 1) throw new Error(`route "${key}": {proxy+} is allowed only as the last segment`);
      return { kind: 'proxy' };
    }
    if (PARAM_RE.test(part)) return { kind: 'param' };
    if (!LITERAL_RE.test(part)) throw new Error(`route "${key}": segment "${part}" is empty or has a reserved character`);
    return { kind: 'literal', value: part };
  });
  return { method, segments };
}

/** The shape of a template, ignoring parameter names: two routes of one shape are duplicates. */
export function shapeOf(method: string, segments: readonly Segment[]): string {
  const path = segments.map((s) => (s.kind === 'literal' ? s.value : s.kind === 'param' ? '{}' : '{+}')).join('/');
  return `${method} /${path}`;
}

/** Builds and checks a route table; throws on a duplicate or malformed entry. */
export function buildRouteTable(entries: readonly { route: string; scopes: readonly string[] }[]): RouteTable {
  const seen = new Set<string>();
  const routes = entries.map(({ route, scopes }) => {
    const { method, segments } = parseRouteKey(route);
    const shape = shapeOf(method, segments);
    if (seen.has(shape)) throw new Error(`route "${route}" is listed twice`);
    seen.add(shape);
    for (const scope of scopes) {
      if (!SCOPE_RE.test(scope)) throw new Error(`route "${route}": scope "${scope}" is empty or has whitespace`);
    }
    return Object.freeze({ key: route, method, segments: Object.freeze(segments), scopes: Object.freeze([...scopes]) });
  });
  return new RouteTable(routes);
}

/** Splits a concrete path into segments; `undefined` when it has an empty segment (matches nothing). */
export function splitPath(path: string): string[] | undefined {
  if (!path.startsWith('/')) return undefined;
  if (path === '/') return [];
  const parts = path.slice(1).split('/');
  return parts.includes('') ? undefined : parts;
}

/** Whether a template matches concrete, non-empty segments. */
export function templateMatches(template: readonly Segment[], parts: readonly string[]): boolean {
  for (let i = 0; i < template.length; i++) {
    const seg = template[i]!;
    if (seg.kind === 'proxy') return parts.length > i;
    if (i >= parts.length) return false;
    if (seg.kind === 'literal' && seg.value !== parts[i]) return false;
  }
  return parts.length === template.length;
}

const RANK = { literal: 2, param: 1, proxy: 0 } as const;

/** Negative when `a` is more specific than `b`, as API Gateway ranks routes. */
export function compareSpecificity(a: Route, b: Route): number {
  const n = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const ra = a.segments[i] ? RANK[a.segments[i]!.kind] : -1;
    const rb = b.segments[i] ? RANK[b.segments[i]!.kind] : -1;
    if (ra !== rb) return rb - ra;
  }
  return (a.method === 'ANY' ? 1 : 0) - (b.method === 'ANY' ? 1 : 0);
}

/** The parsed route table, with the lookups a decision needs. */
export class RouteTable {
  readonly routes: readonly Route[];
  private readonly byShape: ReadonlyMap<string, Route>;

  constructor(routes: readonly Route[]) {
    // Most specific first, so the first match is the governing one.
    this.routes = Object.freeze([...routes].sort(compareSpecificity));
    this.byShape = new Map(this.routes.map((r) => [shapeOf(r.method, r.segments), r]));
  }

  /** The most specific entry matching a concrete method and path, as for REST `TOKEN` events. */
  match(method: string, path: string): Route | undefined {
    if (method === WEBSOCKET_CONNECT) return this.byShape.get(shapeOf(WEBSOCKET_CONNECT, []));
    const parts = splitPath(path);
    if (!parts) return undefined;
    return this.matchParts(method, parts);
  }

  /** Like `match`, on segments already split. */
  matchParts(method: string, parts: readonly string[]): Route | undefined {
    for (const route of this.routes) {
      if (route.method !== method && route.method !== 'ANY') continue;
      if (templateMatches(route.segments, parts)) return route;
    }
    return undefined;
  }

  /**
   * The entry for the route API Gateway selected (a REST `resource`, an HTTP API route key's path),
   * for a request with this concrete method: the entry for that method, else the `ANY` entry.
   */
  selected(method: string, resource: string): Route | undefined {
    const path = this.resourceShape(resource);
    if (path === undefined) return undefined;
    return this.byShape.get(`${method} ${path}`) ?? this.byShape.get(`ANY ${path}`);
  }

  /** API Gateway's resource templates are few: their shapes are parsed once, not per request. */
  private readonly resourceShapes = new Map<string, string | undefined>();
  private resourceShape(resource: string): string | undefined {
    if (this.resourceShapes.has(resource)) return this.resourceShapes.get(resource);
    let path: string | undefined;
    try {
      path = shapeOf('', parseRouteKey(`GET ${resource}`).segments).slice(1);
    } catch {
      path = undefined;
    }
    if (this.resourceShapes.size >= 1000) this.resourceShapes.clear();
    this.resourceShapes.set(resource, path);
    return path;
  }

}
