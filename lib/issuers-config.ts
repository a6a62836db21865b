/**
 * The trusted issuers (design §9). TRUSTED_ISSUERS lists up to 20 issuers, each with its own JWKS and,
 * where it differs from the global variables, its own audience, scope, algorithm, `typ`, `jti` and claim
 * settings; without it, JWT_ISSUER and JWKS_URI describe the one issuer. Either way the config holds a
 * list of `IssuerConfig` and a map by the exact `iss` string.
 */
import * as z from 'zod/mini';
import type { Algorithm } from './env-names.js';
import { ENV } from './env-names.js';
import {
  algorithmList,
  audienceMap,
  audienceSchema,
  defaultJwksUri,
  issuerProblem,
  issuesText,
  jwksUrlProblem,
  Problem,
  problem,
  scopeClaimList,
  tokenTypeList,
  type TokenTypes,
} from './config-fields.js';
import { claimRules, forbiddenRule, mergeRules, PROTOCOL_CLAIMS, requiredClaimsSchema, type ClaimRule } from './required-claims.js';

/** Everything the verifier checks differently per issuer. */
export interface IssuerConfig {
  /** The exact `iss` (no prefix or case folding, a trailing slash is significant). */
  readonly issuer: string;
  readonly jwksUri: string;
  /** Stage name → accepted audiences (a token needs one of them). */
  readonly audienceByStage: ReadonlyMap<string, readonly string[]>;
  readonly audienceClaim: 'aud' | 'client_id';
  readonly algorithms: readonly Algorithm[];
  readonly tokenTypes: TokenTypes;
  readonly scopeClaims: readonly string[];
  /** This issuer's scope names → the route table's; undefined when nothing is translated. */
  readonly scopeMap: ReadonlyMap<string, string> | undefined;
  /** The claim that plays `jti` (replay, revocation, logs). */
  readonly jtiClaim: string;
  /** The global rules merged with this issuer's own. */
  readonly requiredClaims: readonly ClaimRule[];
}

/** The issuer part of the config. */
export interface TrustedIssuers {
  readonly issuers: readonly IssuerConfig[];
  /** Exact `iss` → its entry: the one lookup a request makes. */
  readonly issuerMap: ReadonlyMap<string, IssuerConfig>;
  /** Stages at least one issuer has an audience for; any other stage is refused before signature work. */
  readonly stages: ReadonlySet<string>;
}

/** At most this many entries in TRUSTED_ISSUERS. */
export const MAX_TRUSTED_ISSUERS = 20;

function buildSchema() {
  const name = z.string().check(z.minLength(1, 'must not be empty'), z.regex(/^\S+$/, 'must not contain whitespace'));
  const entry = z.strictObject({
    issuer: z.string(),
    jwksUri: z.optional(z.string()),
    audienceClaim: z.optional(z.enum(['aud', 'client_id'])),
    scopeClaims: z.optional(z.array(name)),
    scopeMap: z.optional(z.record(name, name)),
    algorithms: z.optional(z.array(z.string())),
    tokenTypes: z.optional(z.array(z.string())),
    jtiClaim: z.optional(name),
    requiredClaims: z.optional(requiredClaimsSchema()),
    audienceByStage: z.optional(audienceSchema),
  });
  return z.array(entry).check(
    z.minLength(1, 'must list at least one issuer'),
    z.maxLength(MAX_TRUSTED_ISSUERS, `must list at most ${MAX_TRUSTED_ISSUERS} issuers`),
  );
}

/** One entry of TRUSTED_ISSUERS as written. */
export type TrustedIssuerEntry = z.infer<ReturnType<typeof buildSchema>>[number];

let schema: ReturnType<typeof buildSchema> | undefined;
/** The JSON shape of TRUSTED_ISSUERS, built on first use (single-issuer cold starts never pay for it). */
export function trustedIssuersSchema(): ReturnType<typeof buildSchema> {
  return (schema ??= buildSchema());
}

