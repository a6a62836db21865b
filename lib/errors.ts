/**
 * Every way a decision can end other than Allow. The code is stable (logs, metrics, docs); the kind
 * decides what API Gateway shows: `unauthorized` → 401, `forbidden` → 403, `internal` → 500.
 */
export const ERROR_CODES = {
  TOKEN_MISSING: 'unauthorized',
  TOKEN_MALFORMED: 'unauthorized',
  TOKEN_AMBIGUOUS: 'unauthorized',
  TOKEN_TOO_LARGE: 'unauthorized',
  ALG_NOT_ALLOWED: 'unauthorized',
  TYP_NOT_ALLOWED: 'unauthorized',
  CRIT_UNSUPPORTED: 'unauthorized',
  KID_INVALID: 'unauthorized',
  KEY_NOT_FOUND: 'unauthorized',
  KEY_UNSUITABLE: 'unauthorized',
  SIGNATURE_INVALID: 'unauthorized',
  CLAIMS_INVALID: 'unauthorized',
  ISSUER_MISMATCH: 'unauthorized',
  AUDIENCE_MISMATCH: 'unauthorized',
  TOKEN_EXPIRED: 'unauthorized',
  TOKEN_NOT_YET_VALID: 'unauthorized',
  IAT_IN_FUTURE: 'unauthorized',
  LIFETIME_TOO_LONG: 'unauthorized',
  TOKEN_REPLAYED: 'unauthorized',
  TOKEN_REVOKED: 'unauthorized',
  REQUIRED_CLAIM_MISMATCH: 'unauthorized',
  SCHEME_NOT_ALLOWED: 'unauthorized',
  TOKEN_BOUND: 'unauthorized',
  DPOP_PROOF_MISSING: 'unauthorized',
  DPOP_PROOF_AMBIGUOUS: 'unauthorized',
  DPOP_PROOF_TOO_LARGE: 'unauthorized',
  DPOP_PROOF_MALFORMED: 'unauthorized',
  DPOP_TYP_INVALID: 'unauthorized',
  DPOP_ALG_NOT_ALLOWED: 'unauthorized',
  DPOP_JWK_INVALID: 'unauthorized',
  DPOP_SIGNATURE_INVALID: 'unauthorized',
  DPOP_JTI_INVALID: 'unauthorized',
  DPOP_HTM_MISMATCH: 'unauthorized',
  DPOP_HTU_MISMATCH: 'unauthorized',
  DPOP_IAT_INVALID: 'unauthorized',
  DPOP_ATH_MISMATCH: 'unauthorized',
  DPOP_JKT_MISMATCH: 'unauthorized',
  DPOP_PROOF_REPLAYED: 'unauthorized',
  STAGE_NOT_CONFIGURED: 'forbidden',
  STAGE_MISMATCH: 'forbidden',
  ROUTE_NOT_FOUND: 'forbidden',
  SCOPE_MISSING: 'forbidden',
  EVENT_INVALID: 'internal',
  JWKS_UNAVAILABLE: 'internal',
  REPLAY_STORE_UNAVAILABLE: 'internal',
  INTERNAL: 'internal',
} as const;

/** A stable reason code, as logged and counted. */
export type ErrorCode = keyof typeof ERROR_CODES;
/** How API Gateway shows the failure: 401, 403 or 500. */
export type ErrorKind = (typeof ERROR_CODES)[ErrorCode];

/** The one error type of the decision path. The message is for logs; clients never see it. */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code: ErrorCode;
  readonly kind: ErrorKind;

  constructor(code: ErrorCode, message: string = code, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.kind = ERROR_CODES[code];
  }
}

/** Anything that is not already an AuthError becomes an internal one: unknown never means Allow. */
export function toAuthError(err: unknown): AuthError {
  if (err instanceof AuthError) return err;
  return new AuthError('INTERNAL', 'unexpected error', { cause: err });
}

/** Raised at cold start when the environment is invalid; the message names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
