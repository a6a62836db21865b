/**
 * The authorizer's configuration (design §2): one zod schema over the environment, parsed once at cold
 * start, frozen. A bad value stops the function with a message naming the variable.
 */
import * as z from 'zod/mini';
import { ConfigError } from './errors.js';
import { ENV, type Algorithm } from './env-names.js';
import { buildRouteTable, type RouteTable } from './routes.js';
import {
  algorithmList, audienceMap, integerIn, oneOf, audienceSchema, commaList, DEFAULT_ALGORITHMS, DEFAULT_SCOPE_CLAIMS, DEFAULT_TOKEN_TYPES, issuerProblem, jsonOf,
  Problem, problem, scopeClaimList, tokenTypeList, type TokenTypes,
} from './config-fields.js';
import { buildIssuers, parseTrustedIssuers, type TrustedIssuerEntry, type TrustedIssuers } from './issuers-config.js';
import { claimRules, requiredClaimsSchema, type ClaimRule } from './required-claims.js';

export type { IssuerConfig } from './issuers-config.js';
import { dpopAlgorithms, dpopMode, dpopOrigins, dpopProofMaxAge, type DpopConfig } from './dpop-config.js';

/** The validated, frozen configuration. */
export interface AuthorizerConfig extends TrustedIssuers {
  /** How long known keys outlive a failed refresh of an expired JWKS (stale-if-error); 0 = off. */
  readonly jwksMaxStaleSeconds: number;
  readonly clockSkewSeconds: number;
  readonly maxTokenLifetimeSeconds: number;
  readonly routes: RouteTable;
  readonly replayProtection: 'single-use' | 'off';
  /** Set whenever a feature uses the table (single-use replay protection, DPoP proofs, revocation). */
  readonly replayTableName: string | undefined;
  /** Whether tokens are checked against the table's revocation records (design §10). */
  readonly revocation: 'off' | 'on';
  readonly httpApiResponse: 'simple' | 'iam';
  /** Sender-constrained tokens (design §8). */
  readonly dpop: DpopConfig;
}

/** Upper bound of CLOCK_SKEW_SECONDS. */
export const MAX_CLOCK_SKEW_SECONDS = 300;
/** Default and upper bound of JWKS_MAX_STALE_SECONDS (one hour; one day). */
export const DEFAULT_JWKS_MAX_STALE_SECONDS = 3600;
export const MAX_JWKS_MAX_STALE_SECONDS = 86400;
/** Upper bound of MAX_TOKEN_LIFETIME_SECONDS (30 days). */
export const MAX_LIFETIME_LIMIT_SECONDS = 30 * 86400;

/** Normalizes a `typ` value for comparison (kept here for existing importers). */
export { normalizeTyp } from './config-fields.js';

// zod/mini: the same zod 4 core with a tree-shakable API. The classic API adds ~450 KB and ~50 ms to
// every cold start (measured in bench/RESULTS.md) for nothing this schema uses. The schema is kept
// small on purpose: every zod node costs construction at import and a first-parse compile, so each
// variable is one shared `optional(string)` node and its meaning comes from a plain parser below.

function required(text: string | undefined): string {
  if (text === undefined) return problem('is required');
  return text;
}

