/**
 * The DPoP settings (design §8): `DPOP_MODE`, `DPOP_ALGORITHMS`, `DPOP_PROOF_MAX_AGE_SECONDS`,
 * `DPOP_ORIGINS`. Each parser takes the variable's text and returns its value or throws a `Problem`
 * naming what is wrong; `lib/config.ts` wires them into the one schema.
 */
import { commaList, problem } from './config-fields.js';
import { SUPPORTED_ALGORITHMS, type Algorithm } from './env-names.js';

/** `off`: the DPoP scheme is refused; `allowed`: Bearer or DPoP; `required`: DPoP only. */
export type DpopMode = 'off' | 'allowed' | 'required';
/** A proof algorithm: the token algorithms plus `Ed25519` (RFC 9864's name, which DPoP clients emit). */
export type DpopAlgorithm = Algorithm | 'Ed25519';

/** The validated DPoP settings. */
export interface DpopConfig {
  readonly mode: DpopMode;
  readonly algorithms: ReadonlySet<DpopAlgorithm>;
  /** A proof's `iat` must lie within [now − max age − skew, now + skew]. */
  readonly proofMaxAgeSeconds: number;
  /** Public origins (`https://api.example.com`) that `htu` may name instead of the event's domain. */
  readonly origins: ReadonlySet<string> | undefined;
}

/** Every name `DPOP_ALGORITHMS` accepts. */
export const DPOP_ALGORITHM_NAMES: readonly DpopAlgorithm[] = Object.freeze([...SUPPORTED_ALGORITHMS, 'Ed25519']);
/** Default of `DPOP_ALGORITHMS`: what common DPoP clients sign with. */
export const DEFAULT_DPOP_ALGORITHMS: readonly DpopAlgorithm[] = Object.freeze(['ES256', 'Ed25519', 'EdDSA', 'PS256', 'RS256']);
/** Default of `DPOP_PROOF_MAX_AGE_SECONDS`. */
export const DEFAULT_DPOP_PROOF_MAX_AGE_SECONDS = 60;
/** Upper bound of `DPOP_PROOF_MAX_AGE_SECONDS`. */
export const MAX_DPOP_PROOF_MAX_AGE_SECONDS = 300;

/** Parses `DPOP_MODE`. @default 'off' */
export function dpopMode(text: string | undefined): DpopMode {
  if (text === undefined || text === 'off') return 'off';
  if (text === 'allowed' || text === 'required') return text;
  return problem('must be "off", "allowed" or "required"');
}

/** Parses `DPOP_ALGORITHMS`. @default ES256,Ed25519,EdDSA,PS256,RS256 */
export function dpopAlgorithms(text: string | undefined): ReadonlySet<DpopAlgorithm> {
  const list = text === undefined ? DEFAULT_DPOP_ALGORITHMS : commaList(text);
  if (list.length === 0) return problem('must list at least one algorithm');
  for (const alg of list) {
    if (!(DPOP_ALGORITHM_NAMES as readonly string[]).includes(alg)) {
      const why = /^(none|HS\d+)$/i.test(alg) ? 'is refused (only asymmetric algorithms)' : 'is not supported';
      return problem(`"${alg}" ${why}; use ${DPOP_ALGORITHM_NAMES.join(', ')}`);
    }
  }
  return new Set(list as DpopAlgorithm[]);
}

/** Parses `DPOP_PROOF_MAX_AGE_SECONDS`: a whole number from 1 to 300. @default 60 */
export function dpopProofMaxAge(text: string | undefined): number {
  if (text === undefined || text.trim() === '') return DEFAULT_DPOP_PROOF_MAX_AGE_SECONDS;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < 1 || value > MAX_DPOP_PROOF_MAX_AGE_SECONDS) {
    return problem(`must be a whole number from 1 to ${MAX_DPOP_PROOF_MAX_AGE_SECONDS}`);
  }
  return value;
}

/** Parses `DPOP_ORIGINS`: https origins (scheme, host, optional port; no path, query or credentials). */
export function dpopOrigins(text: string | undefined): ReadonlySet<string> | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const origins = new Set<string>();
  for (const item of commaList(text)) {
    let url: URL;
    try {
      url = new URL(item);
    } catch {
      return problem(`"${item}" is not a URL`);
    }
    if (url.protocol !== 'https:') return problem(`"${item}" must use https:`);
    if (url.username || url.password || url.pathname !== '/' || url.search || url.hash || /[?#]/.test(item)) {
      return problem(`"${item}" must be an origin only (https://host[:port], no path, query or credentials)`);
    }
    origins.add(url.origin);
  }
  return origins;
}
