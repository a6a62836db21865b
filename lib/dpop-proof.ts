/**
 * Reads and checks a DPoP proof (RFC 9449 §4.3, design §8): strict decoding, header (`typ`, `alg`, a
 * public `jwk` that fits the `alg`, no other key source), signature under that `jwk`, then the claims
 * `jti`, `htm`, `htu`, `iat` and `ath`. Every failure is a 401 code of its own.
 */
import { createPublicKey, hash, type KeyObject } from 'node:crypto';
import { AuthError } from './errors.js';
import { normalizeTyp } from './config.js';
import { decodeJsonPart, decodeSignature, signedBytes, splitJws } from './decode-jwt.js';
import type { DpopAlgorithm, DpopConfig } from './dpop-config.js';
import { htuMatches, type RequestTarget } from './htu.js';
import { ALGS, has, keyFits, signatureValid, type AlgSpec } from './jws-algorithms.js';
import { jwkThumbprint } from './jwk-thumbprint.js';
import { HeaderCache } from './header-cache.js';

/** What the request says a proof must match. */
export interface ProofRequest {
  /** The compact JWS of the `DPoP` header. */
  readonly proof: string;
  /** The access token exactly as presented (for `ath`). */
  readonly accessToken: string;
  /** The HTTP method (`GET` for WebSocket `$connect`). */
  readonly method: string;
  readonly target: RequestTarget;
  /** Seconds since the epoch. */
  readonly now: number;
}

/** A proof that passed every check. */
export interface CheckedProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's key. */
  readonly jkt: string;
  readonly jti: string;
  readonly iat: number;
}

/** Largest accepted proof `jti`. */
export const MAX_PROOF_JTI_LENGTH = 256;
// Members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
// Header members that point at a key elsewhere: the proof's key is the embedded `jwk` and nothing else.
const OTHER_KEY_SOURCES = ['kid', 'jku', 'x5c', 'x5u', 'x5t', 'x5t#S256'];
const KEY_TYPE: Readonly<Record<AlgSpec['keyType'], string>> = { rsa: 'RSA', ec: 'EC', ed25519: 'OKP' };

interface CheckedHeader {
  readonly spec: AlgSpec;
  readonly key: KeyObject;
  readonly jkt: string;
}

/** Proof headers that passed: a client signs every proof with the same key, so its headers repeat. */
const checkedHeaders = new HeaderCache<DpopConfig, CheckedHeader>(256);

function malformed(err: unknown): never {
  if (err instanceof AuthError && err.code === 'TOKEN_MALFORMED') throw new AuthError('DPOP_PROOF_MALFORMED', `proof: ${err.message}`);
  throw err;
}

