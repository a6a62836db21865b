/**
 * Scopes come only from the verified claims named in SCOPE_CLAIMS, each a space-delimited string or an
 * array of strings. A `role`, `roles` or `groups` claim grants nothing unless it is configured here.
 */
import { AuthError } from './errors.js';
import type { Route } from './routes.js';

/** The verified scopes of a payload, in claim order, without duplicates. */
export function readScopes(payload: Readonly<Record<string, unknown>>, claims: readonly string[]): ReadonlySet<string> {
  const scopes = new Set<string>();
  for (const claim of claims) {
    if (!Object.prototype.hasOwnProperty.call(payload, claim)) continue;
    const value = payload[claim];
    if (typeof value === 'string') {
      for (const scope of value.split(' ')) if (scope) scopes.add(scope);
    } else if (Array.isArray(value) && value.every((s) => typeof s === 'string')) {
      for (const scope of value as string[]) if (scope) scopes.add(scope);
    } else {
      throw new AuthError('CLAIMS_INVALID', `${claim} must be a string or an array of strings`);
    }
  }
  return scopes;
}

/** Whether the token's scopes include every scope the route requires (exact string match). */
export function permits(route: Route, scopes: ReadonlySet<string>): boolean {
  return route.scopes.every((s) => scopes.has(s));
}
