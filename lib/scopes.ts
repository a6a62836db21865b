/**
 * Scopes come only from the verified claims named in SCOPE_CLAIMS, each a space-delimited string or an
 * array of strings. A `role`, `roles` or `groups` claim grants nothing unless it is configured here.
 */
import { AuthError } from './errors.js';
import type { Route } from './routes.js';

const parsed = new Map<string, ReadonlySet<string>>();

/**
 * RFC 6749 §3.3 scope-token: `%x21 / %x23-5B / %x5D-7E`. Anything else (space, tab, newline, `"`, `\`,
 * non-ASCII) makes the claim invalid rather than being passed on: the backend's `scope` context is the
 * scopes joined by spaces, so `["profile admin"]` would read as `admin` to a backend that splits it.
 */
const SCOPE_TOKEN_RE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
// A space-delimited claim: scope-tokens separated by spaces (runs of spaces tolerated, as before).
const SCOPE_STRING_RE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * The scopes of one space-delimited claim value. A token population repeats a handful of scope strings,
 * so the sets are kept (bounded) and shared: callers must not modify them.
 */
function scopeSet(claim: string, value: string): ReadonlySet<string> {
  let set = parsed.get(value);
  if (!set) {
    if (!SCOPE_STRING_RE.test(value)) throw new AuthError('CLAIMS_INVALID', `${claim} has a character outside RFC 6749 scope-tokens`);
    set = new Set(value.split(' ').filter((scope) => scope.length > 0));
    if (parsed.size >= 1000) parsed.clear();
    parsed.set(value, set);
  }
  return set;
}

/** The verified scopes of a payload, in claim order, without duplicates. */
export function readScopes(payload: Readonly<Record<string, unknown>>, claims: readonly string[]): ReadonlySet<string> {
  let result: ReadonlySet<string> | undefined;
  let merged: Set<string> | undefined;
  for (const claim of claims) {
    if (!Object.prototype.hasOwnProperty.call(payload, claim)) continue;
    const value = payload[claim];
    let scopes: Iterable<string>;
    if (typeof value === 'string') {
      scopes = scopeSet(claim, value);
    } else if (Array.isArray(value) && value.every((s) => typeof s === 'string')) {
      scopes = (value as string[]).filter((scope) => scope.length > 0);
      for (const scope of scopes) {
        if (!SCOPE_TOKEN_RE.test(scope)) throw new AuthError('CLAIMS_INVALID', `an element of ${claim} is not an RFC 6749 scope-token`);
      }
    } else {
      throw new AuthError('CLAIMS_INVALID', `${claim} must be a string or an array of strings`);
    }
    if (result === undefined && typeof value === 'string') {
      result = scopes as ReadonlySet<string>;
      continue;
    }
    merged ??= new Set(result);
    for (const scope of scopes) merged.add(scope);
  }
  return merged ?? result ?? new Set();
}

const joined = new WeakMap<ReadonlySet<string>, string>();

/** The scopes as one space-delimited string (the backend's `scope` context value), kept per shared set. */
export function scopeString(scopes: ReadonlySet<string>): string {
  let text = joined.get(scopes);
  if (text === undefined) {
    text = [...scopes].join(' ');
    joined.set(scopes, text);
  }
  return text;
}

/** Whether the token's scopes include every scope the route requires (exact string match). */
export function permits(route: Route, scopes: ReadonlySet<string>): boolean {
  return route.scopes.every((s) => scopes.has(s));
}
