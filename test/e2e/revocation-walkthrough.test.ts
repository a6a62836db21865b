/**
 * `npm start -- --revocation on` prints a walkthrough: the demo token works, `npm run revoke` as printed,
 * then another token of that user is refused. Run exactly as printed, in both replay modes (single-use:
 * one TransactWriteItems through the local transaction shim; replay off: one BatchGetItem).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUp, runToEnd, startStack, type Stack } from './stack.js';

let singleUse: Stack;
let replayOff: Stack;

beforeAll(async () => {
  [singleUse, replayOff] = await Promise.all([startStack(['--revocation', 'on']), startStack(['--revocation', 'on', '--replay', 'off'])]);
}, 45_000);
afterAll(cleanUp);

/** The printed curl lines' tokens, in order, and the printed revoke command's arguments. */
function walkthrough(stack: Stack): { tokens: string[]; revokeArgs: string[] } {
  const out = stack.stdout();
  const tokens = [...out.matchAll(/curl -i -H "Authorization: Bearer ([\w.-]+)"/g)].map((m) => m[1]!);
  const line = out.split('\n').find((l) => l.trim().startsWith('npm run revoke -- --sub'))!;
  return { tokens, revokeArgs: line.trim().replace(/^npm run revoke -- /, '').split(/\s+/) };
}

describe.each([
  ['single-use', () => singleUse],
  ['replay off', () => replayOff],
])('npm start --revocation on (%s)', (_mode, stack) => {
  it('a token works, npm run revoke as printed, then another token of that user issued before is 401', async () => {
    const { tokens, revokeArgs } = walkthrough(stack());
    // Printed: the demo token twice, the second issuer's token, then the token to try after revoking.
    expect(tokens).toHaveLength(4);
    const url = `${stack().ready.gateway}/dev/orders/42`;
    expect((await fetch(url, { headers: { authorization: `Bearer ${tokens[0]}` } })).status).toBe(200);
    // The record's notBefore is "now": a token issued in the same second as it would still pass (equal is not revoked).
    await new Promise((r) => setTimeout(r, 1100));
    const revoked = await runToEnd('local/revoke.ts', revokeArgs);
    expect(revoked.stderr).toBe('');
    expect(revoked.code).toBe(0);
    expect((await fetch(url, { headers: { authorization: `Bearer ${tokens[3]}` } })).status).toBe(401);
    // The other issuer's token of the same subject is not revoked: records are per issuer.
    expect((await fetch(url, { headers: { authorization: `Bearer ${tokens[2]}` } })).status).toBe(200);
  });
});
