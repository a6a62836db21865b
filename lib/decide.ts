/**
 * The decision (design §3), in order: token, stage, signature and claims, scopes and route, replay.
 * Pure of any Lambda, middy or environment concern: the handler wires it up.
 */
import { AuthError, toAuthError } from './errors.js';
import type { AuthorizerConfig } from './config.js';
import { checkBinding, checkScheme, type DpopBinding } from './dpop-binding.js';
import { eventKind, extractRequest, extractTokenCredentials, type AuthRequest, type TokenScheme } from './extract-request.js';
import type { KeySource } from './key-source.js';
import { recordExpiry, replayKey, type ReplayStore, type StoreVerdict, type UseRecord } from './replay-store.js';
import { splitPath, templateMatches, type Route } from './routes.js';
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
  /** The scheme the token came with, once read. */
  readonly tokenType?: TokenScheme | undefined;
  /** The proof key's thumbprint, once a DPoP proof passed. */
  readonly jkt?: string | undefined;
}

/** What a decision depends on, built once per cold start. */
export interface DecideDeps {
  readonly config: AuthorizerConfig;
  readonly keys: KeySource;
  /** Required when `config.replayProtection` is `single-use` or DPoP is on. */
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
 */
export async function decide(event: unknown, deps: DecideDeps, now: number): Promise<Decision> {
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
  try {
    const kind = eventKind(event);
    const credentials = extractTokenCredentials(event, kind);
    tokenType = credentials.scheme;
    checkScheme(credentials, config.dpop);
    const raw = credentials.token;
    request = extractRequest(event, kind);
    if (!request.stageConsistent) throw new AuthError('STAGE_MISMATCH', 'requestContext.stage disagrees with the ARN');
    const audiences = config.audienceByStage.get(request.arn.stage);
    if (!audiences) throw new AuthError('STAGE_NOT_CONFIGURED', 'no audience is configured for this stage');
    const prepared = prepareToken(raw, config);
    kid = prepared.kid;
    // Cached keys come without a promise: the warm path stays synchronous up to the replay store.
    const candidates = candidateKeys(deps.keys, prepared);
    token = verifyPrepared(prepared, Array.isArray(candidates) ? candidates : await candidates, { audiences, now }, config);
    key = replayKey(token.iss, token.jti);
    binding = checkBinding(event, request, credentials, token, config, now);
    scopes = readScopes(token.payload, config.scopeClaims);
    route = governingRoute(config, request);
    if (!route) throw new AuthError('ROUTE_NOT_FOUND', 'no route table entry governs this request');
    if (!permits(route, scopes)) throw new AuthError('SCOPE_MISSING', 'token lacks a scope the route requires');
    const records: UseRecord[] = [];
    if (config.replayProtection === 'single-use') {
      records.push({ kind: 'token', key, expiresAt: recordExpiry(token.exp, config.clockSkewSeconds, now, config.maxTokenLifetimeSeconds) });
    }
    if (binding) records.push(binding.record);
    if (records.length > 0) {
      if (!deps.replayStore) throw new AuthError('INTERNAL', 'single-use records without a replay store');
      // Token and proof records in one round trip, all or nothing.
      refuseUnless(await deps.replayStore.commit({ records }, now));
    }
  } catch (err) {
    error = toAuthError(err);
  }
  return { allowed: error === undefined, error, request, token, scopes, route, kid, replayKey: key, tokenType, jkt: binding?.jkt };
}

/** Throws the 401 a store verdict other than `ok` means; a verdict this plan cannot yield is internal. */
function refuseUnless(verdict: StoreVerdict): void {
  if (verdict === 'ok') return;
  if (verdict === 'token-replayed') throw new AuthError('TOKEN_REPLAYED', 'token was used before');
  if (verdict === 'proof-replayed') throw new AuthError('DPOP_PROOF_REPLAYED', 'DPoP proof was used before');
  throw new AuthError('INTERNAL', `unexpected store verdict ${String(verdict)}`);
}
