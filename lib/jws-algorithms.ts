/**
 * The JWS algorithms the authorizer verifies, as node:crypto sees them: which key fits which `alg`, and
 * one signature check. Shared by the access-token verifier and the DPoP proof check.
 */
import { constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { Algorithm } from './env-names.js';

/** How one `alg` is verified. */
export interface AlgSpec {
  readonly hash: string | null;
  readonly keyType: 'rsa' | 'ec' | 'ed25519';
  readonly pss?: boolean;
  /** Exact IEEE P1363 signature length for ECDSA. */
  readonly sigLength?: number;
  readonly curve?: string;
}

/** Every supported `alg`; `Ed25519` is RFC 9864's fully specified name for EdDSA with Ed25519. */
export const ALGS: Readonly<Record<Algorithm | 'Ed25519', AlgSpec>> = {
  RS256: { hash: 'sha256', keyType: 'rsa' },
  RS384: { hash: 'sha384', keyType: 'rsa' },
  RS512: { hash: 'sha512', keyType: 'rsa' },
  PS256: { hash: 'sha256', keyType: 'rsa', pss: true },
  PS384: { hash: 'sha384', keyType: 'rsa', pss: true },
  PS512: { hash: 'sha512', keyType: 'rsa', pss: true },
  ES256: { hash: 'sha256', keyType: 'ec', sigLength: 64, curve: 'prime256v1' },
  ES384: { hash: 'sha384', keyType: 'ec', sigLength: 96, curve: 'secp384r1' },
  ES512: { hash: 'sha512', keyType: 'ec', sigLength: 132, curve: 'secp521r1' },
  EdDSA: { hash: null, keyType: 'ed25519' },
  Ed25519: { hash: null, keyType: 'ed25519' },
};

/** Whether the key can verify `alg`: the right type and curve, and RSA keys of at least 2048 bits. */
export function keyFits(key: KeyObject, spec: AlgSpec): boolean {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (spec.keyType === 'rsa') return (type === 'rsa' || (spec.pss === true && type === 'rsa-pss')) && (details.modulusLength ?? 0) >= 2048;
  if (spec.keyType === 'ec') return type === 'ec' && details.namedCurve === spec.curve;
  return type === 'ed25519';
}

/** Whether `signature` over `input` verifies under `key`; any error counts as invalid. */
export function signatureValid(spec: AlgSpec, key: KeyObject, input: Buffer, signature: Buffer): boolean {
  if (spec.sigLength !== undefined && signature.length !== spec.sigLength) return false;
  try {
    if (spec.keyType === 'ec') return cryptoVerify(spec.hash, input, { key, dsaEncoding: 'ieee-p1363' }, signature);
    if (spec.pss) {
      return cryptoVerify(spec.hash, input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
    }
    return cryptoVerify(spec.hash, input, key, signature);
  } catch {
    return false;
  }
}

/** Whether an object has `name` as its own member (never read through the prototype). */
export function has(o: Readonly<Record<string, unknown>>, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, name);
}
