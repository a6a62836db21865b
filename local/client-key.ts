/**
 * The local DPoP client's ES256 key pair: a private JWK in `<data-dir>/dpop-client-key.json` (mode
 * 0600), generated on first use. `npm run token -- --dpop` binds tokens to it (`cnf.jkt`), and
 * `npm run call` signs a fresh proof with it for every request, through the `dpop` client package.
 */
import { webcrypto } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { calculateThumbprint, type KeyPair } from 'dpop';
import { LocalError, codeOf } from './errors.js';

/** The client's key pair and the thumbprint tokens are bound to. */
export interface ClientKey {
  readonly keyPair: KeyPair;
  readonly jkt: string;
  readonly file: string;
  readonly created: boolean;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256' } as const;
type JsonWebKey = webcrypto.JsonWebKey;

/** Where the client key lives in a data directory. */
export function clientKeyFile(dir: string): string {
  return join(dir, 'dpop-client-key.json');
}

async function fromJwk(jwk: JsonWebKey, file: string, created: boolean): Promise<ClientKey> {
  try {
    const privateKey = await crypto.subtle.importKey('jwk', jwk, ALG, false, ['sign']);
    const { kty, crv, x, y } = jwk;
    const publicKey = await crypto.subtle.importKey('jwk', { kty, crv, x, y }, ALG, true, ['verify']);
    const keyPair = { privateKey, publicKey } as KeyPair;
    return { keyPair, jkt: await calculateThumbprint(keyPair.publicKey), file, created };
  } catch {
    throw new LocalError(`the DPoP client key ${file} is not a usable EC P-256 private JWK; delete the file to generate a new one`);
  }
}

/** Reads the client key, or generates and stores one when the file does not exist. */
export async function loadOrCreateClientKey(file: string): Promise<ClientKey> {
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (codeOf(err) !== 'ENOENT') throw new LocalError(`cannot read the DPoP client key ${file} (${codeOf(err) ?? (err as Error).message})`);
  }
  if (text !== undefined) {
    let jwk: JsonWebKey;
    try {
      jwk = JSON.parse(text) as JsonWebKey;
    } catch {
      throw new LocalError(`the DPoP client key ${file} is not valid JSON; delete the file to generate a new one`);
    }
    return fromJwk(jwk, file, false);
  }
  const pair = (await crypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(jwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if (codeOf(err) === 'EEXIST') return loadOrCreateClientKey(file);
    throw new LocalError(`cannot write the DPoP client key ${file} (${codeOf(err) ?? (err as Error).message})`);
  }
  return fromJwk(jwk, file, true);
}
