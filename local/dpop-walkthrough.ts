/** The DPoP part of `npm start`'s printed walkthrough. */
import { dataDirFlag } from './hints.js';
import { AUDIENCE_BY_STAGE, DPOP_STAGE } from './settings.js';

/**
 * Lines explaining the DPoP stage and the commands that show it.
 * @param opts.allowed what an allowed request answers here (`200`, or `500` when the upstream is down)
 */
export function dpopWalkthrough(opts: { table: string; allowed: '200' | '500'; dataDir: string }): string[] {
  const flag = dataDirFlag(opts.dataDir);
  const ok = opts.allowed;
  const note = ok === '200' ? '' : ' (allowed, but nothing answers at --upstream)';
  return [
    `DPoP (sender-constrained tokens, RFC 9449) on stage "${DPOP_STAGE}" (aud ${AUDIENCE_BY_STAGE[DPOP_STAGE]}): only "Authorization: DPoP <token>"`,
    `with a fresh proof signed by the key the token is bound to (cnf.jkt); each proof is single-use (dynalite ${opts.table}).`,
    '',
    `  npm run -s call -- GET /${DPOP_STAGE}/orders/42${flag}`,
    `    → ${ok}${note}: a token bound to the client key in the data directory, and a fresh proof from the dpop client package`,
    `  npm run -s call -- --reuse-proof GET /${DPOP_STAGE}/orders/42${flag}`,
    `    → ${ok}, then the same proof again: 401 (DPOP_PROOF_REPLAYED), then a new proof with the same token: ${ok}`,
    `  npm run -s token -- --dpop${flag}        a token bound to that key (stage ${DPOP_STAGE}), for your own client`,
  ];
}
