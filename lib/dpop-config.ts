/**
 * The DPoP settings (design §8): `DPOP_MODE`, `DPOP_ALGORITHMS`, `DPOP_PROOF_MAX_AGE_SECONDS`,
 * `DPOP_ORIGINS`. Each parser takes the variable's text and returns its value or throws a `Problem`
 * naming what is wrong; `lib/config.ts` wires them into the one schema.
 */
import { algorithmList, commaList, integerIn, oneOf, problem } from './config-fields.js';
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

/** DPOP_MODE: `off` (default), `allowed` or `required`. */
export const dpopMode = oneOf<DpopMode>(['off', 'allowed', 'required'], 'off');

/** DPOP_ALGORITHMS: the proof algorithms (`JWT_ALGORITHMS`' names plus `Ed25519`). */
export function dpopAlgorithms(text: string | undefined): ReadonlySet<DpopAlgorithm> {
  return new Set(algorithmList(text === undefined ? DEFAULT_DPOP_ALGORITHMS : commaList(text), DPOP_ALGORITHM_NAMES));
}

/** DPOP_PROOF_MAX_AGE_SECONDS: 1 to 300, default 60. */
export const dpopProofMaxAge = integerIn(1, MAX_DPOP_PROOF_MAX_AGE_SECONDS, DEFAULT_DPOP_PROOF_MAX_AGE_SECONDS);

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
