/**
 * DPoP test tools: clients of the independent `dpop` package (panva's reference client), hand-forged
 * proofs whose every member is ours to shape, and events that carry a `DPoP` header and the request URI.
 */
import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { generateKeyPair, generateProof, calculateThumbprint, type JWSAlgorithm, type KeyPair } from 'dpop';
import { signInput, type TestKey } from './keys.js';
import { httpApiEvent, restRequestEvent, websocketEvent } from './fixtures.js';

export const DOMAIN = 'abcdef1234.execute-api.us-east-1.amazonaws.com';

/** A client of the `dpop` package: its key pair and the thumbprint its tokens are bound to. */
export interface DpopClient {
  readonly keyPair: KeyPair;
  readonly jkt: string;
  /** A fresh proof (new `jti`, `iat` now) for this request and token. */
  proof(htu: string, htm: string, accessToken: string): Promise<string>;
}

/** A new `dpop` package client with a key of `alg`. */
export async function dpopClient(alg: JWSAlgorithm = 'ES256'): Promise<DpopClient> {
  const keyPair = await generateKeyPair(alg);
  const jkt = await calculateThumbprint(keyPair.publicKey);
  return { keyPair, jkt, proof: (htu, htm, accessToken) => generateProof(keyPair, htu, htm, undefined, accessToken) };
}

/** The public JWK of a node test key with only its key members (no kid, alg or use). */
export function bareJwk(key: TestKey): Record<string, unknown> {
  const { kty, crv, x, y, n, e } = key.publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
  return JSON.parse(JSON.stringify({ kty, crv, x, y, n, e })) as Record<string, unknown>;
}

/** The RFC 7638 thumbprint of a test key, by jose. */
export function thumbprintOf(key: TestKey): Promise<string> {
  return calculateJwkThumbprint(bareJwk(key) as Parameters<typeof calculateJwkThumbprint>[0], 'sha256');
}

/** What a hand-forged proof is for. */
export interface ProofBase {
  readonly htu: string;
  readonly htm: string;
  readonly accessToken: string;
  readonly now: number;
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/**
 * A proof signed by `key` over a valid header and claims for `base`, with `header` and `claims` merged
 * over them (a member set to `undefined` is left out). `signAlg` signs with another algorithm than the
 * header's `alg` names.
 */
export function forgeProof(key: TestKey, base: ProofBase, opts: { header?: Record<string, unknown>; claims?: Record<string, unknown>; signAlg?: string } = {}): string {
  const header = { typ: 'dpop+jwt', alg: key.alg, jwk: bareJwk(key), ...opts.header };
  const claims = {
    jti: randomUUID(),
    htm: base.htm,
    htu: base.htu,
    iat: base.now,
    ath: createHash('sha256').update(base.accessToken).digest('base64url'),
    ...opts.claims,
  };
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${signInput(key, input, opts.signAlg ?? (key.alg === 'Ed25519' ? 'EdDSA' : key.alg)).toString('base64url')}`;
}

function addHeader(event: Record<string, unknown>, name: string, values: readonly string[]): void {
  if (values.length === 0) return;
  (event['headers'] as Record<string, string>)[name] = values[values.length - 1]!;
  const multi = event['multiValueHeaders'] as Record<string, string[]> | undefined;
  if (multi) multi[name] = [...values];
}

/** Options of a DPoP event. */
export interface DpopEventOptions {
  readonly stage?: string;
  readonly method?: string;
  /** Path after the stage. */
  readonly path?: string;
  readonly resource?: string;
  readonly domainName?: string;
  /** The path the client used, when it is not `/<stage><path>` (a custom domain's base path). */
  readonly clientPath?: string;
  /** @default 'DPoP' */
  readonly scheme?: string;
}

/** A REST REQUEST event with `Authorization: DPoP <token>` and the given `DPoP` header values. */
export function restDpopEvent(token: string, proofs: string | readonly string[], opts: DpopEventOptions = {}): Record<string, unknown> {
  const { stage = 'dev', path = '/orders/42', domainName = DOMAIN, scheme = 'DPoP' } = opts;
  const event = restRequestEvent(`${scheme} ${token}`, opts);
  addHeader(event, 'DPoP', typeof proofs === 'string' ? [proofs] : proofs);
  const ctx = event['requestContext'] as Record<string, unknown>;
  ctx['path'] = opts.clientPath ?? `/${stage}${path}`;
  ctx['domainName'] = domainName;
  return event;
}

/** An HTTP API event with `authorization: DPoP <token>` and a `dpop` header (repeats comma-joined). */
export function httpDpopEvent(token: string, proofs: string | readonly string[], opts: DpopEventOptions = {}): Record<string, unknown> {
  const { stage = '$default', path = '/orders/42', domainName = DOMAIN, scheme = 'DPoP' } = opts;
  const event = httpApiEvent(`${scheme} ${token}`, opts);
  (event['headers'] as Record<string, string>)['dpop'] = (typeof proofs === 'string' ? [proofs] : proofs).join(',');
  const rawPath = opts.clientPath ?? (stage === '$default' ? path : `/${stage}${path}`);
  event['rawPath'] = rawPath;
  const ctx = event['requestContext'] as Record<string, unknown>;
  ctx['domainName'] = domainName;
  (ctx['http'] as Record<string, unknown>)['path'] = rawPath;
  return event;
}

/** A WebSocket `$connect` event with `Authorization: DPoP <token>` and a `DPoP` header. */
export function websocketDpopEvent(token: string, proof: string, opts: { stage?: string; domainName?: string } = {}): Record<string, unknown> {
  const event = websocketEvent(`DPoP ${token}`, opts.stage);
  addHeader(event, 'DPoP', [proof]);
  (event['requestContext'] as Record<string, unknown>)['domainName'] = opts.domainName ?? DOMAIN;
  return event;
}

/** The URI a client calls for a REST path on the execute-api endpoint. */
export function restUri(stage = 'dev', path = '/orders/42', domain = DOMAIN): string {
  return `https://${domain}/${stage}${path}`;
}
