/**
 * The authorizer's configuration (design §2): one zod schema over the environment, parsed once at cold
 * start, frozen. A bad value stops the function with a message naming the variable.
 */
import * as z from 'zod/mini';
import { ConfigError } from './errors.js';
import { ENV, SUPPORTED_ALGORITHMS, type Algorithm } from './env-names.js';
import { buildRouteTable, type RouteTable } from './routes.js';
import { commaList, problem, Problem } from './config-problem.js';
import { dpopAlgorithms, dpopMode, dpopOrigins, dpopProofMaxAge, type DpopConfig } from './dpop-config.js';

/** The validated, frozen configuration. */
export interface AuthorizerConfig {
  readonly issuer: string;
  readonly jwksUri: string;
  /** Stage name → accepted audiences (a token needs one of them). */
  readonly audienceByStage: ReadonlyMap<string, readonly string[]>;
  readonly audienceClaim: 'aud' | 'client_id';
  readonly algorithms: readonly Algorithm[];
  readonly clockSkewSeconds: number;
  readonly maxTokenLifetimeSeconds: number;
  /** Accepted `typ` values, lower-case without `application/`; `allowAbsent` admits a token without one. */
  readonly tokenTypes: { readonly allowAbsent: boolean; readonly values: ReadonlySet<string> };
  readonly scopeClaims: readonly string[];
  readonly routes: RouteTable;
  readonly replayProtection: 'single-use' | 'off';
  /** Set when `replayProtection` is `single-use` or DPoP is on (proof records go there too). */
  readonly replayTableName: string | undefined;
  readonly httpApiResponse: 'simple' | 'iam';
  /** Sender-constrained tokens (design §8). */
  readonly dpop: DpopConfig;
}

/** Upper bound of CLOCK_SKEW_SECONDS. */
export const MAX_CLOCK_SKEW_SECONDS = 300;
/** Upper bound of MAX_TOKEN_LIFETIME_SECONDS (30 days). */
export const MAX_LIFETIME_LIMIT_SECONDS = 30 * 86400;

const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** Normalizes a `typ` value for comparison: case-insensitive, `application/` optional (RFC 8725 §3.11). */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

// zod/mini: the same zod 4 core with a tree-shakable API. The classic API adds ~450 KB and ~50 ms to
// every cold start (measured in bench/RESULTS.md) for nothing this schema uses. The schema is kept
// small on purpose: every zod node costs construction at import and a first-parse compile, so each
// variable is one shared `optional(string)` node and its meaning comes from a plain parser below.

function required(text: string | undefined): string {
  if (text === undefined) return problem('is required');
  return text;
}

function jsonOf<T>(text: string, schema: z.ZodMiniType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return problem('is not valid JSON');
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  return problem(parsed.error.issues.map((i) => `${i.message}${i.path.length ? ` at ${i.path.join('.')}` : ''}`).join('; '));
}

function integerIn(min: number, max: number, fallback: number) {
  return (text: string | undefined): number => {
    if (text === undefined || text.trim() === '') return fallback;
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || value < min || value > max) return problem(`must be a whole number from ${min} to ${max}`);
    return value;
  };
}

function oneOf<const T extends string>(values: readonly T[], fallback: T) {
  return (text: string | undefined): T => {
    if (text === undefined) return fallback;
    if ((values as readonly string[]).includes(text)) return text as T;
    return problem(`must be ${values.map((v) => `"${v}"`).join(' or ')}`);
  };
}

const audienceString = z.string().check(z.minLength(1, 'audience must be a non-empty string'));
const audienceSchema = z.record(
  z.string().check(z.minLength(1, 'stage name must not be empty')),
  z.union([audienceString, z.array(audienceString).check(z.minLength(1, 'audience list must not be empty'))]),
);
const routeSchema = z.array(z.strictObject({ route: z.string(), scopes: z.array(z.string()) }));

function issuer(text: string | undefined): string {
  const value = required(text);
  if (value.trim() === '') return problem('must not be empty');
  if (/\s/.test(value)) return problem('must not contain whitespace');
  return value;
}

function audienceByStage(text: string | undefined): ReadonlyMap<string, readonly string[]> {
  const value = jsonOf(required(text), audienceSchema);
  const stages = Object.entries(value);
  if (stages.length === 0) return problem('must name at least one stage');
  const map = new Map<string, readonly string[]>();
  for (const [stage, aud] of stages) map.set(stage, Object.freeze(typeof aud === 'string' ? [aud] : [...new Set(aud)]));
  return map;
}

function routePermissions(text: string | undefined): RouteTable {
  const entries = jsonOf(required(text), routeSchema);
  if (entries.length === 0) return problem('must list at least one route');
  try {
    return buildRouteTable(entries);
  } catch (err) {
    return problem((err as Error).message);
  }
}

function algorithms(text: string | undefined): readonly Algorithm[] {
  const list = commaList(text ?? 'RS256,ES256');
  if (list.length === 0) return problem('must list at least one algorithm');
  for (const alg of list) {
    if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(alg)) {
      const why = /^(none|HS\d+)$/i.test(alg) ? 'is refused (only asymmetric algorithms)' : 'is not supported';
      return problem(`"${alg}" ${why}; use ${SUPPORTED_ALGORITHMS.join(', ')}`);
    }
  }
  return Object.freeze([...new Set(list)] as Algorithm[]);
}

