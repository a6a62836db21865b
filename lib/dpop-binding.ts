/**
 * Where DPoP meets the decision (design §8): which schemes the mode accepts (step 1), and, once the
 * token verified (after step 3), whether it is bound to the key of a valid proof for this request.
 */
import { AuthError } from './errors.js';
import type { AuthorizerConfig } from './config.js';
import type { DpopConfig } from './dpop-config.js';
import { checkProof } from './dpop-proof.js';
import { extractDpopProof, type AuthRequest, type Credentials } from './extract-request.js';
import { requestTarget } from './htu.js';
import { proofKey, type UseRecord } from './replay-store.js';
import type { VerifiedToken } from './verify-token.js';

/** A DPoP-bound request whose proof passed: the key's thumbprint and the proof's single-use record. */
export interface DpopBinding {
  readonly jkt: string;
  readonly record: UseRecord;
}

/** Refuses a scheme the mode does not accept: DPoP when off, Bearer when required. */
export function checkScheme(credentials: Credentials, dpop: DpopConfig): void {
  if (credentials.scheme === 'DPoP' && dpop.mode === 'off') throw new AuthError('SCHEME_NOT_ALLOWED', 'the DPoP scheme is not enabled');
  if (credentials.scheme === 'Bearer' && dpop.mode === 'required') throw new AuthError('SCHEME_NOT_ALLOWED', 'only DPoP-bound tokens are accepted');
}

function confirmation(token: VerifiedToken): unknown {
  return Object.prototype.hasOwnProperty.call(token.payload, 'cnf') ? token.payload['cnf'] : undefined;
}

/**
 * Checks the binding of a verified token. Bearer: a token bound to a key (`cnf`) is refused (RFC 9449
 * §7.2), in every mode. DPoP: the proof must pass and its key's thumbprint equal `cnf.jkt`.
 * @param now seconds since the epoch
 */
export function checkBinding(event: unknown, request: AuthRequest, credentials: Credentials, token: VerifiedToken, config: AuthorizerConfig, now: number): DpopBinding | undefined {
  const cnf = confirmation(token);
  if (credentials.scheme === 'Bearer') {
    if (cnf !== undefined) throw new AuthError('TOKEN_BOUND', 'a key-bound token was presented as Bearer');
    return undefined;
  }
  const proof = extractDpopProof(event, request.kind);
  const target = requestTarget(event, request.kind, request.arn.stage);
  if (!target) throw new AuthError('DPOP_HTU_MISMATCH', 'the event does not say which URI was requested');
  const method = request.kind === 'websocket' ? 'GET' : request.arn.method;
  const dpop = config.dpop;
  const checked = checkProof({ proof, accessToken: credentials.token, method, target, now }, dpop, config.clockSkewSeconds);
  const jkt = typeof cnf === 'object' && cnf !== null && !Array.isArray(cnf) && Object.prototype.hasOwnProperty.call(cnf, 'jkt') ? (cnf as Record<string, unknown>)['jkt'] : undefined;
  if (typeof jkt !== 'string' || jkt !== checked.jkt) throw new AuthError('DPOP_JKT_MISMATCH', 'token cnf.jkt is not the proof key thumbprint');
  const expiresAt = Math.ceil(checked.iat + dpop.proofMaxAgeSeconds + config.clockSkewSeconds);
  return { jkt, record: { kind: 'proof', key: proofKey(jkt, checked.jti), expiresAt } };
}
