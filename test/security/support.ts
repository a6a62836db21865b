/**
 * Shared tools of the security suite: hand-forged tokens, a classifier that maps whatever the handler does
 * to the four outcomes of the contract (and flags anything else), and hostile servers on loopback.
 */
import { createHmac, type KeyObject } from 'node:crypto';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { expect } from 'vitest';
import { policyAllows, type PolicyLike } from '../../lib/iam-evaluate.js';
import { INTERNAL, UNAUTHORIZED } from '../../lib/respond.js';
import { signInput, type TestKey } from '../helpers/keys.js';
import type { CapturedOutput } from '../helpers/fixtures.js';

export const b64u = (value: unknown): string =>
  (Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))).toString('base64url');

/** `header.payload` from objects, raw JSON strings or raw bytes. */
export function signingInput(header: unknown, payload: unknown): string {
  return `${b64u(header)}.${b64u(payload)}`;
}

/** A token over exactly this header and payload, signed by `key` with `signAlg` (default: the key's alg). */
export function forge(key: TestKey, header: unknown, payload: unknown, signAlg = key.alg): string {
  const input = signingInput(header, payload);
  return `${input}.${signInput(key, input, signAlg).toString('base64url')}`;
}

/** A token with an HMAC signature keyed by `secret` (the classic RS256 → HS256 confusion). */
export function forgeHmac(alg: 'HS256' | 'HS384' | 'HS512', secret: string | Buffer, header: Record<string, unknown>, payload: unknown): string {
  const input = signingInput({ ...header, alg }, payload);
  return `${input}.${createHmac(`sha${alg.slice(2)}`, secret).update(input).digest('base64url')}`;
}

/** The public key of a test key in the forms an attacker would try as an HMAC secret. */
export function publicKeyForms(publicKey: KeyObject): Record<string, string | Buffer> {
  return {
    pem: publicKey.export({ format: 'pem', type: 'spki' }) as string,
    pkcs1Pem: publicKey.asymmetricKeyType === 'rsa' ? (publicKey.export({ format: 'pem', type: 'pkcs1' }) as string) : 'n/a',
    jwkJson: JSON.stringify(publicKey.export({ format: 'jwk' })),
    der: publicKey.export({ format: 'der', type: 'spki' }),
  };
}

/** Every way the handler can end, as the contract names them; `unmapped` is always a failure. */
export type Outcome = 'allow' | 'forbidden' | 'unauthorized' | 'internal' | 'unmapped';

export interface Classified {
  readonly outcome: Outcome;
  readonly response: unknown;
  readonly thrown: unknown;
  readonly ms: number;
}

/** The ARN API Gateway would check the policy against. */
export function requestArn(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const e = event as Record<string, unknown>;
  const arn = e['version'] === '2.0' ? e['routeArn'] : e['methodArn'];
  return typeof arn === 'string' ? arn : undefined;
}

function isWellFormedPolicy(response: Record<string, unknown>): boolean {
  const doc = response['policyDocument'] as Record<string, unknown> | undefined;
  if (typeof response['principalId'] !== 'string' || !doc || doc['Version'] !== '2012-10-17') return false;
  const statements = doc['Statement'];
  if (!Array.isArray(statements) || statements.length === 0) return false;
  return statements.every((s: Record<string, unknown>) => {
    if (s['Action'] !== 'execute-api:Invoke' || (s['Effect'] !== 'Allow' && s['Effect'] !== 'Deny')) return false;
    const resources = s['Resource'];
    return Array.isArray(resources) && resources.length > 0 && resources.every((r) => typeof r === 'string' && r.startsWith('arn:aws:execute-api:'));
  });
}

/** Runs one invocation and names its outcome. A malformed response counts as `unmapped`. */
export async function classify(invoke: (event: unknown) => Promise<unknown>, event: unknown): Promise<Classified> {
  const started = performance.now();
  try {
    const response = await invoke(event);
    const ms = performance.now() - started;
    if (typeof response !== 'object' || response === null) return { outcome: 'unmapped', response, thrown: undefined, ms };
    const r = response as Record<string, unknown>;
    if ('isAuthorized' in r) {
      const ok = typeof r['isAuthorized'] === 'boolean' && typeof r['context'] === 'object' && r['context'] !== null && Object.keys(r).length === 2;
      if (!ok) return { outcome: 'unmapped', response, thrown: undefined, ms };
      return { outcome: r['isAuthorized'] ? 'allow' : 'forbidden', response, thrown: undefined, ms };
    }
    if (!isWellFormedPolicy(r)) return { outcome: 'unmapped', response, thrown: undefined, ms };
    const arn = requestArn(event);
    const allowed = arn !== undefined && policyAllows(r['policyDocument'] as PolicyLike, arn);
    return { outcome: allowed ? 'allow' : 'forbidden', response, thrown: undefined, ms };
  } catch (err) {
    const ms = performance.now() - started;
    const message = err instanceof Error ? err.message : undefined;
    const outcome: Outcome = message === UNAUTHORIZED ? 'unauthorized' : message === INTERNAL ? 'internal' : 'unmapped';
    return { outcome, response: undefined, thrown: err, ms };
  }
}

/** The `reason` of the last decision line the authorizer logged. */
export function lastReason(output: CapturedOutput): unknown {
  const lines = output.decisions();
  return lines[lines.length - 1]?.['reason'];
}

/** Invokes once and checks outcome and logged reason together: the reason pins the defence that fired. */
export async function expectDecision(
  auth: { invoke: (event: unknown) => Promise<unknown>; output: CapturedOutput },
  event: unknown,
  outcome: Outcome,
  reason?: string,
): Promise<Classified> {
  const result = await classify(auth.invoke, event);
  const why = `got ${result.outcome}/${String(lastReason(auth.output))}`;
  expect(result.outcome, why).toBe(outcome);
  if (reason !== undefined) expect(lastReason(auth.output), why).toBe(reason);
  return result;
}

/** A TCP server that accepts connections and never answers (a black hole). */
export async function startBlackHole(): Promise<{ url: string; connections: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const state = { connections: 0 };
  const server: TcpServer = createTcpServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  });
}

/** An HTTP server that sends a 200 status line and headers at once, then one body byte every 300 ms. */
export async function startTrickle(contentType = 'application/json'): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', () => {
      socket.write(`HTTP/1.1 200 OK\r\ncontent-type: ${contentType}\r\ncontent-length: 100000\r\n\r\n{`);
      const timer = setInterval(() => socket.write(' '), 300);
      socket.on('close', () => clearInterval(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
