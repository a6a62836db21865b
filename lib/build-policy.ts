/**
 * IAM policies for an allowed token (design §4).
 *
 * Single-use mode allows exactly the request's ARN. With replay protection off, API Gateway may cache the
 * policy per token and apply it to the token's other calls, so the policy allows every route the token's
 * scopes permit and denies, explicitly, whatever those Allow patterns would also reach but the route table
 * forbids. IAM's `*` spans `/` and matches the empty string, so a `{id}` Allow also covers
 * `/orders/1/secret` and `/orders/`; the Deny statements close exactly those gaps:
 *
 * - G1, empty segments: `*` + `//` + `*` and a trailing `/` never name a real route; the root path `M/`
 *   when an `M/*` Allow would reach it and it is not allowed;
 * - G2, a `{param}` wildcard that absorbed a `/`: the Allow pattern with that `*` widened to `*`/`*`;
 * - G3, a more specific route the token may not call, reached by an Allow: that route's pattern.
 *
 * A Deny can also cover paths the table allows (IAM patterns cannot say "any segment but `items`"): the
 * policy then under-grants, never over-grants, and `underGranted` names the affected routes so the caller
 * can log it. Whether an Allow reaches a route, or a Deny hits one, is decided on witness paths: every
 * template instantiated with each literal of the table and one fresh value, which is enough because
 * patterns and templates only ever compare whole segments against those literals.
 */
import type { PolicyDocument } from 'aws-lambda';
import { arnPatternMatches } from './iam-evaluate.js';
import { HTTP_METHODS, WEBSOCKET_CONNECT, type Route, type RouteTable, type Segment } from './routes.js';
import { permits } from './scopes.js';

/** The resource patterns of a policy, relative to the API stage prefix. */
export interface RoutePolicy {
  readonly allow: readonly string[];
  readonly deny: readonly string[];
  /** Routes the scopes permit but the policy cannot fully allow without over-granting. */
  readonly underGranted: readonly string[];
}

const WITNESS_BUDGET = 4096;

/** The IAM pattern of a template for one method, relative to the stage prefix. */
export function routePattern(method: string, segments: readonly Segment[]): string {
  if (method === WEBSOCKET_CONNECT) return WEBSOCKET_CONNECT;
  return `${method}/${segments.map((s) => (s.kind === 'literal' ? s.value : '*')).join('/')}`;
}

function concreteArn(method: string, parts: readonly string[]): string {
  return method === WEBSOCKET_CONNECT ? WEBSOCKET_CONNECT : `${method}/${parts.join('/')}`;
}

class Witnesses {
  private readonly values: string[];
  private readonly maxProxy: number;

  constructor(table: RouteTable) {
    const literals = new Set<string>();
    let longest = 0;
    for (const r of table.routes) {
      longest = Math.max(longest, r.segments.length);
      for (const s of r.segments) if (s.kind === 'literal') literals.add(s.value);
    }
    let fresh = '~w';
    while (literals.has(fresh)) fresh += 'w';
    this.values = [...literals, fresh];
    // A pattern can pin at most `longest` segments, so a proxy tail one longer shows every behaviour.
    this.maxProxy = longest + 1;
  }

  /** Concrete segment lists the template matches, or undefined when there would be too many. */
  of(segments: readonly Segment[]): string[][] | undefined {
    let paths: string[][] = [[]];
    for (const seg of segments) {
      const next: string[][] = [];
      const options: string[][] = seg.kind === 'literal' ? [[seg.value]] : seg.kind === 'param' ? this.values.map((v) => [v]) : this.tails();
      if (paths.length * options.length > WITNESS_BUDGET) return undefined;
      for (const p of paths) for (const o of options) next.push([...p, ...o]);
      paths = next;
    }
    return paths;
  }

  private tailCache: string[][] | undefined;
  private tails(): string[][] {
    if (!this.tailCache) {
      const out: string[][] = [];
      let layer: string[][] = [[]];
      for (let len = 1; len <= this.maxProxy && out.length <= WITNESS_BUDGET; len++) {
        layer = layer.flatMap((p) => this.values.map((v) => [...p, v]));
        out.push(...layer);
      }
      this.tailCache = out;
    }
    return this.tailCache;
  }
}

/**
 * Whether some path that `route` governs for `method` satisfies `test`. Undefined: too many witnesses
 * to tell, and the caller must assume the worse answer.
 */
function someGoverned(table: RouteTable, witnesses: Witnesses, method: string, route: Route, test: (arn: string) => boolean): boolean | undefined {
  if (route.method === WEBSOCKET_CONNECT) return test(WEBSOCKET_CONNECT);
  const paths = witnesses.of(route.segments);
  if (!paths) return undefined;
  return paths.some((parts) => table.matchParts(method, parts) === route && test(concreteArn(method, parts)));
}

/** Whether the widened pattern stays inside an allowed `M/lit/.../*` proxy route (so G2 is not needed). */
function insideAllowedProxy(pattern: string, proxyPrefixes: readonly string[]): boolean {
  return proxyPrefixes.some((prefix) => pattern.startsWith(prefix));
}