const routeSchema = z.array(
  z.strictObject(
    {
      route: z.string({ error: '"route" must be a string such as "GET /orders/{id}"' }),
      scopes: z.array(z.string({ error: 'a scope must be a string' }), { error: '"scopes" must be an array of strings' }),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')} (only "route" and "scopes")` : 'an entry must be an object {"route": ..., "scopes": [...]}') },
  ),
  { error: 'must be a JSON array of {"route": ..., "scopes": [...]} entries' },
);

function issuer(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const why = issuerProblem(text);
  return why ? problem(why) : text;
}

function audienceByStage(text: string | undefined): ReadonlyMap<string, readonly string[]> | undefined {
  return text === undefined ? undefined : audienceMap(jsonOf(text, audienceSchema));
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
  return text === undefined ? DEFAULT_ALGORITHMS : algorithmList(commaList(text));
}

function tokenTypes(text: string | undefined): TokenTypes {
  return tokenTypeList(text === undefined ? DEFAULT_TOKEN_TYPES : commaList(text));
}

function scopeClaims(text: string | undefined): readonly string[] {
  return text === undefined ? DEFAULT_SCOPE_CLAIMS : scopeClaimList(commaList(text));
}

function trustedIssuers(text: string | undefined): readonly TrustedIssuerEntry[] | undefined {
  return text === undefined ? undefined : parseTrustedIssuers(text);
}

function requiredClaims(text: string | undefined): readonly ClaimRule[] {
  return text === undefined ? [] : claimRules(jsonOf(text, requiredClaimsSchema()));
}

function optionalText(text: string | undefined): string | undefined {
  return text;
}

/** Each variable's parser: a string (or undefined) in, its value out, or a `problem`. */
const PARSERS = {
  [ENV.issuer]: issuer,
  [ENV.jwksUri]: optionalText,
  [ENV.jwksMaxStaleSeconds]: integerIn(0, MAX_JWKS_MAX_STALE_SECONDS, DEFAULT_JWKS_MAX_STALE_SECONDS),
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
  [ENV.trustedIssuers]: trustedIssuers,
  [ENV.requiredClaims]: requiredClaims,
  [ENV.revocation]: oneOf(['off', 'on'], 'off'),
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
    // Where the issuers come from (design §9): exactly one of TRUSTED_ISSUERS or JWT_ISSUER (+ JWKS_URI).
    const multi = env[ENV.trustedIssuers] !== undefined;
    if (multi && (env[ENV.issuer] !== undefined || env[ENV.jwksUri] !== undefined)) {
      issue(ENV.trustedIssuers, `cannot be combined with ${ENV.issuer} or ${ENV.jwksUri}: list every issuer (and its jwksUri) in ${ENV.trustedIssuers}`);
    } else if (!multi && env[ENV.issuer] === undefined) {
      issue(ENV.issuer, `is required (or ${ENV.trustedIssuers} for several issuers)`);
    }
    if (!multi && env[ENV.audienceByStage] === undefined) issue(ENV.audienceByStage, 'is required');
    // Cross-variable checks need every variable's value.
    if (payload.issues.length > 0) return z.NEVER;
    const v = values as Parsed;
    const trusted = buildIssuers(
      multi ? { entries: v[ENV.trustedIssuers]! } : { issuer: v[ENV.issuer]!, jwksUri: v[ENV.jwksUri] },
      {
        audienceByStage: v[ENV.audienceByStage],
        audienceClaim: v[ENV.audienceClaim],
        algorithms: v[ENV.algorithms],
        tokenTypes: v[ENV.tokenTypes],
        scopeClaims: v[ENV.scopeClaims],
        requiredClaims: v[ENV.requiredClaims],
      },
      issue,
    );
    const replayProtection = v[ENV.replayProtection];
    const table = v[ENV.replayTableName]?.trim();
    const revocation = v[ENV.revocation];
    const dpop: DpopConfig = Object.freeze({
      mode: v[ENV.dpopMode],
      algorithms: v[ENV.dpopAlgorithms],
      proofMaxAgeSeconds: v[ENV.dpopProofMaxAgeSeconds],
      origins: v[ENV.dpopOrigins],
    });
    const needsTable = replayProtection === 'single-use' || revocation === 'on' || dpop.mode !== 'off';
    if (replayProtection === 'single-use' && !table) issue(ENV.replayTableName, 'is required when REPLAY_PROTECTION is single-use');
    else if (!table && dpop.mode !== 'off') issue(ENV.replayTableName, 'is required when DPOP_MODE is not off (proofs are single-use)');
    else if (revocation === 'on' && !table) issue(ENV.replayTableName, 'is required when REVOCATION is on');
    else if (table && !/^[A-Za-z0-9_.-]{3,255}$/.test(table)) issue(ENV.replayTableName, 'is not a valid DynamoDB table name');
    if (!trusted) return z.NEVER;
    return Object.freeze({
      ...trusted,
      jwksMaxStaleSeconds: v[ENV.jwksMaxStaleSeconds],
      clockSkewSeconds: v[ENV.clockSkewSeconds],
      maxTokenLifetimeSeconds: v[ENV.maxTokenLifetimeSeconds],
      routes: v[ENV.routePermissions],
      replayProtection,
      replayTableName: needsTable ? table : undefined,
      httpApiResponse: v[ENV.httpApiResponse],
      revocation,
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
