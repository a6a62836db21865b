/**
 * Revocation records (design §10), in one place for both sides: the authorizer asks the table about a
 * token with `revocationQuery`, and `npm run revoke` writes what `revocationItem` builds, so the two
 * cannot disagree on keys, attribute names or expiry.
 *
 * A record is one item of the replay table:
 * - `pk` (S): `sha256("revoked-jti", iss, jti)` or `sha256("revoked-sub", iss, sub)`; never the raw
 *   `jti` or `sub` (the subject is personal data, and the hash keeps hostile values out of DynamoDB);
 * - `expiresAt` (N, epoch seconds, the table's TTL attribute): once it has passed the record no longer
 *   revokes, whether or not TTL has deleted it yet;
 * - `notBefore` (N, subject records only): tokens whose `iat` is earlier are revoked, equal is not;
 * - `kind` (S) and `revokedAt` (N): for operators reading the table; the authorizer ignores them.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { AuthorizerConfig } from './config.js';
import { revokedJtiKey, revokedSubKey, type RevocationQuery } from './replay-store.js';

/** The attribute names of a revocation record. */
export const REVOCATION_ATTRIBUTES = Object.freeze({
  key: 'pk',
  expiresAt: 'expiresAt',
  notBefore: 'notBefore',
  kind: 'kind',
  revokedAt: 'revokedAt',
} as const);

/** What a record revokes: one token by its `jti`, or a subject's tokens issued before `notBefore`. */
export type RevocationKind = 'jti' | 'sub';

/** The `kind` attribute's value for each record kind. */
export const KIND_VALUES: Readonly<Record<RevocationKind, string>> = Object.freeze({ jti: 'revoked-jti', sub: 'revoked-sub' });

/** The configuration a record's expiry depends on. */
export type RevocationLimits = Pick<AuthorizerConfig, 'maxTokenLifetimeSeconds' | 'clockSkewSeconds'>;

/** One record to write. */
export interface RevocationRequest {
  readonly kind: RevocationKind;
  readonly issuer: string;
  /** The `jti` (kind `jti`) or the `sub` (kind `sub`). */
  readonly value: string;
  /** Subject records: tokens whose `iat` is earlier are revoked. Ignored for `jti` records. */
  readonly notBefore: number;
  /** Epoch seconds. */
  readonly now: number;
}

/** A revocation record as the DynamoDB item to write. */
export interface RevocationItem {
  readonly key: string;
  readonly expiresAt: number;
  /** Subject records only. */
  readonly notBefore: number | undefined;
  readonly item: Record<string, AttributeValue>;
}

/** The key of the record revoking `value` (a `jti` or a `sub`) of `issuer`. */
export function revocationKey(kind: RevocationKind, issuer: string, value: string): string {
  return kind === 'jti' ? revokedJtiKey(issuer, value) : revokedSubKey(issuer, value);
}

/**
 * When a record may be forgotten: once no token it covers can still be accepted. A token is accepted
 * until `exp + skew`, and `exp <= iat + maximum lifetime`.
 * - Subject record: the tokens it covers have `iat < notBefore`, so `notBefore + lifetime + skew`.
 * - `jti` record: the revoked token exists now, so its `iat <= now + skew` (the authorizer refuses a
 *   later `iat`), hence `now + lifetime + 2 × skew`.
 */
export function revocationExpiry(kind: RevocationKind, limits: RevocationLimits, notBefore: number, now: number): number {
  const { maxTokenLifetimeSeconds: lifetime, clockSkewSeconds: skew } = limits;
  return kind === 'sub' ? notBefore + lifetime + skew : now + lifetime + 2 * skew;
}

/** Builds the record `npm run revoke` writes. Pure: the caller passes `now`. */
export function revocationItem(limits: RevocationLimits, request: RevocationRequest): RevocationItem {
  const { kind, issuer, value, now } = request;
  const key = revocationKey(kind, issuer, value);
  const notBefore = kind === 'sub' ? Math.floor(request.notBefore) : undefined;
  const expiresAt = revocationExpiry(kind, limits, notBefore ?? now, now);
  const a = REVOCATION_ATTRIBUTES;
  const item: Record<string, AttributeValue> = {
    [a.key]: { S: key },
    [a.expiresAt]: { N: String(expiresAt) },
    [a.kind]: { S: KIND_VALUES[kind] },
    [a.revokedAt]: { N: String(Math.floor(now)) },
  };
  if (notBefore !== undefined) item[a.notBefore] = { N: String(notBefore) };
  return { key, expiresAt, notBefore, item };
}

/** The revocation records that may refuse a verified token, as the store's plan carries them. */
export function revocationQuery(token: { readonly iss: string; readonly jti: string; readonly sub: string; readonly iat: number }): RevocationQuery {
  return { jtiKey: revokedJtiKey(token.iss, token.jti), subKey: revokedSubKey(token.iss, token.sub), iat: token.iat };
}


/**
 * The issuers whose tokens the configuration accepts, for `npm run revoke --issuer` (a record's key
 * includes its issuer): `JWT_ISSUER`, or every entry of `TRUSTED_ISSUERS`.
 */
export function issuersOf(config: Pick<AuthorizerConfig, 'issuers'>): readonly string[] {
  return config.issuers.map((entry) => entry.issuer);
}
