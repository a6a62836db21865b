/**
 * The `dpop` prop of `JwtAuthorizer` (design §8): its checks, the environment it sets, the identity
 * sources and the REST gateway responses that make a 401 name the accepted schemes and algorithms.
 */
import type { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type { Construct } from 'constructs';
import { ENV } from '../lib/env-names.js';
import {
  DEFAULT_DPOP_ALGORITHMS,
  DEFAULT_DPOP_PROOF_MAX_AGE_SECONDS,
  DPOP_ALGORITHM_NAMES,
  MAX_DPOP_PROOF_MAX_AGE_SECONDS,
  type DpopAlgorithm,
  type DpopMode,
} from '../lib/dpop-config.js';
import { checkInteger, checkOneOf, invalid } from './prop-checks.js';

/** DPoP settings of {@link JwtAuthorizer}. */
export interface DpopProps {
  /** DPOP_MODE: `off`, `allowed` (Bearer or DPoP) or `required` (DPoP only). */
  readonly mode: DpopMode;
  /**
   * DPOP_ALGORITHMS: proof algorithms.
   * @default ['ES256', 'Ed25519', 'EdDSA', 'PS256', 'RS256']
   */
  readonly algorithms?: readonly DpopAlgorithm[];
  /**
   * DPOP_PROOF_MAX_AGE_SECONDS: how old a proof's `iat` may be (plus the clock skew), 1–300 s.
   * @default Duration.seconds(60)
   */
  readonly proofMaxAge?: Duration | number;
  /**
   * DPOP_ORIGINS: public `https://` origins a proof's `htu` may name instead of the API Gateway domain,
   * for APIs behind a proxy or CDN (which must forward the path unchanged).
   * @default - the domain API Gateway received
   */
  readonly origins?: readonly string[];
}

/** DPoP settings after the checks, with defaults applied. */
export interface ResolvedDpop {
  readonly mode: Exclude<DpopMode, 'off'>;
  readonly algorithms: readonly DpopAlgorithm[];
  readonly proofMaxAgeSeconds: number;
  readonly origins: readonly string[] | undefined;
}

/** What the rest of the construct's props say that DPoP depends on. */
export interface DpopContext {
  readonly restAuthorizerType: 'TOKEN' | 'REQUEST' | undefined;
  readonly cacheSeconds: number;
}

/**
 * Checks the `dpop` prop; undefined when DPoP is off. Refuses a REST `TOKEN` authorizer (its event
 * carries no other header, so no proof) and any result cache TTL (a cached Allow would skip the proof
 * check, and the proof's single use, for every later request with the same token).
 */
export function resolveDpop(props: DpopProps | undefined, context: DpopContext): ResolvedDpop | undefined {
  if (!props) return undefined;
  checkOneOf('dpop.mode', props.mode, ['off', 'allowed', 'required']);
  if (props.mode === 'off') return undefined;
  if (context.restAuthorizerType === 'TOKEN') {
    invalid("dpop needs restAuthorizerType 'REQUEST': a TOKEN authorizer's event carries only the Authorization header, never the DPoP proof");
  }
  if (context.cacheSeconds > 0) {
    invalid(`dpop requires authorizer result caching to be off (resultsCacheTtl 0), got ${context.cacheSeconds} s: a cached Allow would skip the proof check for later requests`);
  }
  const algorithms = props.algorithms ?? DEFAULT_DPOP_ALGORITHMS;
  if (algorithms.length === 0) invalid('dpop.algorithms must list at least one algorithm');
  for (const alg of algorithms) {
    if (!DPOP_ALGORITHM_NAMES.includes(alg)) invalid(`dpop.algorithms: "${alg}" is not supported; use ${DPOP_ALGORITHM_NAMES.join(', ')}`);
  }
  const maxAge = props.proofMaxAge ?? DEFAULT_DPOP_PROOF_MAX_AGE_SECONDS;
  const proofMaxAgeSeconds = typeof maxAge === 'number' ? maxAge : maxAge.toSeconds();
  checkInteger('dpop.proofMaxAge (seconds)', proofMaxAgeSeconds, 1, MAX_DPOP_PROOF_MAX_AGE_SECONDS);
  if (props.origins !== undefined && props.origins.length === 0) invalid('dpop.origins must not be an empty list (leave it out instead)');
  return { mode: props.mode, algorithms, proofMaxAgeSeconds, origins: props.origins };
}

/** The function's DPoP environment variables (the function's own parser checks them at synth too). */
export function dpopEnvironment(dpop: ResolvedDpop): Record<string, string> {
  const env: Record<string, string> = {
    [ENV.dpopMode]: dpop.mode,
    [ENV.dpopAlgorithms]: dpop.algorithms.join(','),
    [ENV.dpopProofMaxAgeSeconds]: String(dpop.proofMaxAgeSeconds),
  };
  if (dpop.origins) env[ENV.dpopOrigins] = dpop.origins.join(',');
  return env;
}

/**
 * The `WWW-Authenticate` value of a 401 (RFC 9449 §7.1): the DPoP challenge with the accepted
 * algorithms, and the Bearer challenge when Bearer tokens are still accepted.
 */
function wwwAuthenticate(dpop: ResolvedDpop): string {
  const challenge = `DPoP algs="${dpop.algorithms.join(' ')}"`;
  return dpop.mode === 'allowed' ? `${challenge}, Bearer` : challenge;
}

/**
 * Adds the REST API's 401 gateway response (UNAUTHORIZED: what the authorizer's 401 and a missing
 * identity source both become) with `WWW-Authenticate`.
 */
export function addDpopGatewayResponses(scope: Construct, api: apigw.IRestApi, dpop: ResolvedDpop): apigw.GatewayResponse {
  return new apigw.GatewayResponse(scope, `DpopUnauthorized${api.node.addr}`, {
    restApi: api,
    type: apigw.ResponseType.UNAUTHORIZED,
    statusCode: '401',
    // A gateway response header value is a quoted static string.
    responseHeaders: { 'WWW-Authenticate': `'${wwwAuthenticate(dpop)}'` },
  });
}

/** Whether a request without a `DPoP` header can still succeed (then it cannot be an identity source). */
export function proofAlwaysRequired(dpop: ResolvedDpop | undefined): boolean {
  return dpop?.mode === 'required';
}
