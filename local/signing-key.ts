/**
 * The local issuer's ES256 signing key: a private JWK in `<data-dir>/issuer-key.json` (mode 0600),
 * generated on first use. The public half is what the issuer publishes in its JWKS.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { LocalError, codeOf } from './errors.js';

export interface SigningKey {
  readonly kid: string;
  readonly alg: 'ES256';
  readonly privateKey: KeyObject;
  /** The public JWK with `kid`, `alg` and `use`, as published. */
  readonly publicJwk: JWK;
  readonly file: string;
  /** Whether this call generated the key. */
  readonly created: boolean;
}

function fromJwk(jwk: Record<string, unknown>, file: string, created: boolean): SigningKey {
  const problem = (why: string) =>
    new LocalError(`the signing key ${file} is not usable (${why}); delete the file to generate a new key`);
  if (jwk['kty'] !== 'EC' || jwk['crv'] !== 'P-256') throw problem('expected an EC P-256 private JWK');
  if (typeof jwk['d'] !== 'string' || typeof jwk['kid'] !== 'string' || jwk['kid'] === '') throw problem('missing "d" or "kid"');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: jwk as never, format: 'jwk' });
  } catch {
    throw problem('the key material is invalid');
  }
  const { kty, crv, x, y } = createPublicKey(privateKey).export({ format: 'jwk' });
  const publicJwk: JWK = { kty, crv, x, y, kid: jwk['kid'], alg: 'ES256', use: 'sig' };
  return { kid: jwk['kid'], alg: 'ES256', privateKey, publicJwk, file, created };
}

function read(file: string): SigningKey | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return undefined;
    throw new LocalError(`cannot read the signing key ${file} (${codeOf(err) ?? (err as Error).message}); fix its permissions or delete it`);
  }
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch {
    throw new LocalError(`the signing key ${file} is not valid JSON; delete the file to generate a new key`);
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw new LocalError(`the signing key ${file} is not a JWK object; delete the file to generate a new key`);
  }
  return fromJwk(jwk as Record<string, unknown>, file, false);
}

/** Reads the key, or generates and stores a new one when the file does not exist. */
export async function loadOrCreateKey(file: string): Promise<SigningKey> {
  const existing = read(file);
  if (existing) return existing;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' }) as Record<string, unknown>;
  const kid = await calculateJwkThumbprint({ kty: 'EC', crv: jwk['crv'] as string, x: jwk['x'] as string, y: jwk['y'] as string });
  const stored = { ...jwk, kid, alg: 'ES256', use: 'sig' };
  try {
    mkdirSync(dirname(file), { recursive: true });
    // `wx`: when two processes race, the first key wins and the other reads it.
    writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if (codeOf(err) === 'EEXIST') return read(file)!;
    throw new LocalError(`cannot write the signing key ${file} (${codeOf(err) ?? (err as Error).message})`);
  }
  return fromJwk(stored, file, true);
}

/** Reads the key; `undefined` when it does not exist yet. */
export function loadKey(file: string): SigningKey | undefined {
  return read(file);
}
