/**
 * The issuer's signing keys: jose fetches, caches and parses the JWKS (refetch on an unknown `kid` at most
 * once per cooldown, concurrent fetches coalesced, the set refreshed when older than `cacheMaxAge`); this
 * file turns jose's keys into `KeyObject`s for node:crypto and jose's errors into `AuthError`s.
 */
import { KeyObject, type webcrypto } from 'node:crypto';
import { createRemoteJWKSet, customFetch, errors } from 'jose';
import { AuthError } from './errors.js';
import type { Algorithm } from './env-names.js';

/** Finds the verification key(s) for a header; throws `AuthError`. */
export interface KeySource {
  /** Candidate keys for this `alg` and `kid`, best first; never empty. */
  keysFor(alg: Algorithm, kid: string | undefined): Promise<readonly KeyObject[]>;
  /** The same answer without waiting, when it is already known and current; otherwise undefined. */
  cachedKeysFor?(alg: Algorithm, kid: string | undefined): readonly KeyObject[] | undefined;
}

/** Options of the remote JWKS. */
export interface RemoteKeySourceOptions {
  /** Abort a JWKS request after this long. @default 3000 */
  readonly timeoutMs?: number;
  /** After a fetch, an unknown `kid` does not trigger another one for this long. @default 30000 */
  readonly cooldownMs?: number;
  /** Refetch the set when it is older than this (a newly published key is accepted by then). @default 600000 */
  readonly cacheMaxAgeMs?: number;
  /** A fetch implementation, for tests. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

type RemoteSet = ReturnType<typeof createRemoteJWKSet>;
type JoseKey = Awaited<ReturnType<RemoteSet>>;

/** Translates what jose throws while finding a key. Unknown errors are outages: 500, never Allow. */
function translate(err: unknown): AuthError {
  if (err instanceof AuthError) return err;
  if (err instanceof errors.JWKSNoMatchingKey) return new AuthError('KEY_NOT_FOUND', 'no key in the JWKS matches kid and alg');
  if (err instanceof errors.JOSENotSupported || err instanceof errors.JWKInvalid) {
    return new AuthError('KEY_UNSUITABLE', 'the matching JWK cannot be used for this alg', { cause: err });
  }
  if (err instanceof errors.JWKSTimeout) return new AuthError('JWKS_UNAVAILABLE', 'JWKS fetch timed out', { cause: err });
  return new AuthError('JWKS_UNAVAILABLE', 'JWKS could not be fetched or parsed', { cause: err });
}

/**
 * A key source backed by a remote JWKS. Nothing is created until the first lookup: jose's remote set loads
 * Node's fetch stack at construction, which a cold start should not pay before it needs keys.
 * @example
 * const keys = new RemoteKeySource('https://issuer.example.com/.well-known/jwks.json');
 */
export class RemoteKeySource implements KeySource {
  private remote: RemoteSet | undefined;
  private readonly keyObjects = new WeakMap<object, KeyObject>();
  /**
   * Answers jose gave for (alg, kid), tagged with the fetch count when they were asked for. A fetch
   * (a refresh or an unknown-kid reload) makes every older answer stale, so a key removed from the JWKS
   * is dropped exactly when jose drops it. Only keys that exist are cached: unknown kids cannot grow it.
   */
  private readonly answers = new Map<Algorithm, Map<string | undefined, { readonly keys: readonly KeyObject[]; readonly generation: number }>>();

  constructor(
    private readonly jwksUri: string,
    private readonly options: RemoteKeySourceOptions = {},
  ) {}

  /** How many times the JWKS was requested (for the benchmark and tests). */
  fetchCount = 0;

  private set(): RemoteSet {
    if (!this.remote) {
      const fetchImpl = this.options.fetch ?? globalThis.fetch;
      const counted: typeof fetch = (input, init) => {
        this.fetchCount++;
        return fetchImpl(input, init);
      };
      this.remote = createRemoteJWKSet(new URL(this.jwksUri), {
        timeoutDuration: this.options.timeoutMs ?? 3000,
        cooldownDuration: this.options.cooldownMs ?? 30_000,
        cacheMaxAge: this.options.cacheMaxAgeMs ?? 600_000,
        [customFetch]: counted,
      });
    }
    return this.remote;
  }

  private toKeyObject(key: JoseKey): KeyObject {
    if (!(key instanceof Object) || key instanceof Uint8Array) throw new AuthError('KEY_UNSUITABLE', 'not an asymmetric key');
    let object = this.keyObjects.get(key);
    if (!object) {
      object = KeyObject.from(key as webcrypto.CryptoKey);
      if (object.type !== 'public') throw new AuthError('KEY_UNSUITABLE', 'JWKS member is not a public key');
      this.keyObjects.set(key, object);
    }
    return object;
  }

  cachedKeysFor(alg: Algorithm, kid: string | undefined): readonly KeyObject[] | undefined {
    const remote = this.remote;
    // Past cacheMaxAge, or while a fetch is under way, jose decides (and refreshes).
    if (!remote || !remote.fresh || remote.reloading) return undefined;
    // Nested maps keyed by the header's own strings: no key string is built per request.
    const answer = this.answers.get(alg)?.get(kid);
    return answer && answer.generation === this.fetchCount ? answer.keys : undefined;
  }

  async keysFor(alg: Algorithm, kid: string | undefined): Promise<readonly KeyObject[]> {
    const generation = this.fetchCount;
    const keys = await this.lookUp(alg, kid);
    if (generation === this.fetchCount) {
      let byKid = this.answers.get(alg);
      if (!byKid) this.answers.set(alg, (byKid = new Map()));
      // Bounded per algorithm (the allowed algorithms are few); only kids the JWKS holds get here.
      if (byKid.size >= 1000) byKid.clear();
      byKid.set(kid, { keys, generation });
    }
    return keys;
  }

  private async lookUp(alg: Algorithm, kid: string | undefined): Promise<readonly KeyObject[]> {
    const header = kid === undefined ? { alg } : { alg, kid };
    try {
      return [this.toKeyObject(await this.set()(header))];
    } catch (err) {
      if (err instanceof errors.JWKSMultipleMatchingKeys) {
        // No kid and several keys fit the alg: try each, as jose's own jwtVerify does.
        const keys: KeyObject[] = [];
        for await (const key of err as unknown as AsyncIterable<JoseKey>) keys.push(this.toKeyObject(key));
        if (keys.length > 0) return keys;
        throw new AuthError('KEY_UNSUITABLE', 'no usable key among several candidates');
      }
      throw translate(err);
    }
  }
}
