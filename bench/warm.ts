/**
 * Section 1: the warm decision (JWKS cached, REPLAY_PROTECTION=off) through the real handler, against the
 * raw `crypto.verify` limit, jose's `jwtVerify` and aws-jwt-verify's `verifySync`, all on the same tokens.
 */
import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { JwtVerifier } from 'aws-jwt-verify';
import { startJwksServer } from '../test/helpers/jwks-server.js';
import {
  AUDIENCE,
  BENCH_ALGS,
  CLOCK_SKEW_SECONDS,
  ISSUER,
  MAX_TOKEN_LIFETIME_SECONDS,
  benchAuthorizer,
  benchKeys,
  isAllow,
  lambdaContext,
  mintTokens,
  restTokenEvent,
  testEnv,
  type BenchAlg,
} from './common.js';
import { runRounds, timeBatch, type Summary, type Variant } from './stats.js';

/** Variant names, in table order. */
export const WARM_VARIANTS = ['raw crypto.verify', 'ours (full handler)', 'jose jwtVerify', 'aws-jwt-verify verifySync'] as const;

export interface WarmResult {
  readonly alg: BenchAlg;
  readonly results: Map<string, Summary>;
}

export interface WarmOptions {
  readonly rounds: number;
  /** Target wall time of one batch of the handler variant, in ms (sets ops per round). */
  readonly batchMs: number;
}

const POOL = 64;

function rawVerifier(alg: BenchAlg, key: KeyObject): (input: Buffer, sig: Buffer) => boolean {
  if (alg === 'ES256') return (input, sig) => cryptoVerify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, sig);
  if (alg === 'RS256') return (input, sig) => cryptoVerify('sha256', input, key, sig);
  return (input, sig) => cryptoVerify(null, input, key, sig);
}

/** Runs the warm comparison for every algorithm; `log` gets progress lines. */
export async function runWarm(opts: WarmOptions, log: (line: string) => void): Promise<WarmResult[]> {
  const keys = benchKeys();
  const jwks = { keys: BENCH_ALGS.map((alg) => keys[alg].publicJwk) };
  const server = await startJwksServer(jwks.keys);
  try {
    const env = testEnv(server.url, { REPLAY_PROTECTION: 'off', REPLAY_TABLE_NAME: undefined, JWT_ALGORITHMS: 'RS256,ES256,EdDSA' });
    const handler = benchAuthorizer(env);
    const localSet = createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
    const out: WarmResult[] = [];

    for (const alg of BENCH_ALGS) {
      const key = keys[alg];
      const tokens = mintTokens(key, POOL);
      const events = tokens.map((t) => restTokenEvent(`Bearer ${t}`));
      const parts = tokens.map((t) => {
        const dot = t.lastIndexOf('.');
        return { input: Buffer.from(t.slice(0, dot)), sig: Buffer.from(t.slice(dot + 1), 'base64url') };
      });
      const raw = rawVerifier(alg, key.publicKey);
      const awsVerifier = JwtVerifier.create({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: server.url,
        graceSeconds: CLOCK_SKEW_SECONDS,
        // The claim checks aws-jwt-verify lacks natively (our verifier and jose do them).
        customJwtCheck: ({ payload }) => {
          const now = Date.now() / 1000;
          if (typeof payload.sub !== 'string' || typeof payload.jti !== 'string') throw new Error('sub/jti required');
          if (typeof payload.iat !== 'number' || typeof payload.exp !== 'number') throw new Error('iat/exp required');
          if (payload.iat > now + CLOCK_SKEW_SECONDS) throw new Error('iat in the future');
          if (payload.exp - payload.iat > MAX_TOKEN_LIFETIME_SECONDS) throw new Error('lifetime too long');
        },
      });
      awsVerifier.cacheJwks(jwks as unknown as Parameters<typeof awsVerifier.cacheJwks>[0]);
      const joseOptions = {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: [alg],
        clockTolerance: CLOCK_SKEW_SECONDS,
        requiredClaims: ['exp', 'iat', 'sub', 'jti'],
        maxTokenAge: MAX_TOKEN_LIFETIME_SECONDS,
      };

      const variants: Variant[] = [
        { name: WARM_VARIANTS[0], sync: (i) => raw(parts[i % POOL]!.input, parts[i % POOL]!.sig) },
        { name: WARM_VARIANTS[1], async: (i) => handler(events[i % POOL], lambdaContext) },
        { name: WARM_VARIANTS[2], async: (i) => jwtVerify(tokens[i % POOL]!, localSet, joseOptions) },
        { name: WARM_VARIANTS[3], sync: (i) => awsVerifier.verifySync(tokens[i % POOL]!) },
      ];

      // Correctness first (this also fetches the JWKS over loopback and warms every cache).
      const before = server.requests;
      if (!isAllow(await handler(events[0], lambdaContext))) throw new Error(`${alg}: handler did not allow`);
      if (!parts.every((p) => raw(p.input, p.sig))) throw new Error(`${alg}: raw verify failed`);
      await jwtVerify(tokens[0]!, localSet, joseOptions);
      awsVerifier.verifySync(tokens[0]!);

      // Ops per round from a short calibration of the handler.
      const calib = await timeBatch(variants[1]!, 300);
      const opsPerRound = Math.max(300, Math.min(20_000, Math.round((opts.batchMs * calib.opsPerSec) / 1000)));
      const results = await runRounds(variants, { rounds: opts.rounds, opsPerRound, warmupOps: opsPerRound });
      log(`  warm ${alg}: ${opsPerRound} ops x ${opts.rounds} rounds x ${variants.length} variants; JWKS fetches ${server.requests - before}`);
      out.push({ alg, results });
    }
    return out;
  } finally {
    await server.close();
  }
}
