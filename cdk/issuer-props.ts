/**
 * The construct's issuer props (design §9): one `issuer` (JWT_ISSUER, JWKS_URI) or several `issuers`
 * (TRUSTED_ISSUERS), and `requiredClaims` (REQUIRED_CLAIMS). Checked at synth with prop names; the
 * function's own parser then runs on the environment built here (`checkWithFunctionConfig`).
 */
import { Stack, Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ENV, type Algorithm } from '../lib/env-names.js';
import { MAX_TRUSTED_ISSUERS } from '../lib/issuers-config.js';
import type { ClaimValue } from '../lib/required-claims.js';
import { checkHttpsUrl, invalid } from './prop-checks.js';

/** Claim rules: claim → required value, or a list of accepted values. */
export type RequiredClaimsProps = Readonly<Record<string, ClaimValue | readonly ClaimValue[]>>;

/** One trusted issuer; every optional field defaults to the construct's matching prop. */
export interface TrustedIssuerProps {
  /** The exact `iss` of this issuer's tokens. Must be an `https:` URL. */
  readonly issuer: string;
  /**
   * This issuer's JWKS URL. Must be `https:`.
   * @default - `<issuer without trailing slash>/.well-known/jwks.json`
   */
  readonly jwksUri?: string;
  /**
   * Stage name → audience (or audiences) of this issuer's tokens on that stage.
   * @default - the construct's `audienceByStage`
   */
  readonly audienceByStage?: Readonly<Record<string, string | readonly string[]>>;
  /**
   * `aud`, or `client_id` (e.g. Amazon Cognito access tokens).
   * @default - the construct's `audienceClaim`
   */
  readonly audienceClaim?: 'aud' | 'client_id';
  /**
   * Claims read as scopes.
   * @default - the construct's `scopeClaims`
   */
  readonly scopeClaims?: readonly string[];
  /**
   * This issuer's scope names → the route table's; a scope not listed passes unchanged.
   * @default - no translation
   */
  readonly scopeMap?: Readonly<Record<string, string>>;
  /**
   * Accepted signing algorithms.
   * @default - the construct's `algorithms`
   */
  readonly algorithms?: readonly Algorithm[];
  /**
   * Accepted `typ` values (`absent` admits none).
   * @default - the construct's `tokenTypes`
   */
  readonly tokenTypes?: readonly string[];
  /**
   * The claim that plays `jti` (Microsoft Entra ID: `uti`).
   * @default 'jti'
   */
  readonly jtiClaim?: string;
  /**
   * Claim rules added to the construct's `requiredClaims` (replacing a rule of the same claim).
   * @default - none
   */
  readonly requiredClaims?: RequiredClaimsProps;
}

/** The issuer-related props of the construct. */
export interface IssuerSourceProps {
  readonly issuer?: string;
  readonly jwksUri?: string;
  readonly issuers?: readonly TrustedIssuerProps[];
  readonly requiredClaims?: RequiredClaimsProps;
  readonly audienceByStage?: Readonly<Record<string, string | readonly string[]>>;
}

function checkIssuerUrl(name: string, value: string): void {
  if (Token.isUnresolved(value)) return;
  if (value.trim() === '' || /\s/.test(value)) invalid(`${name} must be a non-empty URL without whitespace`);
  checkHttpsUrl(name, value);
}

/** Throws a construct validation error naming the prop when the issuer props cannot work. */
export function checkIssuerProps(props: IssuerSourceProps): void {
  if (props.issuers === undefined) {
    if (props.issuer === undefined) invalid('issuer (or issuers, for several) is required');
    checkIssuerUrl('issuer', props.issuer);
    if (props.jwksUri !== undefined) checkHttpsUrl('jwksUri', props.jwksUri);
    if (props.audienceByStage === undefined) invalid('audienceByStage is required');
    return;
  }
  if (props.issuer !== undefined || props.jwksUri !== undefined) invalid('issuers replaces issuer and jwksUri: set one or the other');
  if (props.issuers.length === 0) invalid('issuers must list at least one issuer');
  if (props.issuers.length > MAX_TRUSTED_ISSUERS) invalid(`issuers must list at most ${MAX_TRUSTED_ISSUERS} issuers, got ${props.issuers.length}`);
  props.issuers.forEach((entry, i) => {
    checkIssuerUrl(`issuers[${i}].issuer`, entry.issuer);
    if (entry.jwksUri !== undefined) checkHttpsUrl(`issuers[${i}].jwksUri`, entry.jwksUri);
  });
  if (props.audienceByStage === undefined && props.issuers.some((e) => e.audienceByStage === undefined)) {
    invalid('audienceByStage is required unless every entry of issuers has its own');
  }
}

/** JSON for the environment: plain text when it holds no token (so the synth can check it), else a lazy CloudFormation value. */
function json(scope: Construct, value: unknown): string {
  const text = JSON.stringify(value);
  return Token.isUnresolved(text) ? Stack.of(scope).toJsonString(value) : text;
}

/** The environment variables of the issuer props. */
export function issuerEnvironment(scope: Construct, props: IssuerSourceProps): Record<string, string> {
  const env: Record<string, string> = {};
  if (props.issuers !== undefined) {
    env[ENV.trustedIssuers] = json(scope, props.issuers);
  } else {
    env[ENV.issuer] = props.issuer!;
    if (props.jwksUri !== undefined) env[ENV.jwksUri] = props.jwksUri;
  }
  if (props.audienceByStage !== undefined) env[ENV.audienceByStage] = JSON.stringify(props.audienceByStage);
  if (props.requiredClaims !== undefined) env[ENV.requiredClaims] = json(scope, props.requiredClaims);
  return env;
}
