/**
 * The warm DPoP decision (ES256 token, ES256 proof, replay store in process, REPLAY_PROTECTION=off so the
 * proof record is the only write) through the real handler, against its floor: the two raw
 * `crypto.verify` calls on the same inputs (the token's signature and the proof's). Target ≤ 1.25×.
 * Every proof is single-use, so each op gets its own pre-made proof.
 * Run alone with `npx tsx bench/dpop.ts`; `npm run bench` runs it too.
 */
import { verify as cryptoVerify } from 'node:crypto';
import { MemoryReplayStore } from '../lib/replay-store.js';
import { startJwksServer } from '../test/helpers/jwks-server.js';
import { forgeProof, restDpopEvent, restUri, thumbprintOf } from '../test/helpers/dpop.js';
import { generateKey } from '../test/helpers/keys.js';
import { benchAuthorizer, isAllow, lambdaContext, mintTokens, testEnv } from './common.js';
import { runRounds, type Summary, type Variant } from './stats.js';

export const DPOP_VARIANTS = ['raw: 2 x crypto.verify', 'ours: DPoP decision (full handler)'] as const;
/** The target: the decision within this factor of the two raw verifications. */
export const DPOP_TARGET_RATIO = 1.25;

export interface DpopBenchResult {
  readonly results: Map<string, Summary>;
  /** p50 of the decision over p50 of the raw pair. */
  readonly ratio: number;
}

const split = (jws: string) => {
  const dot = jws.lastIndexOf('.');
  return { input: Buffer.from(jws.slice(0, dot)), sig: Buffer.from(jws.slice(dot + 1), 'base64url') };
};

/** Runs the comparison; `log` gets a progress line. */
export async function runDpopBench(opts: { rounds: number; opsPerRound: number }, log: (line: string) => void): Promise<DpopBenchResult> {
  const issuerKey = generateKey('ES256', 'bench-es256');
  const proofKey = generateKey('ES256', 'bench-proof');
  const jkt = await thumbprintOf(proofKey);
  const server = await startJwksServer([issuerKey.publicJwk]);
  try {
    const env = testEnv(server.url, { DPOP_MODE: 'required', REPLAY_PROTECTION: 'off', REPLAY_TABLE_NAME: 'bench', DPOP_PROOF_MAX_AGE_SECONDS: '300', JWT_ALGORITHMS: 'ES256' });
    const handler = benchAuthorizer(env, { replayStore: new MemoryReplayStore() });
    const token = mintTokens(issuerKey, 1, { cnf: { jkt } })[0]!;
    const total = opts.opsPerRound * (opts.rounds + 1) + 1;
    const now = Math.floor(Date.now() / 1000);
    const proofs = Array.from({ length: total }, () => forgeProof(proofKey, { htu: restUri(), htm: 'GET', accessToken: token, now }));
    const events = proofs.map((p) => restDpopEvent(token, p));
    const tokenParts = split(token);
    const proofParts = proofs.map(split);
    const tokenKey = issuerKey.publicKey;
    const proofPublic = proofKey.publicKey;
    const pair = (i: number) =>
      cryptoVerify('sha256', tokenParts.input, { key: tokenKey, dsaEncoding: 'ieee-p1363' }, tokenParts.sig) &&
      cryptoVerify('sha256', proofParts[i]!.input, { key: proofPublic, dsaEncoding: 'ieee-p1363' }, proofParts[i]!.sig);
    // Correctness first (this also fetches the JWKS and warms every cache); op 0 is used here.
    if (!isAllow(await handler(events[0], lambdaContext))) throw new Error('DPoP bench: the handler did not allow');
    if (!pair(0)) throw new Error('DPoP bench: raw verify failed');
    const variants: Variant[] = [
      { name: DPOP_VARIANTS[0], sync: (i) => pair(i + 1) },
      { name: DPOP_VARIANTS[1], async: (i) => handler(events[i + 1], lambdaContext) },
    ];
    const results = await runRounds(variants, { rounds: opts.rounds, opsPerRound: opts.opsPerRound, warmupOps: opts.opsPerRound });
    const ratio = results.get(DPOP_VARIANTS[1])!.p50 / results.get(DPOP_VARIANTS[0])!.p50;
    log(`  dpop ES256: ${opts.opsPerRound} ops x ${opts.rounds} rounds; decision/raw pair p50 ratio ${ratio.toFixed(3)}`);
    return { results, ratio };
  } finally {
    await server.close();
  }
}

/** One line per variant, for logs and RESULTS.md. */
export function dpopLines(result: DpopBenchResult): string[] {
  const lines = [...result.results].map(([name, s]) => `${name}: p50 ${s.p50.toFixed(1)} µs, p99 ${s.p99.toFixed(1)} µs, ${Math.round(s.opsPerSec)} ops/s`);
  lines.push(`ratio (p50 decision / p50 raw pair): ${result.ratio.toFixed(3)} (target ≤ ${DPOP_TARGET_RATIO})`);
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  const quick = process.argv.includes('--quick');
  const result = await runDpopBench({ rounds: quick ? 3 : 25, opsPerRound: quick ? 200 : 1000 }, (l) => process.stderr.write(`${l}\n`));
  for (const line of dpopLines(result)) process.stdout.write(`${line}\n`);
}
