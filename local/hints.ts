/**
 * The lines `npm start` prints under its curl example: what to expect, honestly (an unreachable
 * `--upstream` turns an allowed request into a 500), and a token command for the same `--data-dir`
 * (a token signed with another folder's key fails KEY_NOT_FOUND).
 */
import type { EventMode } from './events.js';
import { reachable } from './probe.js';
import { DEFAULT_DATA_DIR } from './settings.js';

/** `--data-dir <dir>` when it is not the default (quoted when the shell needs it), else ''. */
export function dataDirFlag(dataDir: string): string {
  if (dataDir === DEFAULT_DATA_DIR) return '';
  return ` --data-dir ${/^[\w./:@%+=,-]+$/.test(dataDir) ? dataDir : `'${dataDir.replace(/'/g, `'\\''`)}'`}`;
}

/** What an allowed request answers here: `200`, or `500` when `--upstream` does not answer. */
export interface AllowedExpectation {
  readonly status: '200' | '500';
  /** The printed line. */
  readonly line: string;
}

/** The expectation for the first (allowed) request, after checking that the upstream answers. */
export async function allowedExpectation(upstream: URL, custom: boolean, event: EventMode): Promise<AllowedExpectation> {
  if (!custom || (await reachable(upstream))) return { status: '200', line: '→ 200: the request reaches the upstream with the authorizer context' };
  const body = event === 'http-api' ? '{"message":"Internal Server Error"}' : '{"message":"Internal server error"}';
  return { status: '500', line: `→ 500 ${body}: the authorizer allows it, but nothing answers at --upstream ${upstream.href} (start your API there, or drop --upstream for the demo backend)` };
}

/** The "more tokens" line, with the same data directory as this stack. */
export function moreTokensLine(dataDir: string): string {
  return `More tokens: npm run -s token -- --sub alice --scope "orders:read orders:write" --stage prod${dataDirFlag(dataDir)}`;
}