/** The allow and deny patterns for a token's scopes (pure; cache the result per scope set). */
export function routePolicy(table: RouteTable, scopes: ReadonlySet<string>): RoutePolicy {
  const witnesses = new Witnesses(table);
  const allow = new Set<string>();
  const deny = new Set<string>();
  const proxyPrefixes: string[] = [];
  const perMethod = new Map<string, Route[]>();

  for (const route of table.routes) {
    const methods = route.method === 'ANY' ? HTTP_METHODS : [route.method];
    for (const m of methods) {
      const list = perMethod.get(m) ?? [];
      list.push(route);
      perMethod.set(m, list);
      if (!permits(route, scopes)) continue;
      const pattern = routePattern(m, route.segments);
      allow.add(pattern);
      const last = route.segments[route.segments.length - 1];
      if (last?.kind === 'proxy' && route.segments.slice(0, -1).every((s) => s.kind === 'literal')) {
        proxyPrefixes.push(pattern.slice(0, -1));
      }
    }
  }
  const allows = [...allow];
  const allowed = (arn: string) => allows.some((p) => arnPatternMatches(p, arn));

  // G1: empty segments; the root path reached by an `M/*` Allow.
  if (allows.some((p) => p.includes('*'))) {
    deny.add('*//*');
    deny.add('*/*/');
    for (const m of HTTP_METHODS) {
      if (!allow.has(`${m}/*`)) continue;
      const root = table.matchParts(m, []);
      if (!root || !permits(root, scopes)) deny.add(`${m}/`);
    }
  }

  // G2: a `{param}` wildcard that absorbed a slash.
  for (const [m, routes] of perMethod) {
    for (const route of routes) {
      if (!permits(route, scopes)) continue;
      route.segments.forEach((seg, i) => {
        if (seg.kind !== 'param') return;
        const widened = route.segments.map((s, j) => (j === i ? '*/*' : s.kind === 'literal' ? s.value : '*'));
        const pattern = `${m}/${widened.join('/')}`;
        if (!insideAllowedProxy(pattern, proxyPrefixes)) deny.add(pattern);
      });
    }
  }

  // G3: a route the token may not call, reached by some Allow pattern.
  for (const [m, routes] of perMethod) {
    for (const route of routes) {
      if (permits(route, scopes)) continue;
      if (someGoverned(table, witnesses, m, route, allowed) !== false) deny.add(routePattern(m, route.segments));
    }
  }

  const denies = [...deny];
  const underGranted = new Set<string>();
  for (const [m, routes] of perMethod) {
    for (const route of routes) {
      if (!permits(route, scopes) || underGranted.has(route.key)) continue;
      const hit = someGoverned(table, witnesses, m, route, (arn) => denies.some((p) => arnPatternMatches(p, arn)));
      if (hit !== false) underGranted.add(route.key);
    }
  }
  return { allow: allows, deny: denies, underGranted: [...underGranted] };
}

/** An IAM policy document from resource patterns under one API stage prefix. */
export function policyDocument(prefix: string, allow: readonly string[], deny: readonly string[] = []): PolicyDocument {
  const statements: PolicyDocument['Statement'] = [];
  if (allow.length > 0) statements.push({ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: allow.map((p) => prefix + p) });
  if (deny.length > 0) statements.push({ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: deny.map((p) => prefix + p) });
  return { Version: '2012-10-17', Statement: statements };
}

/** Freezes a policy document all the way down, so one cached object can answer many requests. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Caches `routePolicy` per distinct scope set, and its policy document per API stage: a token population
 * has few scope sets, and this runs on every request in replay-off mode.
 */
export class RoutePolicyCache {
  private readonly cache = new Map<string, { readonly routes: RoutePolicy; readonly documents: Map<string, PolicyDocument> }>();
  /** `readScopes` shares one set per scope string, so most requests find their entry by identity. */
  private bySet = new WeakMap<ReadonlySet<string>, { readonly routes: RoutePolicy; readonly documents: Map<string, PolicyDocument> }>();
  private readonly relevant: ReadonlySet<string>;

  constructor(private readonly table: RouteTable, private readonly maxEntries = 1000) {
    this.relevant = new Set(table.routes.flatMap((r) => r.scopes));
  }

  private entry(scopes: ReadonlySet<string>) {
    const known = this.bySet.get(scopes);
    if (known) return known;
    // Only scopes some route requires can change the policy.
    let key = '';
    for (const s of [...scopes].sort()) if (this.relevant.has(s)) key += `${s} `;
    let entry = this.cache.get(key);
    if (!entry) {
      entry = { routes: routePolicy(this.table, scopes), documents: new Map() };
      if (this.cache.size >= this.maxEntries) {
        this.cache.clear();
        this.bySet = new WeakMap();
      }
      this.cache.set(key, entry);
    }
    this.bySet.set(scopes, entry);
    return entry;
  }

  /** The allow and deny patterns for these scopes. */
  get(scopes: ReadonlySet<string>): RoutePolicy {
    return this.entry(scopes).routes;
  }

  /** The (frozen, shared) policy document for these scopes under one API stage prefix. */
  document(prefix: string, scopes: ReadonlySet<string>): { readonly routes: RoutePolicy; readonly document: PolicyDocument } {
    const entry = this.entry(scopes);
    let document = entry.documents.get(prefix);
    if (!document) {
      document = deepFreeze(policyDocument(prefix, entry.routes.allow, entry.routes.deny));
      if (entry.documents.size >= 100) entry.documents.clear();
      entry.documents.set(prefix, document);
    }
    return { routes: entry.routes, document };
  }
}
