/**
 * Per-stage settings of the demo app, in one typed place. Choose a stage with `-c stage=dev|staging|prod`.
 *
 * The values are placeholders for a first synth. To deploy, put your issuer and audiences in
 * `config/<stage>.json` (see `stage-config.ts`); this file is never edited for a deployment.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Algorithm } from '../lib/env-names.js';
import type { DpopProps } from './dpop-props.js';

/** The stages this app knows. */
export const STAGE_NAMES = ['dev', 'staging', 'prod'] as const;
/** One of `STAGE_NAMES`. */
export type StageName = (typeof STAGE_NAMES)[number];

/** Powertools log levels. */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Everything that differs between stages. */
export interface StageSettings {
  /** The stage name: API Gateway stage name of both APIs and the key of AUDIENCE_BY_STAGE. */
  readonly stageName: string;
  /**
   * Where to deploy. Leave `undefined` for an environment-agnostic stack (the account and region of the
   * CLI credentials at deploy time); synth never looks anything up either way.
   */
  readonly env?: { readonly account?: string; readonly region?: string };
  /** JWT_ISSUER: the exact `iss` tokens must carry. */
  readonly issuer: string;
  /**
   * JWKS_URI; `undefined` lets the function use `<issuer>/.well-known/jwks.json`. Setting it also declares
   * the variable in the template, so `sam local invoke --env-vars` can override it.
   */
  readonly jwksUri?: string;
  /** The audience (or audiences) tokens for this stage must carry. */
  readonly audience: string | readonly string[];
  /** AUDIENCE_CLAIM: `aud` (OIDC access tokens) or `client_id` (e.g. Cognito access tokens). */
  readonly audienceClaim: 'aud' | 'client_id';
  /** JWT_ALGORITHMS. */
  readonly algorithms: readonly Algorithm[];
  /** CLOCK_SKEW_SECONDS. */
  readonly clockSkewSeconds: number;
  /** MAX_TOKEN_LIFETIME_SECONDS: tokens with a longer exp − iat are refused. */
  readonly maxTokenLifetimeSeconds: number;
  /** TOKEN_TYPES (`absent` admits a token without `typ`). */
  readonly tokenTypes: readonly string[];
  /** SCOPE_CLAIMS, in order of preference. */
  readonly scopeClaims: readonly string[];
  /** POWERTOOLS_LOG_LEVEL (and the Lambda application log level). */
  readonly logLevel: LogLevel;
  /** Steady-state requests per second for every route of both APIs. */
  readonly throttlingRateLimit: number;
  /** Burst capacity for every route of both APIs. */
  readonly throttlingBurstLimit: number;
  /** REPLAY_PROTECTION. `single-use` forces authorizer result caching off. */
  readonly replayProtection: 'single-use' | 'off';
  /** Authorizer result cache TTL in seconds; must be 0 with single-use replay protection. */
  readonly resultsCacheTtlSeconds: number;
  /** HTTP_API_RESPONSE: the HTTP API authorizer's response type. */
  readonly httpApiResponse: 'simple' | 'iam';
  /** The REST API authorizer type. */
  readonly restAuthorizerType: 'TOKEN' | 'REQUEST';
  /** DPoP (sender-constrained tokens); needs a REST `REQUEST` authorizer. Absent: DPoP off. */
  readonly dpop?: DpopProps;
  /** Removal policy of the replay table and the log groups. */
  readonly removalPolicy: RemovalPolicy;
  /** Retention of every log group of the stack. */
  readonly logRetention: RetentionDays;
  /**
   * Whether this stack sets the account's API Gateway CloudWatch Logs role (needed once per account
   * and region for REST API access and execution logs). Set `false` when another stack or your landing
   * zone already manages it, e.g. when two stages share one account and region.
   */
  readonly manageApiGatewayCloudWatchRole: boolean;
  /** Provisioned concurrency of the authorizer (0 or absent: none; see `cdk/provisioned-concurrency.ts`). */
  readonly provisionedConcurrency?: number;
  /** Browser origins allowed to call the demo APIs; preflights are then answered without the authorizer. */
  readonly cors?: { readonly allowOrigins: readonly string[]; readonly allowHeaders?: readonly string[]; readonly allowMethods?: readonly string[] };
}

const COMMON = {
  issuer: 'https://issuer.example.com',
  jwksUri: 'https://issuer.example.com/.well-known/jwks.json',
  audienceClaim: 'aud',
  algorithms: ['RS256', 'ES256'],
  clockSkewSeconds: 30,
  tokenTypes: ['absent', 'JWT', 'at+jwt'],
  scopeClaims: ['scope', 'scp'],
  replayProtection: 'single-use',
  resultsCacheTtlSeconds: 0,
  httpApiResponse: 'simple',
  restAuthorizerType: 'TOKEN',
  manageApiGatewayCloudWatchRole: true,
} as const satisfies Partial<StageSettings>;

/** The settings of every stage. Audiences match the local stack (`local/settings.ts`) where both exist. */
export const STAGES: Readonly<Record<StageName, StageSettings>> = Object.freeze({
  dev: {
    ...COMMON,
    stageName: 'dev',
    audience: 'api-dev',
    maxTokenLifetimeSeconds: 86_400,
    logLevel: 'DEBUG',
    throttlingRateLimit: 10,
    throttlingBurstLimit: 20,
    removalPolicy: RemovalPolicy.DESTROY,
    logRetention: RetentionDays.ONE_WEEK,
  },
  staging: {
    ...COMMON,
    stageName: 'staging',
    // The demo's DPoP-protected APIs: DPoP-bound and plain tokens both accepted, every proof single-use.
    dpop: { mode: 'allowed' },
    restAuthorizerType: 'REQUEST',
    audience: 'api-staging',
    maxTokenLifetimeSeconds: 3_600,
    logLevel: 'INFO',
    throttlingRateLimit: 50,
    throttlingBurstLimit: 100,
    removalPolicy: RemovalPolicy.DESTROY,
    logRetention: RetentionDays.ONE_MONTH,
  },
  prod: {
    ...COMMON,
    stageName: 'prod',
    audience: 'api-prod',
    maxTokenLifetimeSeconds: 3_600,
    logLevel: 'INFO',
    throttlingRateLimit: 100,
    throttlingBurstLimit: 200,
    removalPolicy: RemovalPolicy.RETAIN,
    logRetention: RetentionDays.THREE_MONTHS,
  },
});

/**
 * The settings of a stage named on the command line (`-c stage=...`).
 * @throws Error naming the valid stages when `name` is missing or unknown
 */
export function stageSettings(name: unknown): StageSettings {
  const valid = STAGE_NAMES.join(', ');
  if (name === undefined || name === null || name === '') {
    throw new Error(`No stage given. Choose one with -c stage=<${STAGE_NAMES.join('|')}>, e.g. npx cdk synth -c stage=dev`);
  }
  if (typeof name !== 'string' || !(STAGE_NAMES as readonly string[]).includes(name)) {
    throw new Error(`Unknown stage "${String(name)}". Valid stages: ${valid} (e.g. -c stage=dev).`);
  }
  return STAGES[name as StageName];
}
