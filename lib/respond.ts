/**
 * The one place that maps a decision to API Gateway's contract (design §3): 401 = throw
 * `Error("Unauthorized")`; 403 = an explicit Deny policy or `isAuthorized: false`; 500 = any other throw.
 * Responses carry no detail; the reason goes to the log.
 */
import type { APIGatewayAuthorizerResult, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import type { AuthorizerConfig } from './config.js';
import type { Decision } from './decide.js';
import { policyDocument, type RoutePolicyCache } from './build-policy.js';
import { policyAllows } from './iam-evaluate.js';
import { scopeString } from './scopes.js';

/** The context handed to the backend: verified values only. */
export interface AuthorizerContext {
  readonly sub: string;
  readonly scope: string;
  readonly jti: string;
  readonly stage: string;
  readonly exp: number;
  [key: string]: string | number;
}

/** What the authorizer returns to API Gateway on Allow or 403. */
export type AuthorizerResponse = APIGatewayAuthorizerResult | APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext | Record<string, never>>;

/** The message API Gateway turns into a 401. */
export const UNAUTHORIZED = 'Unauthorized';
/** Any other thrown message becomes a 500. */
export const INTERNAL = 'Internal authorizer error';

/** Extra facts the response adds to the log line. */
export interface ResponseNotes {
  /** Routes the cached policy could not fully allow (design §4: logged, never over-granted). */
  underGranted?: readonly string[];
}

/**
 * Builds the response for a decision, or throws what API Gateway maps to 401 or 500.
 * @param notes receives facts worth logging
 */
export function respond(decision: Decision, config: AuthorizerConfig, policies: RoutePolicyCache, notes: ResponseNotes = {}): AuthorizerResponse {
  const { error, request, token, scopes } = decision;
  if (error?.kind === 'unauthorized') throw new Error(UNAUTHORIZED);
  if (!request || (error && error.kind !== 'forbidden')) throw new Error(INTERNAL);
  const simple = request.kind === 'http-api' && config.httpApiResponse === 'simple';
  const arn = request.arn;

  if (error) {
    if (simple) return { isAuthorized: false, context: {} };
    const deny = [arn.arn.slice(arn.prefix.length)];
    // With caching possible (replay off), keep the token's allowed routes in the cached policy so one
    // forbidden call does not lock it out of the others; the exact Deny keeps this call forbidden.
    if (config.replayProtection === 'off' && token && scopes) {
      const routes = policies.get(scopes);
      notes.underGranted = routes.underGranted;
      return { principalId: token.sub, policyDocument: policyDocument(arn.prefix, routes.allow, [...routes.deny, ...deny]) };
    }
    return { principalId: token?.sub ?? 'anonymous', policyDocument: policyDocument(arn.prefix, [], deny) };
  }

  if (!token || !scopes) throw new Error(INTERNAL);
  const context: AuthorizerContext = { sub: token.sub, scope: scopeString(scopes), jti: token.jti, stage: arn.stage, exp: token.exp };
  context['tokenType'] = decision.tokenType ?? 'Bearer';
  if (decision.jkt !== undefined) context['jkt'] = decision.jkt;
  if (simple) return { isAuthorized: true, context };
  if (config.replayProtection === 'off') {
    const { routes, document } = policies.document(arn.prefix, scopes);
    notes.underGranted = routes.underGranted;
    // The wide policy allows every path of the most specific route unless it reports that route as
    // under-granted (the property test's guarantee). An under-granted route, or a route API Gateway
    // selected (it may rank differently), is checked against this ARN, with the exact ARN as fallback.
    const check = request.selectedResource !== undefined || (decision.route !== undefined && routes.underGranted.includes(decision.route.key));
    if (!check || policyAllows(document, arn.arn)) return { principalId: token.sub, policyDocument: document, context };
  }
  const document = policyDocument(arn.prefix, [arn.arn.slice(arn.prefix.length)]);
  return { principalId: token.sub, policyDocument: document, context };
}
