/**
 * RFC 7638 JWK thumbprints with SHA-256, synchronously (jose's `calculateJwkThumbprint` is async, through
 * WebCrypto). The hash covers only the required members of the key type, in lexicographic order, so
 * optional members (`alg`, `use`, `kid`) never change a key's identity.
 */
import { hash } from 'node:crypto';

/** The required members of each key type (RFC 7638 §3.2), already in lexicographic order. */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
};

/**
 * The base64url SHA-256 thumbprint of a public JWK, or undefined when the key type is not EC, OKP or
 * RSA or a required member is not a string.
 * @example
 * jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: '…' }); // the `cnf.jkt` of a token bound to that key
 */
export function jwkThumbprint(jwk: Readonly<Record<string, unknown>>): string | undefined {
  const members = typeof jwk['kty'] === 'string' ? REQUIRED[jwk['kty']] : undefined;
  if (!members || !Object.prototype.hasOwnProperty.call(REQUIRED, jwk['kty'] as string)) return undefined;
  const canonical: Record<string, string> = {};
  for (const name of members) {
    const value = Object.prototype.hasOwnProperty.call(jwk, name) ? jwk[name] : undefined;
    if (typeof value !== 'string') return undefined;
    canonical[name] = value;
  }
  // JSON.stringify writes exactly RFC 7638's form: no whitespace, members in insertion order.
  return hash('sha256', JSON.stringify(canonical), 'base64url');
}