/** The global variables an entry falls back to. */
export interface IssuerDefaults {
  /** Undefined when AUDIENCE_BY_STAGE is unset. */
  readonly audienceByStage: ReadonlyMap<string, readonly string[]> | undefined;
  readonly audienceClaim: 'aud' | 'client_id';
  readonly algorithms: readonly Algorithm[];
  readonly tokenTypes: TokenTypes;
  readonly scopeClaims: readonly string[];
  /** REQUIRED_CLAIMS. */
  readonly requiredClaims: readonly ClaimRule[];
}

/** Where the issuers come from: TRUSTED_ISSUERS entries, or JWT_ISSUER and JWKS_URI. */
export type IssuerSource = { readonly entries: readonly TrustedIssuerEntry[] } | { readonly issuer: string; readonly jwksUri: string | undefined };

type Report = (variableName: string, message: string) => void;

/** Claims a rule may not name for this issuer. */
function forbiddenClaims(issuer: Pick<IssuerConfig, 'jtiClaim' | 'scopeClaims' | 'audienceClaim'>, globalScopeClaims: readonly string[]): ReadonlySet<string> {
  const names = new Set([...PROTOCOL_CLAIMS, issuer.jtiClaim, ...issuer.scopeClaims, ...globalScopeClaims]);
  // With AUDIENCE_CLAIM=client_id, client_id is this issuer's audience: its check is per stage.
  if (issuer.audienceClaim === 'client_id') names.add('client_id');
  return names;
}

/** A field of an entry, parsed, or the global default; a problem names the entry and field. */
function field<T>(label: string, fieldName: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof Problem) return problem(`${label}: ${fieldName} ${err.message}`);
    throw err;
  }
}

function jwksUriOf(label: string, issuer: string, jwksUri: string | undefined): string {
  const uri = jwksUri?.trim() || defaultJwksUri(issuer);
  const why = jwksUrlProblem(uri);
  if (why) return problem(`${label}: jwksUri ${why}${jwksUri?.trim() ? '' : ` (derived from the issuer: ${uri})`}`);
  return new URL(uri).href;
}

function scopeMapOf(value: Readonly<Record<string, string>> | undefined): ReadonlyMap<string, string> | undefined {
  if (value === undefined) return undefined;
  const entries = Object.entries(value);
  return entries.length === 0 ? undefined : new Map(entries);
}

function entryConfig(entry: TrustedIssuerEntry, index: number, defaults: IssuerDefaults): IssuerConfig {
  const label = `[${index}] ${JSON.stringify(entry.issuer)}`;
  const why = issuerProblem(entry.issuer);
  if (why) return problem(`[${index}] issuer ${why}`);
  const audienceByStage = entry.audienceByStage ? field(label, 'audienceByStage', () => audienceMap(entry.audienceByStage!)) : defaults.audienceByStage;
  if (!audienceByStage) return problem(`${label}: audienceByStage is required when ${ENV.audienceByStage} is not set`);
  const scopeClaims = entry.scopeClaims ? field(label, 'scopeClaims', () => scopeClaimList(entry.scopeClaims!)) : defaults.scopeClaims;
  const audienceClaim = entry.audienceClaim ?? defaults.audienceClaim;
  const jtiClaim = entry.jtiClaim ?? 'jti';
  if (jtiClaim !== 'jti' && forbiddenClaims({ jtiClaim: 'jti', scopeClaims, audienceClaim }, defaults.scopeClaims).has(jtiClaim)) {
    return problem(`${label}: jtiClaim cannot be "${jtiClaim}", a registered, protocol or scope claim`);
  }
  const own = claimRules(entry.requiredClaims ?? {});
  const bad = forbiddenRule(own, forbiddenClaims({ jtiClaim, scopeClaims, audienceClaim }, defaults.scopeClaims));
  if (bad) return problem(`${label}: requiredClaims cannot name "${bad.claim}": its check is fixed (registered, protocol, jti or scope claim)`);
  return Object.freeze({
    issuer: entry.issuer,
    jwksUri: jwksUriOf(label, entry.issuer, entry.jwksUri),
    audienceByStage,
    audienceClaim,
    algorithms: entry.algorithms ? field(label, 'algorithms', () => algorithmList(entry.algorithms!)) : defaults.algorithms,
    tokenTypes: entry.tokenTypes ? field(label, 'tokenTypes', () => tokenTypeList(entry.tokenTypes!)) : defaults.tokenTypes,
    scopeClaims,
    scopeMap: scopeMapOf(entry.scopeMap),
    jtiClaim,
    requiredClaims: mergeRules(defaults.requiredClaims, own),
  });
}

