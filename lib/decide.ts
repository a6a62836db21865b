/**
 * The decision (design §3), in order: token, stage, signature and claims, scopes and route, then one
 * trip to the table for replay and revocation (§10).
 * Pure of any Lambda, middy or environment concern: the handler wires it up.
 */
import { AuthError, toAuthError } from './errors.js';
import type { AuthorizerConfig } from './config.js';
import { eventKind, extractRequest, extractToken, type AuthRequest } from './extract-request.js';
import type { KeySource } from './key-source.js';
import { recordExpiry, replayKey, type ReplayStore, type UseRecord } from './replay-store.js';
import { revocationQuery } from './revocation.js';
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
}

/** What a decision depends on, built once per cold start. */
export interface DecideDeps {
  readonly config: AuthorizerConfig;
  readonly keys: KeySource;
  /** Required when `config.replayProtection` is `single-use` or `config.revocation` is `on`. */
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
  let error: AuthError | undefined;
  try {
    const kind = eventKind(event);
    const raw = extractToken(event, kind);
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
    scopes = readScopes(token.payload, config.scopeClaims);
    route = governingRoute(config, request);
    if (!route) throw new AuthError('ROUTE_NOT_FOUND', 'no route table entry governs this request');
    if (!permits(route, scopes)) throw new AuthError('SCOPE_MISSING', 'token lacks a scope the route requires');
    // One round trip carries the token's single-use record and the revocation lookup (§3, §10).
    const records: UseRecord[] = [];
    if (config.replayProtection === 'single-use') {
      records.push({ kind: 'token', key, expiresAt: recordExpiry(token.exp, config.clockSkewSeconds, now, config.maxTokenLifetimeSeconds) });
    }
    const revocation = config.revocation === 'on' ? revocationQuery(token) : undefined;
    if (records.length > 0 || revocation) {
      if (!deps.replayStore) throw new AuthError('INTERNAL', 'the configuration needs the replay table but there is no store');
      const verdict = await deps.replayStore.commit({ records, revocation }, now);
      if (verdict === 'revoked') throw new AuthError('TOKEN_REVOKED', 'a revocation record refuses this token');
      if (verdict !== 'ok') throw new AuthError('TOKEN_REPLAYED', 'token was used before');
    }
  } catch (err) {
    error = toAuthError(err);
  }
  return { allowed: error === undefined, error, request, token, scopes, route, kid, replayKey: key };
}