function tokenTypes(text: string | undefined): AuthorizerConfig['tokenTypes'] {
  const list = commaList(text ?? 'absent,JWT,at+jwt');
  if (list.length === 0) return problem('must list at least one type (use "absent" for no typ header)');
  const allowAbsent = list.some((t) => t.toLowerCase() === 'absent');
  const values: ReadonlySet<string> = new Set(list.filter((t) => t.toLowerCase() !== 'absent').map(normalizeTyp));
  return Object.freeze({ allowAbsent, values });
}

function scopeClaims(text: string | undefined): readonly string[] {
  const list = commaList(text ?? 'scope,scp');
  if (list.length === 0) return problem('must list at least one claim name');
  return Object.freeze(list);
}

function optionalText(text: string | undefined): string | undefined {
  return text;
}

/** The problem with a JWKS URL, or undefined when it is acceptable. */
function jwksUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a valid URL';
  }
  const loopback = LOOPBACK_HOSTS.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    return 'must use https: (http: is accepted only on loopback)';
  }
  if (url.username || url.password) return 'must not carry credentials';
  return undefined;
}

/** Each variable's parser: a string (or undefined) in, its value out, or a `problem`. */
const PARSERS = {
  [ENV.issuer]: issuer,
  [ENV.jwksUri]: optionalText,
  [ENV.audienceByStage]: audienceByStage,
  [ENV.audienceClaim]: oneOf(['aud', 'client_id'], 'aud'),
  [ENV.algorithms]: algorithms,
  [ENV.clockSkewSeconds]: integerIn(0, MAX_CLOCK_SKEW_SECONDS, 30),
  [ENV.maxTokenLifetimeSeconds]: integerIn(1, MAX_LIFETIME_LIMIT_SECONDS, 86400),
  [ENV.tokenTypes]: tokenTypes,
  [ENV.scopeClaims]: scopeClaims,
  [ENV.routePermissions]: routePermissions,
  [ENV.replayProtection]: oneOf(['single-use', 'off'], 'single-use'),
  [ENV.replayTableName]: optionalText,
  [ENV.httpApiResponse]: oneOf(['simple', 'iam'], 'simple'),
  [ENV.dpopMode]: dpopMode,
  [ENV.dpopAlgorithms]: dpopAlgorithms,
  [ENV.dpopProofMaxAgeSeconds]: dpopProofMaxAge,
  [ENV.dpopOrigins]: dpopOrigins,
} as const;

type Parsed = { -readonly [K in keyof typeof PARSERS]: ReturnType<(typeof PARSERS)[K]> };

const envString = z.optional(z.string());

const schema = z.pipe(
  z.object(Object.fromEntries(Object.keys(PARSERS).map((name) => [name, envString])) as Record<keyof typeof PARSERS, typeof envString>),
  z.transform((env, payload): AuthorizerConfig => {
    const issue = (variableName: string, message: string) => {
      payload.issues.push({ code: 'custom', path: [variableName], message, input: env[variableName as keyof typeof PARSERS] });
    };
    const values = {} as Record<string, unknown>;
    for (const [name, parse] of Object.entries(PARSERS)) {
      try {
        values[name] = parse(env[name as keyof typeof PARSERS]);
      } catch (err) {
        if (!(err instanceof Problem)) throw err;
        issue(name, err.message);
      }
    }
    // Cross-variable checks need every variable's value.
    if (payload.issues.length > 0) return z.NEVER;
    const v = values as Parsed;
    const iss = v[ENV.issuer];
    const jwksUri = v[ENV.jwksUri]?.trim() || `${iss.replace(/\/+$/, '')}/.well-known/jwks.json`;
    const jwksProblem = jwksUrlProblem(jwksUri);
    if (jwksProblem) issue(ENV.jwksUri, jwksProblem);
    const replayProtection = v[ENV.replayProtection];
    const table = v[ENV.replayTableName]?.trim();
    const dpop: DpopConfig = Object.freeze({
      mode: v[ENV.dpopMode],
      algorithms: v[ENV.dpopAlgorithms],
      proofMaxAgeSeconds: v[ENV.dpopProofMaxAgeSeconds],
      origins: v[ENV.dpopOrigins],
    });
    const needsTable = replayProtection === 'single-use' || dpop.mode !== 'off';
    if (replayProtection === 'single-use' && !table) issue(ENV.replayTableName, 'is required when REPLAY_PROTECTION is single-use');
    else if (!table && dpop.mode !== 'off') issue(ENV.replayTableName, 'is required when DPOP_MODE is not off (proofs are single-use)');
    else if (table && !/^[A-Za-z0-9_.-]{3,255}$/.test(table)) issue(ENV.replayTableName, 'is not a valid DynamoDB table name');
    return Object.freeze({
      issuer: iss,
      jwksUri: jwksProblem ? '' : new URL(jwksUri).href,
      audienceByStage: v[ENV.audienceByStage],
      audienceClaim: v[ENV.audienceClaim],
      algorithms: v[ENV.algorithms],
      clockSkewSeconds: v[ENV.clockSkewSeconds],
      maxTokenLifetimeSeconds: v[ENV.maxTokenLifetimeSeconds],
      tokenTypes: v[ENV.tokenTypes],
      scopeClaims: v[ENV.scopeClaims],
      routes: v[ENV.routePermissions],
      replayProtection,
      replayTableName: needsTable ? table : undefined,
      httpApiResponse: v[ENV.httpApiResponse],
      dpop,
    });
  }),
);

/**
 * Parses the environment into a frozen config, or throws one `ConfigError` naming every bad variable.
 * @example
 * const config = parseConfig(process.env);
 */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): AuthorizerConfig {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `${String(issue.path[0] ?? 'environment')}: ${issue.message}`);
  throw new ConfigError(`Invalid configuration: ${[...new Set(lines)].join('; ')}`);
}
