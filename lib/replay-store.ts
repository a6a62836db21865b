/**
 * The request's one trip to the replay table (design §3.5, §8, §10): single-use records (the token's
 * `jti`, a DPoP proof's `jti`) are written only when new, and revocation records are checked, all in one
 * round trip. Record keys are SHA-256 hashes, so a hostile or huge claim never reaches DynamoDB as-is.
 */
import { hash } from 'node:crypto';
import type { CallLimits } from './deadline.js';

/** A single-use record: accepted once, refused again until `expiresAt` has passed. */
export interface UseRecord {
  /** `token` for the access token's `jti` (§3.5), `proof` for a DPoP proof's `jti` (§8). */
  readonly kind: 'token' | 'proof';
  /** From `replayKey` or `proofKey`. */
  readonly key: string;
  /** Epoch seconds after which the record no longer blocks the key. */
  readonly expiresAt: number;
}

/** The revocation records that may refuse this token (§10). */
export interface RevocationQuery {
  /** `revokedJtiKey(iss, jti)`: any live record refuses the token. */
  readonly jtiKey: string;
  /** `revokedSubKey(iss, sub)`: a live record refuses the token when its `iat` < the record's `notBefore`. */
  readonly subKey: string;
  /** The token's `iat`. */
  readonly iat: number;
}

/** Everything one decision needs from the table. */
export interface StorePlan {
  /** Records to write, each only when absent or expired; all or nothing. May be empty. */
  readonly records: readonly UseRecord[];
  /** Present when revocation is on. */
  readonly revocation?: RevocationQuery | undefined;
}

/** What the table said: `ok` means every record was new and nothing revokes the token. */
export type StoreVerdict = 'ok' | 'token-replayed' | 'proof-replayed' | 'revoked';

/** Per-call options of `commit`. */
export interface CommitOptions extends CallLimits {
  /** Aborts the round trip; the commit then fails closed. */
  readonly signal?: AbortSignal | undefined;
}

/** The replay table, one round trip per call. */
export interface ReplayStore {
  /**
   * Carries out the plan in one round trip. Resolves with the verdict; rejects with an `AuthError`
   * (`REPLAY_STORE_UNAVAILABLE`) on any other failure, which the caller answers with 500.
   * @param now epoch seconds
   * @param options the request's deadline (the store stops waiting by then: `REPLAY_STORE_UNAVAILABLE`) or an abort signal
   */
  commit(plan: StorePlan, now: number, options?: CommitOptions): Promise<StoreVerdict>;
}

/** SHA-256 over length-prefixed parts, so no two different tuples share a key. */
function tupleKey(parts: readonly string[]): string {
  return hash('sha256', parts.map((p) => `${p.length}:${p}`).join('|'), 'base64url');
}

/** The record key of a token: SHA-256 over issuer and `jti`, length-prefixed so no two pairs collide. */
export function replayKey(iss: string, jti: string): string {
  // The historical layout of the key (tables in use hold records of this shape): keep it.
  return hash('sha256', `${iss.length}:${iss}|${jti}`, 'base64url');
}

/** The record key of a DPoP proof: `sha256("dpop", jkt, jti)` (§8). */
export function proofKey(jkt: string, jti: string): string {
  return tupleKey(['dpop', jkt, jti]);
}

/** The key of a record revoking one token: `sha256("revoked-jti", iss, jti)` (§10). */
export function revokedJtiKey(iss: string, jti: string): string {
  return tupleKey(['revoked-jti', iss, jti]);
}

/** The key of a record revoking a subject's earlier tokens: `sha256("revoked-sub", iss, sub)` (§10). */
export function revokedSubKey(iss: string, sub: string): string {
  return tupleKey(['revoked-sub', iss, sub]);
}

/** A short, non-reversible id of a `jti` for logs. */
export function jtiFingerprint(key: string): string {
  return key.slice(0, 16);
}

/**
 * When the record may be forgotten: `exp + skew` (a token is accepted until then), clamped to a sane
 * maximum so a far-future `exp` cannot pin records forever.
 */
export function recordExpiry(exp: number, skewSeconds: number, now: number, maxLifetimeSeconds: number): number {
  const ceiling = now + maxLifetimeSeconds + 2 * skewSeconds;
  return Math.ceil(Math.min(exp + skewSeconds, ceiling));
}

interface Revocation {
  readonly expiresAt: number;
  readonly notBefore?: number;
}

/** An in-memory store for tests and local use; one process only. */
export class MemoryReplayStore implements ReplayStore {
  private readonly records = new Map<string, number>();
  private readonly revocations = new Map<string, Revocation>();

  /** Writes a revocation record (what `npm run revoke` writes to the table). */
  revoke(key: string, record: Revocation): void {
    this.revocations.set(key, record);
  }

  async commit(plan: StorePlan, now: number): Promise<StoreVerdict> {
    const { revocation } = plan;
    if (revocation) {
      // As DynamoDB's conditions read them: a record is live unless `expiresAt < now`; a subject record
      // without `notBefore` revokes every token of the subject (`notBefore <= iat` is false).
      const byJti = this.revocations.get(revocation.jtiKey);
      if (byJti && !(byJti.expiresAt < now)) return 'revoked';
      const bySub = this.revocations.get(revocation.subKey);
      if (bySub && !(bySub.expiresAt < now) && !(bySub.notBefore !== undefined && bySub.notBefore <= revocation.iat)) return 'revoked';
    }
    for (const record of plan.records) {
      const existing = this.records.get(record.key);
      if (existing !== undefined && existing >= now) return record.kind === 'token' ? 'token-replayed' : 'proof-replayed';
    }
    for (const record of plan.records) this.records.set(record.key, record.expiresAt);
    if (this.records.size > 100_000) this.sweep(now);
    return 'ok';
  }

  private sweep(now: number): void {
    for (const [key, expiresAt] of this.records) if (expiresAt < now) this.records.delete(key);
  }
}