function importJwk(header: Readonly<Record<string, unknown>>, spec: AlgSpec): { key: KeyObject; jkt: string } {
  const jwk = header['jwk'];
  if (!has(header, 'jwk') || typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw new AuthError('DPOP_JWK_INVALID', 'proof has no jwk object');
  const members = jwk as Record<string, unknown>;
  if (PRIVATE_MEMBERS.some((name) => has(members, name))) throw new AuthError('DPOP_JWK_INVALID', 'proof jwk holds private key members');
  if (members['kty'] !== KEY_TYPE[spec.keyType]) throw new AuthError('DPOP_JWK_INVALID', 'proof jwk kty does not fit alg');
  const jkt = jwkThumbprint(members);
  if (!jkt) throw new AuthError('DPOP_JWK_INVALID', 'proof jwk lacks a required member');
  let key: KeyObject;
  try {
    // Only the members that define the key: nothing else of the header reaches the parser.
    const { kty, crv, x, y, n, e } = members as Record<string, string>;
    key = createPublicKey({ key: { kty, crv, x, y, n, e }, format: 'jwk' });
  } catch (err) {
    throw new AuthError('DPOP_JWK_INVALID', 'proof jwk is not a valid public key', { cause: err });
  }
  if (key.type !== 'public' || !keyFits(key, spec)) throw new AuthError('DPOP_JWK_INVALID', 'proof jwk does not fit alg (type, curve or size)');
  return { key, jkt };
}

function checkHeader(header: Readonly<Record<string, unknown>>, config: DpopConfig): CheckedHeader {
  const typ = header['typ'];
  if (!has(header, 'typ') || typeof typ !== 'string' || normalizeTyp(typ) !== 'dpop+jwt') throw new AuthError('DPOP_TYP_INVALID', 'proof typ is not dpop+jwt');
  const alg = header['alg'];
  if (!has(header, 'alg') || typeof alg !== 'string' || !config.algorithms.has(alg as DpopAlgorithm)) throw new AuthError('DPOP_ALG_NOT_ALLOWED', 'proof alg is missing or not allowed');
  // RFC 7515 §4.1.11: extensions it does not understand must be refused; it understands none.
  if (has(header, 'crit') || has(header, 'b64')) throw new AuthError('DPOP_PROOF_MALFORMED', 'proof uses crit or b64');
  if (OTHER_KEY_SOURCES.some((name) => has(header, name))) throw new AuthError('DPOP_JWK_INVALID', 'proof names a key source other than jwk');
  const spec = ALGS[alg as DpopAlgorithm];
  return { spec, ...importJwk(header, spec) };
}

function prepare(proof: string, config: DpopConfig) {
  try {
    const parts = splitJws(proof);
    const cached = checkedHeaders.get(config, parts.header);
    const header = cached ? undefined : decodeJsonPart(parts.header, 'header');
    const payload = decodeJsonPart(parts.payload, 'payload');
    const signature = decodeSignature(parts.signature);
    const checked = cached ?? checkedHeaders.set(config, parts.header, Object.freeze(checkHeader(header!, config)));
    return { checked, payload, signature, input: signedBytes(parts) };
  } catch (err) {
    return malformed(err);
  }
}

/** base64url(SHA-256(token)): the `ath` a proof for this token carries. */
export function accessTokenHash(token: string): string {
  return hash('sha256', token, 'base64url');
}

/**
 * Checks a proof against the request; returns its key's thumbprint, `jti` and `iat`, or throws a
 * `DPOP_*` `AuthError`.
 * @param skewSeconds the configured clock skew
 */
export function checkProof(request: ProofRequest, config: DpopConfig, skewSeconds: number): CheckedProof {
  const { checked, payload, signature, input } = prepare(request.proof, config);
  if (!signatureValid(checked.spec, checked.key, input, signature)) throw new AuthError('DPOP_SIGNATURE_INVALID', 'proof signature does not verify');
  const jti = has(payload, 'jti') ? payload['jti'] : undefined;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_PROOF_JTI_LENGTH) throw new AuthError('DPOP_JTI_INVALID', 'proof jti must be a string of 1 to 256 characters');
  if (!has(payload, 'htm') || payload['htm'] !== request.method) throw new AuthError('DPOP_HTM_MISMATCH', 'proof htm is not the request method');
  const htu = has(payload, 'htu') ? payload['htu'] : undefined;
  if (typeof htu !== 'string' || !htuMatches(htu, request.target, config.origins)) throw new AuthError('DPOP_HTU_MISMATCH', 'proof htu is not the request URI');
  const iat = has(payload, 'iat') ? payload['iat'] : undefined;
  const { now } = request;
  if (typeof iat !== 'number' || !Number.isFinite(iat) || iat > now + skewSeconds || iat < now - config.proofMaxAgeSeconds - skewSeconds) {
    throw new AuthError('DPOP_IAT_INVALID', 'proof iat is outside the accepted window');
  }
  if (!has(payload, 'ath') || payload['ath'] !== accessTokenHash(request.accessToken)) throw new AuthError('DPOP_ATH_MISMATCH', 'proof ath is not the hash of the access token');
  return { jkt: checked.jkt, jti, iat };
}