/** Parses the JSON text of TRUSTED_ISSUERS (its shape only; `buildIssuers` does the rest). */
export function parseTrustedIssuers(text: string): readonly TrustedIssuerEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return problem('is not valid JSON');
  }
  const parsed = trustedIssuersSchema().safeParse(value);
  if (!parsed.success) return problem(issuesText(parsed.error.issues));
  return parsed.data;
}

/**
 * Builds the issuers from their source and the global defaults. Every problem goes to `report` under the
 * variable that holds it; the result is undefined when there was any.
 */
export function buildIssuers(source: IssuerSource, defaults: IssuerDefaults, report: Report): TrustedIssuers | undefined {
  const issuers: IssuerConfig[] = [];
  let failed = false;
  if ('entries' in source) {
    const seen = new Set<string>();
    source.entries.forEach((entry, index) => {
      try {
        if (seen.has(entry.issuer)) problem(`[${index}] ${JSON.stringify(entry.issuer)} is listed twice`);
        seen.add(entry.issuer);
        issuers.push(entryConfig(entry, index, defaults));
      } catch (err) {
        if (!(err instanceof Problem)) throw err;
        failed = true;
        report(ENV.trustedIssuers, err.message);
      }
    });
    if (!defaults.audienceByStage && source.entries.some((e) => !e.audienceByStage)) {
      // Reported once more under the global name, which is what the operator would set.
      report(ENV.audienceByStage, `is required unless every ${ENV.trustedIssuers} entry has its own audienceByStage`);
    }
  } else {
    const uri = source.jwksUri?.trim() || defaultJwksUri(source.issuer);
    const why = jwksUrlProblem(uri);
    if (why) {
      report(ENV.jwksUri, why);
      return undefined;
    }
    if (!defaults.audienceByStage) return undefined;
    issuers.push(
      Object.freeze({
        issuer: source.issuer,
        jwksUri: new URL(uri).href,
        audienceByStage: defaults.audienceByStage,
        audienceClaim: defaults.audienceClaim,
        algorithms: defaults.algorithms,
        tokenTypes: defaults.tokenTypes,
        scopeClaims: defaults.scopeClaims,
        scopeMap: undefined,
        jtiClaim: 'jti',
        requiredClaims: defaults.requiredClaims,
      }),
    );
  }
  for (const issuer of issuers) {
    const bad = forbiddenRule(defaults.requiredClaims, forbiddenClaims(issuer, defaults.scopeClaims));
    if (bad) {
      report(ENV.requiredClaims, `cannot name "${bad.claim}": its check is fixed (registered, protocol, jti or scope claim${issuers.length > 1 ? ` of ${JSON.stringify(issuer.issuer)}` : ''})`);
      failed = true;
      break;
    }
  }
  if (failed || issuers.length === 0) return undefined;
  const stages = new Set<string>();
  for (const issuer of issuers) for (const stage of issuer.audienceByStage.keys()) stages.add(stage);
  return Object.freeze({ issuers: Object.freeze(issuers), issuerMap: new Map(issuers.map((i) => [i.issuer, i])), stages });
}
