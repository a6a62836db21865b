/**
 * Section 5: the warm decision (JWKS cached, REPLAY_PROTECTION=off) with 20 issuers in TRUSTED_ISSUERS
 * against the same decision with one JWT_ISSUER, in one process, on tokens that differ only in `iss`.
 * Target (issue 12): within 5%. Run alone with `npx tsx bench/issuers.ts`.
 */
import { pathToFileURL } from 'node:url';
import { startJwksServer } from '../test/helpers/jwks-server.js';
import { issuersEnv } from '../test/helpers/issuers.js';
import { signToken } from '../test/helpers/keys.js';
import { benchAuthorizer, benchKeys, isAllow, lambdaContext, liveClaims, restTokenEvent, testEnv } from './common.js';
import { median, runRounds, type Summary, type Variant } from './stats.js';

/** Variant names, in table order. */
export const ISSUER_VARIANTS = ['one issuer (JWT_ISSUER)', '20 issuers, tokens of the 20th', '20 issuers, tokens of all 20'] as const;

export interface IssuersResult {
  readonly results: Map<string, Summary>;
  /** Median over rounds of (20-issuer p50 / one-issuer p50), same tokens but for `iss`. */
  readonly pairedP50Ratio: number;
}

const POOL = 64;
const COUNT = 20;

export async function runIssuers(opts: { rounds: number; opsPerRound: number }, log: (line: string) => void): Promise<IssuersResult> {
  const key = benchKeys().ES256;
  const server = await startJwksServer([key.publicJwk]);
  try {
    const common = { REPLAY_PROTECTION: 'off', REPLAY_TABLE_NAME: undefined, JWT_ALGORITHMS: 'ES256' };
    const single = benchAuthorizer(testEnv(server.url, common));
    const names = Array.from({ length: COUNT }, (_, i) => `https://issuer-${i + 1}.bench.test`);
    // Each entry has its own key source (and so its own fetch), all served by the one loopback JWKS.
    const multi = benchAuthorizer(issuersEnv(names.map((issuer) => ({ issuer, jwksUri: server.url })), common));
    const mint = (iss: string) => Array.from({ length: POOL }, () => restTokenEvent(`Bearer ${signToken(key, { payload: liveClaims({ iss }) })}`));
    const oneEvents = mint(testEnv(server.url)['JWT_ISSUER']!);
    const lastEvents = mint(names[COUNT - 1]!);
    const spread = names.flatMap((iss) => mint(iss).slice(0, Math.ceil(POOL / COUNT)));
    const variants: Variant[] = [
      { name: ISSUER_VARIANTS[0], async: (i) => single(oneEvents[i % POOL], lambdaContext) },
      { name: ISSUER_VARIANTS[1], async: (i) => multi(lastEvents[i % POOL], lambdaContext) },
      { name: ISSUER_VARIANTS[2], async: (i) => multi(spread[i % spread.length], lambdaContext) },
    ];
    const before = server.requests;
    for (const [handler, events] of [[single, oneEvents], [multi, lastEvents], [multi, spread]] as const) {
      for (const event of events) if (!isAllow(await handler(event, lambdaContext))) throw new Error('issuers bench: a decision did not allow');
    }
    const results = await runRounds(variants, { rounds: opts.rounds, opsPerRound: opts.opsPerRound, warmupOps: opts.opsPerRound });
    log(`  issuers: ${opts.opsPerRound} ops x ${opts.rounds} rounds x ${variants.length} variants; JWKS fetches ${server.requests - before} (one per issuer)`);
    const one = results.get(ISSUER_VARIANTS[0])!.roundP50s;
    const twenty = results.get(ISSUER_VARIANTS[1])!.roundP50s;
    return { results, pairedP50Ratio: median(one.map((p, i) => twenty[i]! / p)) };
  } finally {
    await server.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rounds = Number(process.argv[2] ?? 25);
  const result = await runIssuers({ rounds, opsPerRound: 2000 }, (line) => process.stderr.write(`${line}\n`));
  for (const [name, s] of result.results) process.stdout.write(`${name.padEnd(34)} p50 ${s.p50.toFixed(1)} µs  ${Math.round(s.opsPerSec)} ops/s\n`);
  const one = result.results.get(ISSUER_VARIANTS[0])!;
  const twenty = result.results.get(ISSUER_VARIANTS[1])!;
  process.stdout.write(`paired p50 ratio (20 / 1): ${result.pairedP50Ratio.toFixed(3)}; throughput ratio (1 / 20): ${(one.opsPerSec / twenty.opsPerSec).toFixed(3)}\n`);
}
