/**
 * The token tool's time options (`--iat`, `--nbf`, `--exp`): each is seconds relative to now (`+60`,
 * `-60`), epoch seconds (`1767225600`) or an ISO 8601 date (`2026-01-01T00:00:00Z`). They let one command
 * mint an expired, a not-yet-valid or a future-`iat` token, so every status in the README can be shown.
 */
import { UsageError } from './errors.js';

/** The options that take a time. */
export const TIME_OPTIONS = ['iat', 'nbf', 'exp'] as const;
export type TimeOption = (typeof TIME_OPTIONS)[number];

/**
 * `parseArgs` refuses `--exp -60` (a value that looks like an option); this rewrites `--exp -60` to
 * `--exp=-60` for the time options (and `--ttl`, so its error message is ours), leaving everything else.
 */
export function joinSignedValues(argv: readonly string[], names: readonly string[] = [...TIME_OPTIONS, 'ttl']): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (names.some((n) => arg === `--${n}`) && next !== undefined && /^[+-]\d+$/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/**
 * One time option's value in epoch seconds.
 * @param now epoch seconds the relative forms count from
 * @throws UsageError naming the option
 */
export function parseTime(name: TimeOption, text: string, now: number): number {
  const t = text.trim();
  if (/^[+-]\d{1,9}$/.test(t)) return now + Number(t);
  if (/^\d{1,12}$/.test(t)) return Number(t);
  if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(t)) {
    const ms = Date.parse(t);
    if (Number.isFinite(ms)) return Math.floor(ms / 1000);
  }
  throw new UsageError(`--${name} must be seconds relative to now (+60, -60), epoch seconds (1767225600) or an ISO date (2026-01-01T00:00:00Z), got "${text}"`);
}

/** The token's `iat`, `exp` and optional `nbf`, from the options given (`ttl` counts from `iat`). */
export function tokenTimes(
  opts: { iat?: string; nbf?: string; exp?: string; ttl?: string },
  now: number,
  limits: { defaultTtl: number; maxTtl: number },
): { iat: number; exp: number; nbf?: number } {
  const { defaultTtl, maxTtl } = limits;
  if (opts.exp !== undefined && opts.ttl !== undefined) throw new UsageError('give --ttl or --exp, not both');
  const iat = opts.iat === undefined ? now : parseTime('iat', opts.iat, now);
  let exp: number;
  if (opts.exp !== undefined) exp = parseTime('exp', opts.exp, now);
  else {
    const ttlText = opts.ttl;
    if (ttlText !== undefined && (!/^\d+$/.test(ttlText) || Number(ttlText) < 1 || Number(ttlText) > maxTtl)) {
      throw new UsageError(`--ttl must be a whole number of seconds from 1 to ${maxTtl}; for an expired token use --exp -60 (or --exp=-60)`);
    }
    exp = iat + (ttlText === undefined ? defaultTtl : Number(ttlText));
  }
  const nbf = opts.nbf === undefined ? undefined : parseTime('nbf', opts.nbf, now);
  return nbf === undefined ? { iat, exp } : { iat, exp, nbf };
}
