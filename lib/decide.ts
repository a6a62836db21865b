/**
 * The decision (design §3), in order: token, stage, signature and claims, scopes and route, then one
 * trip to the table for replay and revocation (§10).
 * Pure of any Lambda, middy or environment concern: the handler wires it up.
 */
import { AuthError, toAuthError } from './errors.js';
import type { AuthorizerConfig } from './config.js';
import { checkBinding, checkScheme, type DpopBinding } from './dpop-binding.js';
import { eventKind, extractRequest, extractTokenCredentials, type AuthRequest, type TokenScheme } from './extract-request.js';
import type { CallLimits } from './deadline.js';
import type { IssuerKeys } from './issuer-keys.js';
import type { KeyLookup } from './key-source.js';
import { recordExpiry, replayKey, type ReplayStore, type StoreVerdict, type UseRecord } from './replay-store.js';
import { revocationQuery } from './revocation.js';
import { MAX_PATH_LENGTH, splitPath, templateMatches, type Route } from './routes.js';
import { translateScopes } from './scope-map.js';
import { permits, readScopes } from './scopes.js';
import { candidateKeys, prepareToken, verifyPrepared, type VerifiedToken } from './verify-token.js';

/** The outcome of one request, with what the response and the log need. */
export interface Decision {
  readonly allowed: boolean;
  /** Why it was not allowed. */
  readonly error: AuthError | undefined;
  readonly request: AuthRequest | undefined;
  readonly token: VerifiedToken | undefined;
  readonly scopes: ReadonlySet<string> | undefined;
  readonly route: Route | undefined;
  /** The header's `kid` once it was found to be a short string (for the log). */
  readonly kid: string | undefined;
  /** `replayKey(iss, jti)` once the token verified: the log's only trace of the `jti`. */
  readonly replayKey: string | undefined;
  /** True when the key came from a JWKS whose refresh failed (stale-if-error, §3.3). */
  readonly jwksStale?: boolean | undefined;
  /** The scheme the token came with, once read. */
  readonly tokenType?: TokenScheme | undefined;
  /** The proof key's thumbprint, once a DPoP proof passed. */
  readonly jkt?: string | undefined;
}

/** What a decision depends on, built once per cold start. */
export interface DecideDeps {
  readonly config: AuthorizerConfig;
  /** Each issuer's own key source. */
  readonly keys: IssuerKeys;
  /** Required when single-use, DPoP or revocation needs the table. */
  readonly replayStore: ReplayStore | undefined;
}

/** The route table entry governing a request (design §2.1). */
export function governingRoute(config: AuthorizerConfig, request: AuthRequest): Route | undefined {
  const { method, path } = request.arn;
  // IAM reads `*` and `?` in a Resource as wildcards: an Allow for such a path would cover other routes.
  if (path.includes('*') || path.includes('?')) return undefined;
  if (request.selectedResource === undefined) return config.routes.match(method, path);
  const route = config.routes.selected(method, request.selectedResource);
  // The selected route must also describe the concrete request, or the event is not what it claims.
  const parts = splitPath(path);
  return route && parts && templateMatches(route.segments, parts) ? route : undefined;
}

/**
 * Decides one authorizer event. Never throws: every failure is a `Decision` with an `AuthError`.
 * @param now seconds since the epoch
 * @param limits the request's deadline: every wait (JWKS, replay table) ends by it with a 500
 */
export async function decide(event: unknown, deps: DecideDeps, now: number, limits: CallLimits = {}): Promise<Decision> {
  const { config } = deps;
  let request: AuthRequest | undefined;
  let token: VerifiedToken | undefined;
  let scopes: ReadonlySet<string> | undefined;
  let route: Route | undefined;
  let key: string | undefined;
  let kid: string | undefined;
  let tokenType: TokenScheme | undefined;
  let binding: DpopBinding | undefined;
  let error: AuthError | undefined;
  const lookup: KeyLookup = { deadline: limits.deadline };
  try {
    const kind = eventKind(event);
    const credentials = extractTokenCredentials(event, kind);
    tokenType = credentials.scheme;
    checkScheme(credentials, config.dpop);
    const raw = credentials.token;
    request = extractRequest(event, kind);
    if (!request.stageConsistent) throw new AuthError('STAGE_MISMATCH', 'requestContext.stage disagrees with the ARN');
    if (!config.stages.has(request.arn.stage)) throw new AuthError('STAGE_NOT_CONFIGURED', 'no issuer has an audience for this stage');
    const prepared = prepareToken(raw, config);
    kid = prepared.kid;
    const { issuer } = prepared;
    // Cached keys come without a promise: the warm path stays synchronous up to the replay store.
    const candidates = candidateKeys(deps.keys.for(issuer), prepared, lookup);
    // Undefined when only other issuers serve this stage: refused after verification, as a wrong audience.
    const audiences = issuer.audienceByStage.get(request.arn.stage);
    token = verifyPrepared(prepared, Array.isArray(candidates) ? candidates : await candidates, { audiences, now }, config);
    key = replayKey(token.iss, token.jti);
    binding = checkBinding(event, request, credentials, token, config, now);
    scopes = translateScopes(readScopes(token.payload, issuer.scopeClaims), issuer.scopeMap);
    if (request.arn.path.length > MAX_PATH_LENGTH) throw new AuthError('ROUTE_NOT_FOUND', `path is longer than ${MAX_PATH_LENGTH} characters`);
    route = governingRoute(config, request);
    if (!route) throw new AuthError('ROUTE_NOT_FOUND', 'no route table entry governs this request');
    if (!permits(route, scopes)) throw new AuthError('SCOPE_MISSING', 'token lacks a scope the route requires');
    // One round trip carries the token's single-use record and the revocation lookup (§3, §10).
    const records: UseRecord[] = [];
    if (config.replayProtection === 'single-use') {
      records.push({ kind: 'token', key, expiresAt: recordExpiry(token.exp, config.clockSkewSeconds, now, config.maxTokenLifetimeSeconds) });
    }
    if (binding) records.push(binding.record);
    const revocation = config.revocation === 'on' ? revocationQuery(token) : undefined;
    if (records.length > 0 || revocation) {
      if (!deps.replayStore) throw new AuthError('INTERNAL', 'the configuration needs the replay table but there is no store');
      // Token and proof records and the revocation checks in one round trip, all or nothing.
      refuseUnless(await deps.replayStore.commit({ records, revocation }, now, limits));
    }
  } catch (err) {
    error = toAuthError(err);
  }
  return { allowed: error === undefined, error, request, token, scopes, route, kid, replayKey: key, tokenType, jkt: binding?.jkt, jwksStale: lookup.stale };
}

/** Throws the 401 a store verdict other than `ok` means; a verdict this plan cannot yield is internal. */
function refuseUnless(verdict: StoreVerdict): void {
  if (verdict === 'ok') return;
  if (verdict === 'token-replayed') throw new AuthError('TOKEN_REPLAYED', 'token was used before');
  if (verdict === 'proof-replayed') throw new AuthError('DPOP_PROOF_REPLAYED', 'DPoP proof was used before');
  if (verdict === 'revoked') throw new AuthError('TOKEN_REVOKED', 'a revocation record refuses this token');
  throw new AuthError('INTERNAL', `unexpected store verdict ${String(verdict)}`);
}
