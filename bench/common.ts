/**
 * Shared bench fixtures: keys, tokens, events, and the real `createAuthorizer` handler with its decision
 * log writing fully serialized lines into a no-op stream (a null sink, so the JSON cost stays in the
 * measurement while nothing reaches the terminal).
 */
import { Writable } from 'node:stream';
import { DecisionLog } from '../functions/authorizer/decision-log.js';
import { createAuthorizer, type AuthorizerHandler, type AuthorizerOptions } from '../functions/authorizer/create-authorizer.js';
import { generateKey, signToken, type TestKey } from '../test/helpers/keys.js';
import { ISSUER, lambdaContext, restTokenEvent, testEnv } from '../test/helpers/fixtures.js';

export { ISSUER, lambdaContext, restTokenEvent, testEnv };

/** The algorithms the warm benchmark compares. */
export const BENCH_ALGS = ['ES256', 'RS256', 'EdDSA'] as const;
export type BenchAlg = (typeof BENCH_ALGS)[number];

/** The stage audience of `restTokenEvent`'s default stage (`dev`). */
export const AUDIENCE = 'api-dev';
export const CLOCK_SKEW_SECONDS = 30;
export const MAX_TOKEN_LIFETIME_SECONDS = 86_400;

/** Bytes written to the null sink (so the writes cannot be optimised away, and for a sanity check). */
export const sinkStats = { writes: 0, bytes: 0 };

/** A writable that drops everything after counting it. */
export function nullStream(): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      sinkStats.writes++;
      sinkStats.bytes += chunk.length;
      callback();
    },
  });
}

/** The decision log `createAuthorizer` would build (log line and EMF metrics), writing to a null sink. */
export function nullSinkLog(): DecisionLog {
  const sink = nullStream();
  return new DecisionLog({ serviceName: 'jwt-authorizer', namespace: 'JwtAuthorizer', write: (line) => void sink.write(line) });
}

/** The production handler from `createAuthorizer`, output to a null sink, real clock. */
export function benchAuthorizer(env: Record<string, string | undefined>, extra: Partial<AuthorizerOptions> = {}): AuthorizerHandler {
  return createAuthorizer({ env, log: nullSinkLog(), ...extra });
}

/** One key per benchmarked algorithm, with a distinct kid. */
export function benchKeys(): Record<BenchAlg, TestKey> {
  return {
    ES256: generateKey('ES256', 'bench-es256'),
    RS256: generateKey('RS256', 'bench-rs256'),
    EdDSA: generateKey('EdDSA', 'bench-eddsa'),
  };
}

let jtiCounter = 0;
/** Valid claims at the current time, scope `orders:read` (allowed on `GET /orders/42`). */
export function liveClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: ISSUER,
    sub: 'user-1',
    aud: AUDIENCE,
    iat: now - 10,
    exp: now + 3600,
    jti: `bench-${process.pid}-${++jtiCounter}`,
    scope: 'orders:read',
    ...overrides,
  };
}

/** `n` distinct valid tokens signed by `key`. */
export function mintTokens(key: TestKey, n: number, overrides: Record<string, unknown> = {}): string[] {
  return Array.from({ length: n }, () => signToken(key, { payload: liveClaims(overrides) }));
}

/** Whether a handler response is an Allow policy. */
export function isAllow(response: unknown): boolean {
  const doc = (response as { policyDocument?: { Statement?: { Effect?: string }[] } })?.policyDocument;
  return !!doc?.Statement?.some((s) => s.Effect === 'Allow');
}
