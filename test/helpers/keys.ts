/** Signing keys and hand-made tokens for tests: every byte of header, payload and signature is ours to shape. */
import { generateKeyPairSync, sign, constants, type KeyObject } from 'node:crypto';

/** A test signing key with its public JWK. */
export interface TestKey {
  readonly alg: string;
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicJwk: Record<string, unknown>;
}

/** Generates a key pair for `alg` (RS*, PS*, ES256/384/512, EdDSA). */
export function generateKey(alg: string, kid = `${alg.toLowerCase()}-key`, rsaBits = 2048): TestKey {
  let pair: { privateKey: KeyObject; publicKey: KeyObject };
  if (alg.startsWith('RS') || alg.startsWith('PS')) pair = generateKeyPairSync('rsa', { modulusLength: rsaBits });
  else if (alg === 'ES256') pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  else if (alg === 'ES384') pair = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  else if (alg === 'ES512') pair = generateKeyPairSync('ec', { namedCurve: 'P-521' });
  else if (alg === 'EdDSA') pair = generateKeyPairSync('ed25519');
  else throw new Error(`no test key for ${alg}`);
  const publicJwk = { ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  return { alg, kid, ...pair, publicJwk };
}

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Signs `header.payload` with the key's algorithm (or `signAlg`), returning the raw signature. */
export function signInput(key: TestKey, input: string, signAlg = key.alg): Buffer {
  const hash = signAlg === 'EdDSA' ? null : `sha${signAlg.slice(2)}`;
  if (signAlg.startsWith('ES')) return sign(hash, Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  if (signAlg.startsWith('PS')) {
    return sign(hash, Buffer.from(input), { key: key.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
  }
  return sign(hash, Buffer.from(input), key.privateKey);
}

/** Options for a hand-made token. */
export interface TokenParts {
  /** Header members; `alg` and `kid` default to the key's. A string is used as the raw header JSON. */
  header?: Record<string, unknown> | string;
  /** Claims; a string is used as the raw payload JSON. */
  payload: Record<string, unknown> | string;
}

/** A compact JWS signed by `key` over exactly the given header and payload. */
export function signToken(key: TestKey, parts: TokenParts): string {
  const header = typeof parts.header === 'string' ? parts.header : { alg: key.alg, kid: key.kid, typ: 'JWT', ...parts.header };
  const input = `${b64(header)}.${b64(parts.payload)}`;
  return `${input}.${signInput(key, input).toString('base64url')}`;
}

/** Encodes header and payload without signing, with any signature bytes. */
export function unsignedToken(header: unknown, payload: unknown, signature = ''): string {
  return `${b64(header)}.${b64(payload)}.${signature}`;
}
