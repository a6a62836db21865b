/**
 * Section 4: JWKS under attack. Floods the handler with tokens carrying random unknown `kid`s and counts
 * the requests the loopback JWKS server receives. jose refetches on an unknown kid at most once per
 * cooldown (30 s by default) and coalesces concurrent fetches, so the budget is one fetch per started
 * cooldown window since the first fetch.
 */
import { randomBytes } from 'node:crypto';
import { startJwksServer } from '../test/helpers/jwks-server.js';
import { signToken } from '../test/helpers/keys.js';
import { benchAuthorizer, benchKeys, isAllow, lambdaContext, liveClaims, mintTokens, restTokenEvent, testEnv } from './common.js';

export const COOLDOWN_MS = 30_000;

export interface FloodScenario {
  readonly label: string;
  readonly tokens: number;
  readonly concurrency: number;
  readonly elapsedMs: number;
  /** JWKS requests during the flood (server count). */
  readonly fetchesDuringFlood: number;
  /** JWKS requests since the authorizer started, including warm-up. */
  readonly fetchesTotal: number;
  /** Allowed by the target: one per started cooldown window since the first fetch. */
  readonly budget: number;
  readonly allRejected401: boolean;
  readonly validAfterwards: boolean;
}

export interface FloodOptions {
  readonly tokens: number;
  readonly concurrency: number;
}

export async function runJwksFlood(opts: FloodOptions, log: (line: string) => void): Promise<FloodScenario[]> {
  const key = benchKeys().ES256;
  const server = await startJwksServer([key.publicJwk]);
  const env = testEnv(server.url, { REPLAY_PROTECTION: 'off', REPLAY_TABLE_NAME: undefined, JWT_ALGORITHMS: 'ES256' });
  const unknown = () =>
    Array.from({ length: opts.tokens }, () =>
      restTokenEvent(`Bearer ${signToken(key, { header: { kid: randomBytes(12).toString('base64url') }, payload: liveClaims() })}`),
    );
  const out: FloodScenario[] = [];
  try {
    for (const warmed of [true, false]) {
      const handler = benchAuthorizer(env);
      const start = server.requests;
      const t0 = Date.now();
      if (warmed && !isAllow(await handler(restTokenEvent(`Bearer ${mintTokens(key, 1)[0]}`), lambdaContext))) throw new Error('flood: warm-up did not allow');
      const events = unknown();
      const beforeFlood = server.requests;
      const f0 = Date.now();
      let rejected = 0;
      for (let i = 0; i < events.length; i += opts.concurrency) {
        const chunk = events.slice(i, i + opts.concurrency);
        const results = await Promise.allSettled(chunk.map((e) => handler(e, lambdaContext)));
        rejected += results.filter((r) => r.status === 'rejected' && (r.reason as Error).message === 'Unauthorized').length;
      }
      const elapsedMs = Date.now() - f0;
      const fetchesDuringFlood = server.requests - beforeFlood;
      const validAfterwards = isAllow(await handler(restTokenEvent(`Bearer ${mintTokens(key, 1)[0]}`), lambdaContext));
      const fetchesTotal = server.requests - start;
      out.push({
        label: warmed ? 'warm (JWKS fetched just before)' : 'cold (flood is the first traffic)',
        tokens: events.length,
        concurrency: opts.concurrency,
        elapsedMs,
        fetchesDuringFlood,
        fetchesTotal,
        budget: Math.floor((Date.now() - t0) / COOLDOWN_MS) + 1,
        allRejected401: rejected === events.length,
        validAfterwards,
      });
      log(`  JWKS flood (${warmed ? 'warm' : 'cold'}): ${events.length} unknown kids in ${elapsedMs} ms, ${fetchesDuringFlood} fetches`);
    }
    return out;
  } finally {
    await server.close();
  }
}
