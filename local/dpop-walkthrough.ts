/** The DPoP part of `npm start`'s printed walkthrough. */
import { AUDIENCE_BY_STAGE, DPOP_STAGE } from './settings.js';

/** Lines explaining the DPoP stage and the commands that show it. */
export function dpopWalkthrough(opts: { table: string }): string[] {
  return [
    `DPoP (sender-constrained tokens, RFC 9449) on stage "${DPOP_STAGE}" (aud ${AUDIENCE_BY_STAGE[DPOP_STAGE]}): only "Authorization: DPoP <token>"`,
    `with a fresh proof signed by the key the token is bound to (cnf.jkt); each proof is single-use (dynalite ${opts.table}).`,
    '',
    `  npm run -s call -- GET /${DPOP_STAGE}/orders/42`,
    '    → 200: a token bound to the client key in .local, and a fresh proof from the dpop client package',
    `  npm run -s call -- --reuse-proof GET /${DPOP_STAGE}/orders/42`,
    '    → 200, then the same proof again: 401 (DPOP_PROOF_REPLAYED), then a new proof with the same token: 200',
    `  npm run -s token -- --dpop        a token bound to that key (stage ${DPOP_STAGE}), for your own client`,
  ];
}
