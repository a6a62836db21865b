/**
 * Single-use tokens (design §3.5): a token's `jti` is recorded once; a second use is a replay. The record
 * key is `sha256(iss, jti)` so a hostile or huge `jti` never reaches DynamoDB as-is.
 */
import { hash } from 'node:crypto';

/** Records first uses of tokens. */
export interface ReplayStore {
  /**
   * Records the token; resolves `true` on its first use and `false` on a replay. Rejects on any other
   * failure (the caller answers 500).
   * @param key from `replayKey`
   * @param expiresAt epoch seconds after which the record no longer blocks the key
   * @param now epoch seconds
   */
  recordFirstUse(key: string, expiresAt: number, now: number): Promise<boolean>;
}

/** The record key of a token: SHA-256 over issuer and `jti`, length-prefixed so no two pairs collide. */
export function replayKey(iss: string, jti: string): string {
  return hash('sha256', `${iss.length}:${iss}|${jti}`, 'base64url');
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

/** An in-memory store for unit tests and local use; one process only. */
export class MemoryReplayStore implements ReplayStore {
  private readonly records = new Map<string, number>();

  async recordFirstUse(key: string, expiresAt: number, now: number): Promise<boolean> {
    const existing = this.records.get(key);
    if (existing !== undefined && existing >= now) return false;
    this.records.set(key, expiresAt);
    if (this.records.size > 100_000) this.sweep(now);
    return true;
  }

  private sweep(now: number): void {
    for (const [key, expiresAt] of this.records) if (expiresAt < now) this.records.delete(key);
  }
}
