/**
 * Where `npm run bench` writes its report. A plain run must leave the checkout clean, so it writes to the
 * git-ignored `bench/.results/RESULTS.md`; only an explicit request (`--update-results`, or
 * `BENCH_UPDATE_RESULTS=1`) rewrites the committed `bench/RESULTS.md`.
 */
import { join } from 'node:path';

/** The flag that asks for the committed copy to be rewritten. */
export const UPDATE_RESULTS_FLAG = '--update-results';
/** The environment variable that does the same (for CI jobs that cannot pass arguments). */
export const UPDATE_RESULTS_ENV = 'BENCH_UPDATE_RESULTS';

/** The report file for this run, given the bench folder, the command line and the environment. */
export function resultsFile(benchDir: string, argv: readonly string[], env: Readonly<Record<string, string | undefined>>): { file: string; committed: boolean } {
  const flag = env[UPDATE_RESULTS_ENV];
  const committed = argv.includes(UPDATE_RESULTS_FLAG) || flag === '1' || flag === 'true';
  return committed ? { file: join(benchDir, 'RESULTS.md'), committed } : { file: join(benchDir, '.results', 'RESULTS.md'), committed };
}
