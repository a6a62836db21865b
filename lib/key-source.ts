/**
 * The issuer's signing keys: jose fetches, caches and parses the JWKS (refetch on an unknown `kid` at most
 * once per cooldown, concurrent fetches coalesced, the set refreshed when older than `cacheMaxAge`); this
 * file turns jose's keys into `KeyObject`s for node:crypto and jose's errors into `AuthError`s, ends each
 * wait by the request's deadline, and keeps known keys working for a while when a refresh fails
 * (stale-if-error, design §3.3).
 */
import { KeyObject, type webcrypto } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, customFetch, errors, jwksCache, type JSONWebKeySet, type JWK, type JWSHeaderParameters } from 'jose';
import { raceBudget, waitBudget, type CallLimits } from './deadline.js';
import { AuthError } from './errors.js';
import { SUPPORTED_ALGORITHMS, type Algorithm } from './env-names.js';

/** One lookup's limits, and what the key source reports back about its answer. */
export interface KeyLookup extends CallLimits {
  /** Set to true by the key source when the keys came from a set whose refresh failed (stale-if-error). */
  stale?: boolean;
}

/** Finds the verification key(s) for a header; throws `AuthError`. */
export interface KeySource {
  /** Candidate keys for this `alg` and `kid`, best first; never empty. */
  keysFor(alg: Algorithm, kid: string | undefined, lookup?: KeyLookup): Promise<readonly KeyObject[]>;
  /** The same answer without waiting, when it is already known and current; otherwise undefined. */
  cachedKeysFor?(alg: Algorithm, kid: string | undefined): readonly KeyObject[] | undefined;
  /** Loads the keys ahead of the first request (cold start); rejects with an `AuthError` when it cannot. */
  prefetch?(): Promise<void>;
}

/** Options of the remote JWKS. */
export interface RemoteKeySourceOptions {
  /** Abort a JWKS request after this long, whatever time the request has left. @default 3000 */
  readonly timeoutMs?: number;
  /** After a fetch, an unknown `kid` does not trigger another one for this long; after a failed refresh,
   * stale keys are served this long before the JWKS is asked again. @default 30000 */
  readonly cooldownMs?: number;
  /** Refetch the set when it is older than this (a newly published key is accepted by then). @default 600000 */
  readonly cacheMaxAgeMs?: number;
  /** When a refresh of an expired set fails, keys of that set keep working this long past its expiry;
   * 0 turns this off. @default 3600000 */
  readonly maxStaleMs?: number;
  /** A fetch implementation, for tests. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

type RemoteSet = ReturnType<typeof createRemoteJWKSet>;
type JoseKey = Awaited<ReturnType<RemoteSet>>;
type GetKey = (header: JWSHeaderParameters) => Promise<JoseKey>;

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

/** The algorithm a JWK is most likely used with: its own `alg`, else the usual one for its type. */
function likelyAlgorithm(jwk: JWK): Algorithm | undefined {
  if (typeof jwk.alg === 'string') return (SUPPORTED_ALGORITHMS as readonly string[]).includes(jwk.alg) ? (jwk.alg as Algorithm) : undefined;
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC') return jwk.crv === 'P-256' ? 'ES256' : jwk.crv === 'P-384' ? 'ES384' : jwk.crv === 'P-521' ? 'ES512' : undefined;
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  return undefined;
}

/**
 * A key source backed by a remote JWKS. Nothing is created until the first lookup or `prefetch`: jose's
 * remote set loads Node's fetch stack at construction.
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
  /** jose writes the last good set and its time (`uat`, epoch ms) here after every successful fetch. */
  private readonly lastGood: { uat?: number; jwks?: JSONWebKeySet } = {};
  /** A local set over `lastGood`, rebuilt when a newer set arrives; used only while stale. */
  private staleKeys: { readonly uat: number; readonly getKey: GetKey } | undefined;
  /** When a fetch last failed (epoch ms); while stale, the JWKS is asked again only a cooldown later. */
  private failedAt: number | undefined;
  private readonly timeoutMs: number;
  private readonly cooldownMs: number;
  private readonly cacheMaxAgeMs: number;
  private readonly maxStaleMs: number;

  constructor(
    private readonly jwksUri: string,
    private readonly options: RemoteKeySourceOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.cacheMaxAgeMs = options.cacheMaxAgeMs ?? 600_000;
    this.maxStaleMs = options.maxStaleMs ?? 3_600_000;
  }

  /** How many times the JWKS was requested (for the benchmark and tests). */
  fetchCount = 0;
  /** How many lookups were answered from a stale set (for tests). */
  staleAnswers = 0;

