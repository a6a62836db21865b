/**
 * The authorizers' identity sources, which are also API Gateway's result-cache key: with a cache TTL the
 * key must cover everything the cached answer depends on, or one request's answer is served for another.
 *
 * - REST `TOKEN`, and every IAM-policy response with replay protection off: the token alone. The policy
 *   lists every route the token may call (design §4), and API Gateway evaluates it against each request.
 * - REST `REQUEST`: the token plus `httpMethod` and `resourcePath`. The policy is the same wide one, so a
 *   shared key under `{proxy+}` is safe; the route only keeps the exact-ARN fallback (used when the wide
 *   policy under-grants) from being served to another route.
 * - HTTP API simple responses (`isAuthorized`) name no resource: a cached `true` is reused as it is. The
 *   answer depends on the stage, the method and the concrete path (a `$default` route or an `ANY` route
 *   does not fix them), so all of them join the key, with the route key.
 */

/** An HTTP API authorizer's identity sources for this cache setting and response type. */
export function httpApiIdentitySources(cacheSeconds: number, simpleResponses: boolean): string[] {
  const sources = ['$request.header.Authorization'];
  if (cacheSeconds > 0 && simpleResponses) sources.push('$context.stage', '$context.routeKey', '$context.httpMethod', '$context.path');
  return sources;
}

/** A REST `REQUEST` authorizer's context identity sources (besides the Authorization header). */
export function restRequestContextSources(cacheSeconds: number): string[] {
  return cacheSeconds > 0 ? ['httpMethod', 'resourcePath'] : [];
}
