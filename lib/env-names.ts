/**
 * The environment contract of the Lambda function. The config schema and the CDK construct both read
 * this list, so the stack and the parser cannot drift apart.
 */
export const ENV = {
  issuer: 'JWT_ISSUER',
  jwksUri: 'JWKS_URI',
  jwksMaxStaleSeconds: 'JWKS_MAX_STALE_SECONDS',
  audienceByStage: 'AUDIENCE_BY_STAGE',
  audienceClaim: 'AUDIENCE_CLAIM',
  algorithms: 'JWT_ALGORITHMS',
  clockSkewSeconds: 'CLOCK_SKEW_SECONDS',
  maxTokenLifetimeSeconds: 'MAX_TOKEN_LIFETIME_SECONDS',
  tokenTypes: 'TOKEN_TYPES',
  scopeClaims: 'SCOPE_CLAIMS',
  routePermissions: 'ROUTE_PERMISSIONS',
  replayProtection: 'REPLAY_PROTECTION',
  replayTableName: 'REPLAY_TABLE_NAME',
  httpApiResponse: 'HTTP_API_RESPONSE',
  dpopMode: 'DPOP_MODE',
  dpopAlgorithms: 'DPOP_ALGORITHMS',
  dpopProofMaxAgeSeconds: 'DPOP_PROOF_MAX_AGE_SECONDS',
  dpopOrigins: 'DPOP_ORIGINS',
  trustedIssuers: 'TRUSTED_ISSUERS',
  requiredClaims: 'REQUIRED_CLAIMS',
  revocation: 'REVOCATION',
} as const;

/** One of the environment variable names the authorizer reads. */
export type EnvName = (typeof ENV)[keyof typeof ENV];

/** Algorithms the authorizer can verify. `none` and HMAC are deliberately absent. */
export const SUPPORTED_ALGORITHMS = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA',
] as const;

/** An asymmetric JWS algorithm the authorizer verifies. */
export type Algorithm = (typeof SUPPORTED_ALGORITHMS)[number];
