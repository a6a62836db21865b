/**
 * Verifies a compact JWS and its claims (design §3.3). Signatures are checked with node:crypto and the
 * `KeyObject`s of the key source: synchronous and several times faster than WebCrypto on the warm path.
 */
import type { KeyObject } from 'node:crypto';
import { AuthError } from './errors.js';
import type { Algorithm } from './env-names.js';
import type { AuthorizerConfig, IssuerConfig } from './config.js';
import { normalizeTyp } from './config-fields.js';
import { decodeJsonPart, decodeSignature, signedBytes, splitJws } from './decode-jwt.js';
import type { KeyLookup, KeySource } from './key-source.js';
import { checkRequiredClaims } from './required-claims.js';
import { ALGS, has, keyFits, signatureValid } from './jws-algorithms.js';
import { HeaderCache } from './header-cache.js';

/** The claims the authorizer relies on, all verified. */
export interface VerifiedToken {
  readonly sub: string;
  /** The value of the issuer's `jtiClaim` (`jti` unless configured otherwise). */
  readonly jti: string;
  readonly iss: string;
  readonly exp: number;
  readonly iat: number;
  /** The verified payload, for reading scope claims; never logged or forwarded. */
  readonly payload: Readonly<Record<string, unknown>>;
  readonly kid: string | undefined;
  readonly alg: Algorithm;
}

/** What the verifier needs to know about the request. */
export interface VerifyInput {
  readonly token: string;
  /**
   * Audiences of the stage the request came in on; the token must carry one of them. Undefined when the
   * token's issuer has none for this stage (another issuer serves it): refused like a wrong audience.
   */
  readonly audiences: readonly string[] | undefined;
  /** Seconds since the epoch. */
  readonly now: number;
}

const MAX_KID_LENGTH = 256;
// `sub` becomes the principalId and a log field, so it is bounded; `jti` is only ever hashed, and the
// 8 KiB token limit bounds it.
const MAX_SUB_LENGTH = 1024;

function checkHeader(header: Readonly<Record<string, unknown>>, issuer: IssuerConfig): { alg: Algorithm; kid: string | undefined } {
  const alg = header['alg'];
  if (typeof alg !== 'string' || !has(header, 'alg') || !(issuer.algorithms as readonly string[]).includes(alg)) {
    throw new AuthError('ALG_NOT_ALLOWED', 'alg is missing or not allowed');
  }
  // RFC 7515 §4.1.11: a recipient must reject extensions it does not understand; it understands none.
  if (has(header, 'crit')) throw new AuthError('CRIT_UNSUPPORTED', 'crit header is not supported');
  // RFC 7797 unencoded payloads change what is signed; never accepted.
  if (has(header, 'b64')) throw new AuthError('CRIT_UNSUPPORTED', 'b64 header is not supported');
  const { allowAbsent, values } = issuer.tokenTypes;
  if (has(header, 'typ')) {
    const typ = header['typ'];
    if (typeof typ !== 'string' || !values.has(normalizeTyp(typ))) throw new AuthError('TYP_NOT_ALLOWED', 'typ is not accepted');
  } else if (!allowAbsent) {
    throw new AuthError('TYP_NOT_ALLOWED', 'typ header is required');
  }
  let kid: string | undefined;
  if (has(header, 'kid')) {
    const value = header['kid'];
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_KID_LENGTH) throw new AuthError('KID_INVALID', 'kid is not a short string');
    kid = value;
  }
  // jku, x5u, x5c and jwk are ignored on purpose: keys come only from the configured JWKS.
  return { alg: alg as Algorithm, kid };
}

function numericDate(payload: Readonly<Record<string, unknown>>, name: string, required: boolean): number | undefined {
  if (!has(payload, name)) {
    if (required) throw new AuthError('CLAIMS_INVALID', `${name} is required`);
    return undefined;
  }
  const value = payload[name];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new AuthError('CLAIMS_INVALID', `${name} must be a number`);
  return value;
}

function identifier(payload: Readonly<Record<string, unknown>>, name: string, maxLength = Infinity): string {
  const value = has(payload, name) ? payload[name] : undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw new AuthError('CLAIMS_INVALID', `${name} must be a non-empty string`);
  }
  return value;
}

function checkAudience(payload: Readonly<Record<string, unknown>>, issuer: IssuerConfig, audiences: readonly string[] | undefined): void {
  const claim = issuer.audienceClaim;
  const value = has(payload, claim) ? payload[claim] : undefined;
  if (!audiences) {
    // This issuer serves no audience on the stage: nothing it signs can be meant for it.
  } else if (claim === 'client_id') {
    if (typeof value === 'string' && audiences.includes(value)) return;
  } else if (typeof value === 'string') {
    if (audiences.includes(value)) return;
  } else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    if (value.some((v) => audiences.includes(v as string))) return;
  }
  throw new AuthError('AUDIENCE_MISMATCH', 'audience is not the stage audience');
}

