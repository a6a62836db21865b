/**
 * Field parsers shared by the global variables (config.ts) and the entries of TRUSTED_ISSUERS
 * (issuers-config.ts): one definition of what an algorithm list, a `typ` list, scope claims, an audience
 * map or a JWKS URL may be. Each throws a `Problem`; the caller names the variable.
 */
import * as z from 'zod/mini';
import { SUPPORTED_ALGORITHMS, type Algorithm } from './env-names.js';

/** Thrown inside a variable's parser: the first problem ends that variable's parsing. */
export class Problem {
  constructor(readonly message: string) {}
}

/** Ends the current variable's parsing with `message`. */
export function problem(message: string): never {
  throw new Problem(message);
}

interface Issue {
  readonly code?: string;
  readonly message: string;
  readonly path: readonly PropertyKey[];
  readonly keys?: readonly string[];
  readonly expected?: string;
  readonly values?: readonly unknown[];
}

/** One issue in words: zod/mini carries no locale, so its generic "Invalid input" is spelled out here. */
function issueText(issue: Issue): string {
  if (issue.message !== 'Invalid input') return issue.message;
  if (issue.code === 'unrecognized_keys' && issue.keys) return `unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  if (issue.code === 'invalid_type' && issue.expected) return `expected ${issue.expected}`;
  if (issue.code === 'invalid_value' && issue.values) return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
  return issue.message;
}

/** A zod issue path as JSON would write it: `[0].scopes[1]`, `.dev`. */
function pathText(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
}

/** zod issues as one line, each with its path. */
export function issuesText(issues: readonly Issue[]): string {
  return issues.map((i) => `${issueText(i)}${i.path.length ? ` (at ${pathText(i.path)})` : ''}`).join('; ');
}

/**
 * Where a parsed JSON value has a `__proto__` key, at any depth, or undefined. JSON.parse keeps it as an
 * own key, but zod records and object spreads assign it as the prototype: the entry would silently vanish
 * (or change what the object inherits).
 */
function protoKeyPath(value: unknown, path: PropertyKey[] = []): PropertyKey[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, child] of Object.entries(value)) {
    if (key === '__proto__') return [...path, key];
    const found = protoKeyPath(child, [...path, Array.isArray(value) ? Number(key) : key]);
    if (found) return found;
  }
  return undefined;
}

/** Parses `text` as JSON and validates it against `schema`. */
export function jsonOf<T>(text: string, schema: z.ZodMiniType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return problem('is not valid JSON');
  }
  const proto = protoKeyPath(value);
  if (proto) return problem(`must not use the key "__proto__" (at ${pathText(proto)}): JSON objects would drop it`);
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  return problem(issuesText(parsed.error.issues));
}

/** A comma-separated list, trimmed, without empty items. */
export function commaList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Normalizes a `typ` value for comparison: case-insensitive, `application/` optional (RFC 8725 §3.11). */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

/** Accepted `typ` values, lower-case without `application/`; `allowAbsent` admits a token without one. */
export interface TokenTypes {
  readonly allowAbsent: boolean;
  readonly values: ReadonlySet<string>;
}

/** Default of JWT_ALGORITHMS. */
export const DEFAULT_ALGORITHMS: readonly Algorithm[] = Object.freeze(['RS256', 'ES256']);
/** Default of TOKEN_TYPES. */
export const DEFAULT_TOKEN_TYPES: readonly string[] = Object.freeze(['absent', 'JWT', 'at+jwt']);
/** Default of SCOPE_CLAIMS. */
export const DEFAULT_SCOPE_CLAIMS: readonly string[] = Object.freeze(['scope', 'scp']);

/**
 * An algorithm list: supported asymmetric algorithms only, without duplicates.
 * @param names the names this list may use (DPoP proofs add `Ed25519`)
 */
export function algorithmList<A extends string = Algorithm>(list: readonly string[], names: readonly A[] = SUPPORTED_ALGORITHMS as unknown as readonly A[]): readonly A[] {
  if (list.length === 0) return problem('must list at least one algorithm');
  for (const alg of list) {
    if (!(names as readonly string[]).includes(alg)) {
      const why = /^(none|HS\d+)$/i.test(alg) ? 'is refused (only asymmetric algorithms)' : 'is not supported';
      return problem(`"${alg}" ${why}; use ${names.join(', ')}`);
    }
  }
  return Object.freeze([...new Set(list)] as A[]);
}

/** A parser of a whole number within [min, max]; unset or blank is `fallback`. */
export function integerIn(min: number, max: number, fallback: number) {
  return (text: string | undefined): number => {
    if (text === undefined || text.trim() === '') return fallback;
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || value < min || value > max) return problem(`must be a whole number from ${min} to ${max}`);
    return value;
  };
}

/** A parser of one word from `values`; unset is `fallback`. */
export function oneOf<const T extends string>(values: readonly T[], fallback: T) {
  const words = values.map((v) => `"${v}"`);
  const listed = words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words.at(-1)}` : words.join('');
  return (text: string | undefined): T => {
    if (text === undefined) return fallback;
    if ((values as readonly string[]).includes(text)) return text as T;
    return problem(`must be ${listed}`);
  };
}

/** A `typ` list; the word `absent` admits tokens without a `typ` header. */
export function tokenTypeList(list: readonly string[]): TokenTypes {
  if (list.length === 0) return problem('must list at least one type (use "absent" for no typ header)');
  const allowAbsent = list.some((t) => t.toLowerCase() === 'absent');
  const values: ReadonlySet<string> = new Set(list.filter((t) => t.toLowerCase() !== 'absent').map(normalizeTyp));
  return Object.freeze({ allowAbsent, values });
}

/** Claim names read as scopes, in order. */
export function scopeClaimList(list: readonly string[]): readonly string[] {
  if (list.length === 0) return problem('must list at least one claim name');
  return Object.freeze([...list]);
}

const audienceString = z.string({ error: 'an audience must be a string' }).check(z.minLength(1, 'an audience must be a non-empty string'));
/** Stage name → audience string or non-empty array (AUDIENCE_BY_STAGE, an issuer's `audienceByStage`). */
export const audienceSchema = z.record(
  z.string().check(z.minLength(1, 'a stage name must not be empty')),
  z.union([audienceString, z.array(audienceString).check(z.minLength(1, 'an audience list must not be empty'))], {
    error: 'an audience must be a non-empty string or a non-empty array of strings',
  }),
  { error: 'must be a JSON object of stage name to audience, e.g. {"dev":"api-dev"}' },
);

/** The audience map of a validated audience object. */
export function audienceMap(value: Readonly<Record<string, string | readonly string[]>>): ReadonlyMap<string, readonly string[]> {
  const stages = Object.entries(value);
  if (stages.length === 0) return problem('must name at least one stage');
  const map = new Map<string, readonly string[]>();
  for (const [stage, aud] of stages) map.set(stage, Object.freeze(typeof aud === 'string' ? [aud] : [...new Set(aud)]));
  return map;
}

const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** The problem with a JWKS URL, or undefined when it is acceptable. */
export function jwksUrlProblem(text: string): string | undefined {
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

/** The JWKS URL an issuer publishes by default: `<issuer without trailing slash>/.well-known/jwks.json`. */
export function defaultJwksUri(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json`;
}

/** The problem with an issuer identifier, or undefined. */
export function issuerProblem(value: string): string | undefined {
  if (value.trim() === '') return 'must not be empty';
  if (/\s/.test(value)) return 'must not contain whitespace';
  return undefined;
}
