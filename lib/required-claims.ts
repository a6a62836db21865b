/**
 * Claim rules (design §9, REQUIRED_CLAIMS and an issuer's `requiredClaims`): claim → a required value, or
 * an array of accepted values. Values are compared exactly (type and value); a claim that is an array
 * passes when it contains one of the accepted values. Registered and protocol claims cannot be ruled on:
 * their checks are fixed, and a rule must not be mistaken for one.
 */
import * as z from 'zod/mini';
import { AuthError } from './errors.js';

/** A value a rule can require. */
export type ClaimValue = string | number | boolean;

/** One rule: the claim must equal one of `accepted` (or, when it is an array, contain one of them). */
export interface ClaimRule {
  readonly claim: string;
  readonly accepted: readonly ClaimValue[];
}

function buildSchema() {
  const claimValue = z.union([z.string(), z.number(), z.boolean()]);
  return z.record(
    z.string().check(z.minLength(1, 'claim name must not be empty')),
    z.union([claimValue, z.array(claimValue).check(z.minLength(1, 'list of accepted values must not be empty'))]),
  );
}

let schema: ReturnType<typeof buildSchema> | undefined;
/**
 * The JSON shape of REQUIRED_CLAIMS and of an issuer's `requiredClaims`, built on first use: zod nodes
 * cost every cold start their construction, and most deployments set no rules.
 */
export function requiredClaimsSchema(): ReturnType<typeof buildSchema> {
  return (schema ??= buildSchema());
}

/** Claims whose checks are fixed by the verifier (`jti`'s stand-in and the scope claims are added per issuer). */
export const PROTOCOL_CLAIMS: readonly string[] = Object.freeze(['iss', 'aud', 'exp', 'nbf', 'iat', 'sub', 'jti', 'cnf']);

/** The rules of a validated object, in order. */
export function claimRules(value: Readonly<Record<string, ClaimValue | readonly ClaimValue[]>>): readonly ClaimRule[] {
  return Object.freeze(
    Object.entries(value).map(([claim, v]) => Object.freeze({ claim, accepted: Object.freeze(Array.isArray(v) ? [...v] : [v as ClaimValue]) })),
  );
}

/** Global rules with an issuer's own: the issuer's add to them and replace a global rule of the same claim. */
export function mergeRules(global: readonly ClaimRule[], own: readonly ClaimRule[]): readonly ClaimRule[] {
  const ownClaims = new Set(own.map((r) => r.claim));
  return Object.freeze([...global.filter((r) => !ownClaims.has(r.claim)), ...own]);
}

/** The first rule naming a claim in `forbidden`, if any. */
export function forbiddenRule(rules: readonly ClaimRule[], forbidden: ReadonlySet<string>): ClaimRule | undefined {
  return rules.find((r) => forbidden.has(r.claim));
}

/** Throws REQUIRED_CLAIM_MISMATCH unless the verified payload satisfies every rule. */
export function checkRequiredClaims(payload: Readonly<Record<string, unknown>>, rules: readonly ClaimRule[]): void {
  for (const { claim, accepted } of rules) {
    const value = Object.prototype.hasOwnProperty.call(payload, claim) ? payload[claim] : undefined;
    const ok = Array.isArray(value) ? value.some((v) => accepted.includes(v as ClaimValue)) : accepted.includes(value as ClaimValue);
    if (!ok) throw new AuthError('REQUIRED_CLAIM_MISMATCH', 'a required claim is missing or has another value');
  }
}