function checkClaims(payload: Readonly<Record<string, unknown>>, config: AuthorizerConfig, issuer: IssuerConfig, input: Omit<VerifyInput, 'token'>) {
  const skew = config.clockSkewSeconds;
  const { now } = input;
  const iss = payload['iss'];
  // Selection already matched it; checked again so the verified token can only name its own issuer.
  if (!has(payload, 'iss') || typeof iss !== 'string' || iss !== issuer.issuer) throw new AuthError('ISSUER_MISMATCH', 'iss is not the trusted issuer');
  const exp = numericDate(payload, 'exp', true)!;
  const iat = numericDate(payload, 'iat', true)!;
  const nbf = numericDate(payload, 'nbf', false);
  if (now >= exp + skew) throw new AuthError('TOKEN_EXPIRED', 'token has expired');
  if (nbf !== undefined && now + skew < nbf) throw new AuthError('TOKEN_NOT_YET_VALID', 'token is not valid yet');
  if (iat > now + skew) throw new AuthError('IAT_IN_FUTURE', 'iat is in the future');
  if (exp < iat || exp - iat > config.maxTokenLifetimeSeconds) throw new AuthError('LIFETIME_TOO_LONG', 'exp - iat exceeds the maximum lifetime');
  checkAudience(payload, issuer, input.audiences);
  const sub = identifier(payload, 'sub', MAX_SUB_LENGTH);
  const jti = identifier(payload, issuer.jtiClaim);
  checkRequiredClaims(payload, issuer.requiredClaims);
  return { iss, exp, iat, sub, jti };
}

/** A decoded token whose header passed its checks, waiting for its keys. */
export interface PreparedToken {
  /** The entry the unverified `iss` chose: its keys, header rules and claim rules apply. */
  readonly issuer: IssuerConfig;
  readonly payload: Readonly<Record<string, unknown>>;
  /** The exact bytes that were signed. */
  readonly signingInput: Buffer;
  readonly signature: Buffer;
  readonly alg: Algorithm;
  readonly kid: string | undefined;
}

interface CheckedHeader {
  readonly alg: Algorithm;
  readonly kid: string | undefined;
}

/**
 * Headers that passed `checkHeader`, per issuer (the check depends on the issuer's algorithms and types):
 * an issuer's tokens share a handful of headers.
 */
const checkedHeaders = new HeaderCache<IssuerConfig, CheckedHeader>(64);

/**
 * The issuer entry named by the payload's unverified `iss`, compared exactly. It only chooses whose keys
 * and rules apply; the signature of that issuer's key then decides whether the token is believed.
 */
export function selectIssuer(config: AuthorizerConfig, payload: Readonly<Record<string, unknown>>): IssuerConfig {
  const iss = has(payload, 'iss') ? payload['iss'] : undefined;
  const issuer = typeof iss === 'string' ? config.issuerMap.get(iss) : undefined;
  if (!issuer) throw new AuthError('ISSUER_MISMATCH', 'iss is not a trusted issuer');
  return issuer;
}

/** Decodes the token, chooses its issuer and checks its header (synchronous; the keys come next). */
export function prepareToken(token: string, config: AuthorizerConfig): PreparedToken {
  const parts = splitJws(token);
  const payload = decodeJsonPart(parts.payload, 'payload');
  const issuer = selectIssuer(config, payload);
  const cached = checkedHeaders.get(issuer, parts.header);
  // Decoding order, and so which error a doubly bad token gets, is the same with or without the cache.
  const header = cached ? undefined : decodeJsonPart(parts.header, 'header');
  const signature = decodeSignature(parts.signature);
  const checked = cached ?? checkedHeaders.set(issuer, parts.header, Object.freeze(checkHeader(header!, issuer)));
  return { issuer, payload, signingInput: signedBytes(parts), signature, alg: checked.alg, kid: checked.kid };
}

/** Checks the signature against the candidate keys, then the claims (synchronous). */
export function verifyPrepared(prepared: PreparedToken, candidates: readonly KeyObject[], input: Omit<VerifyInput, 'token'>, config: AuthorizerConfig): VerifiedToken {
  const { alg, kid } = prepared;
  const spec = ALGS[alg];
  let fitted = false;
  let verified = false;
  for (const key of candidates) {
    if (!keyFits(key, spec)) continue;
    fitted = true;
    if (signatureValid(spec, key, prepared.signingInput, prepared.signature)) {
      verified = true;
      break;
    }
  }
  if (!fitted) throw new AuthError('KEY_UNSUITABLE', 'the JWKS key does not fit alg (type, curve or size)');
  if (!verified) throw new AuthError('SIGNATURE_INVALID', 'signature does not verify');
  const { iss, exp, iat, sub, jti } = checkClaims(prepared.payload, config, prepared.issuer, input);
  return { iss, exp, iat, sub, jti, payload: prepared.payload, kid, alg };
}

/**
 * The candidate keys for a prepared token: the key source's cached answer when it has a current one (an
 * array, no promise, so the warm path never waits), otherwise its lookup (bounded by `lookup.deadline`).
 */
export function candidateKeys(keys: KeySource, prepared: PreparedToken, lookup?: KeyLookup): readonly KeyObject[] | Promise<readonly KeyObject[]> {
  return keys.cachedKeysFor?.(prepared.alg, prepared.kid) ?? keys.keysFor(prepared.alg, prepared.kid, lookup);
}

/**
 * Verifies signature and claims; throws `AuthError` on any failure.
 * @param keys the key source of each issuer, or one source when a single issuer is configured
 */
export async function verifyToken(input: VerifyInput, config: AuthorizerConfig, keys: KeySource | ((issuer: IssuerConfig) => KeySource)): Promise<VerifiedToken> {
  // One key source serving several issuers would let one issuer's keys verify another's tokens.
  if (typeof keys !== 'function' && config.issuers.length !== 1) throw new TypeError('verifyToken: one KeySource serves one issuer; pass a function of the issuer');
  const prepared = prepareToken(input.token, config);
  const source = typeof keys === 'function' ? keys(prepared.issuer) : keys;
  return verifyPrepared(prepared, await candidateKeys(source, prepared), input, config);
}
