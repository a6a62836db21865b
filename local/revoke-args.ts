/** Command line of `npm run revoke`, parsed with node:util and checked; problems are `UsageError`s. */
import { parseArgs } from 'node:util';
import { MAX_LIFETIME_LIMIT_SECONDS } from '../lib/config.js';
import { UsageError } from './errors.js';

export const REVOKE_USAGE = `Usage: npm run revoke -- (--jti <jti> | --sub <sub>) [--before <time>] [--issuer <iss>] [--env-file <file>]

Writes a revocation record (design §10) to the authorizer's table: with --jti the one token with that
jti is refused from now on; with --sub every token of that subject issued before --before is refused.
The authorizer reads the records when its environment has REVOCATION=on.

Options:
  --jti <jti>           revoke the token with this jti
  --sub <sub>           revoke the subject's tokens whose iat is before --before
  --before <time>       ISO 8601 with a zone (2026-12-03T14:00:00Z) or epoch seconds; default now (--sub only)
  --issuer <iss>        the token's issuer; needed when the environment trusts several
  --env-file <file>     the function's environment: SAM env.json or dotenv lines (default: this shell's)
  --function <id>       which function of a SAM env.json naming several
  -h, --help            show this help

Table from REPLAY_TABLE_NAME; region, endpoint and credentials from the usual AWS settings
(AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB, AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).
Local stack: npm run revoke -- --sub demo-user --env-file .local/authorizer-env.json`;

export interface RevokeArgs {
  readonly kind: 'jti' | 'sub';
  readonly value: string;
  /** The text of --before, checked against the clock by `parseBefore`. */
  readonly before: string | undefined;
  readonly issuer: string | undefined;
  readonly envFile: string | undefined;
  readonly fn: string | undefined;
}

export function parseRevokeArgs(argv: readonly string[]): RevokeArgs | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        jti: { type: 'string' },
        sub: { type: 'string' },
        before: { type: 'string' },
        issuer: { type: 'string' },
        'env-file': { type: 'string' },
        function: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values['help']) return 'help';
  const str = (k: string) => values[k] as string | undefined;
  const jti = str('jti');
  const sub = str('sub');
  if (jti !== undefined && sub !== undefined) throw new UsageError('give either --jti or --sub, not both');
  if (jti === undefined && sub === undefined) throw new UsageError('what to revoke? give --jti <jti> or --sub <sub>');
  const kind = jti !== undefined ? 'jti' : 'sub';
  const value = (jti ?? sub)!;
  if (value === '') throw new UsageError(`--${kind} must not be empty`);
  const before = str('before');
  if (before !== undefined && kind === 'jti') throw new UsageError('--before applies to --sub only (a --jti record revokes that one token)');
  const issuer = str('issuer');
  if (issuer !== undefined && issuer.trim() === '') throw new UsageError('--issuer must not be empty');
  return { kind, value, before, issuer, envFile: str('env-file'), fn: str('function') };
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;
const ISO_WITHOUT_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/i;

/** Whether the date part names a day of the calendar (`Date.parse` reads 2026-02-30 as March 2). */
function realDate(text: string): boolean {
  const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/**
 * `--before` as epoch seconds: epoch seconds, or ISO 8601 (a date alone is midnight UTC; a time needs a
 * zone, so the same command means the same instant on every machine). Not more than 30 days ahead: a
 * later instant is almost always milliseconds given as seconds, and would pin the record for years.
 */
export function parseBefore(text: string | undefined, now: number): number {
  if (text === undefined) return now;
  const t = text.trim();
  let seconds: number;
  if (/^\d+$/.test(t)) seconds = Number(t);
  else if (ISO_WITHOUT_ZONE.test(t)) throw new UsageError(`--before "${text}" has no zone: add Z or an offset such as +01:00`);
  else if (ISO_8601.test(t) && realDate(t) && Number.isFinite(Date.parse(t))) seconds = Math.floor(Date.parse(t) / 1000);
  else throw new UsageError(`--before "${text}" is not a time: use ISO 8601 (2026-12-03T14:00:00Z) or epoch seconds`);
  if (seconds > now + MAX_LIFETIME_LIMIT_SECONDS) {
    const hint = /^\d{13,}$/.test(t) ? ' (milliseconds? give epoch seconds)' : '';
    throw new UsageError(`--before "${text}" is more than 30 days in the future${hint}`);
  }
  return seconds;
}