  private set(): RemoteSet {
    if (!this.remote) {
      const fetchImpl = this.options.fetch ?? globalThis.fetch;
      const counted: typeof fetch = (input, init) => {
        this.fetchCount++;
        return fetchImpl(input, init);
      };
      this.remote = createRemoteJWKSet(new URL(this.jwksUri), {
        timeoutDuration: this.timeoutMs,
        cooldownDuration: this.cooldownMs,
        cacheMaxAge: this.cacheMaxAgeMs,
        [customFetch]: counted,
        [jwksCache]: this.lastGood as Record<string, never>,
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

  async prefetch(): Promise<void> {
    try {
      await this.set().reload();
    } catch (err) {
      throw translate(err);
    }
    // Import each published key now too, so the first request finds it ready (importing is the other
    // first-call cost). A key that does not import is simply left to the request that names it. Only
    // inside the cooldown, where a lookup that finds nothing cannot make jose fetch again.
    if (!this.set().coolingDown) return;
    for (const jwk of this.lastGood.jwks?.keys ?? []) {
      const alg = likelyAlgorithm(jwk);
      if (alg && typeof jwk.kid === 'string') await this.keysFor(alg, jwk.kid).catch(() => undefined);
    }
  }

  cachedKeysFor(alg: Algorithm, kid: string | undefined): readonly KeyObject[] | undefined {
    const remote = this.remote;
    // Past cacheMaxAge, or while a fetch is under way, jose decides (and refreshes).
    if (!remote || !remote.fresh || remote.reloading) return undefined;
    // Nested maps keyed by the header's own strings: no key string is built per request.
    const answer = this.answers.get(alg)?.get(kid);
    return answer && answer.generation === this.fetchCount ? answer.keys : undefined;
  }

  async keysFor(alg: Algorithm, kid: string | undefined, lookup?: KeyLookup): Promise<readonly KeyObject[]> {
    const generation = this.fetchCount;
    const header = kid === undefined ? { alg } : { alg, kid };
    const found = await this.lookUp(header, lookup?.deadline);
    if (found.stale) {
      if (lookup) lookup.stale = true;
      return found.keys;
    }
    if (generation === this.fetchCount) {
      let byKid = this.answers.get(alg);
      if (!byKid) this.answers.set(alg, (byKid = new Map()));
      // Bounded per algorithm (the allowed algorithms are few); only kids the JWKS holds get here.
      if (byKid.size >= 1000) byKid.clear();
      byKid.set(kid, { keys: found.keys, generation });
    }
    return found.keys;
  }

  private async lookUp(header: JWSHeaderParameters, deadline: number | undefined): Promise<{ keys: readonly KeyObject[]; stale: boolean }> {
    const stale = this.staleSet(Date.now());
    if (stale && this.failedAt !== undefined && Date.now() < this.failedAt + this.cooldownMs) {
      // The refresh failed moments ago: answer from the known keys without asking the JWKS again.
      return this.fromStale(stale, header, new AuthError('JWKS_UNAVAILABLE', 'JWKS refresh failed recently'));
    }
    try {
      const remote = this.set();
      const work = this.resolve(remote, header);
      // jose bounds each fetch by timeoutMs; the request's deadline may be nearer. The fetch itself goes
      // on and still fills the cache for the next request.
      const keys =
        deadline === undefined
          ? await work
          : await raceBudget(work, waitBudget(deadline, this.timeoutMs, Date.now()), () => new AuthError('JWKS_UNAVAILABLE', 'JWKS lookup reached the request deadline'));
      this.failedAt = undefined;
      return { keys, stale: false };
    } catch (err) {
      const error = translate(err);
      if (error.code !== 'JWKS_UNAVAILABLE') throw error;
      this.failedAt = Date.now();
      const fallback = this.staleSet(this.failedAt);
      if (fallback) return this.fromStale(fallback, header, error);
      throw error;
    }
  }

  /** Keys from jose's answer; several when no `kid` was given and several keys fit the alg. */
  private async resolve(getKey: GetKey, header: JWSHeaderParameters): Promise<readonly KeyObject[]> {
    try {
      return [this.toKeyObject(await getKey(header))];
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

  /** The last good set, when it has expired at most `maxStaleMs` ago; otherwise undefined. */
  private staleSet(now: number): GetKey | undefined {
    const { uat, jwks } = this.lastGood;
    if (this.maxStaleMs <= 0 || uat === undefined || jwks === undefined) return undefined;
    const expiresAt = uat + this.cacheMaxAgeMs;
    if (now < expiresAt || now >= expiresAt + this.maxStaleMs) return undefined;
    if (this.staleKeys?.uat !== uat) this.staleKeys = { uat, getKey: createLocalJWKSet(jwks) };
    return this.staleKeys.getKey;
  }

  /** Answers from the last good set; a `kid` it does not hold still needs a successful fetch. */
  private async fromStale(getKey: GetKey, header: JWSHeaderParameters, outage: AuthError): Promise<{ keys: readonly KeyObject[]; stale: boolean }> {
    let keys: readonly KeyObject[];
    try {
      keys = await this.resolve(getKey, header);
    } catch (err) {
      if (err instanceof AuthError && err.code === 'KEY_NOT_FOUND') throw outage;
      throw err;
    }
    this.staleAnswers++;
    return { keys, stale: true };
  }
}
