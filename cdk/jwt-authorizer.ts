/**
 * `JwtAuthorizer`: the JWT Lambda authorizer as a reusable construct (design §6). It creates the
 * function, its log group and role, the replay table (single-use mode), and API Gateway authorizers
 * for a REST API (TOKEN or REQUEST) and an HTTP API (simple or IAM responses, payload 2.0).
 */
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { CfnAuthorizer, HttpAuthorizer, type HttpRouteAuthorizerBindOptions, type HttpRouteAuthorizerConfig } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV, SUPPORTED_ALGORITHMS, type Algorithm } from '../lib/env-names.js';
import { buildRouteTable } from '../lib/routes.js';
import { MAX_CLOCK_SKEW_SECONDS, MAX_LIFETIME_LIMIT_SECONDS } from '../lib/config.js';
import { checkHttpsUrl, checkInteger, checkList, checkOneOf, checkWithFunctionConfig, invalid } from './prop-checks.js';
import type { RoutePermission } from './routes.js';
import { addDpopGatewayResponses, dpopEnvironment, proofAlwaysRequired, resolveDpop, type DpopProps, type ResolvedDpop } from './dpop-props.js';

/** The repository root (this file lives in `cdk/`). */
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The authorizer's Lambda entry point in this repository. */
export const DEFAULT_ENTRY = fileURLToPath(new URL('../functions/authorizer/handler.ts', import.meta.url));

/** API Gateway waits at most 10 s for a Lambda authorizer. */
const MAX_TIMEOUT_SECONDS = 10;
/** API Gateway caches authorizer results for at most one hour. */
const MAX_CACHE_TTL_SECONDS = 3_600;

export { ESM_REQUIRE_BANNER } from './bundling.js';
import { AUTHORIZER_BUNDLING } from './bundling.js';

/** Powertools log levels, also used as the Lambda application log level. */
export type AuthorizerLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Properties of {@link JwtAuthorizer}. */
export interface JwtAuthorizerProps {
  /**
   * The exact `iss` every token must carry (JWT_ISSUER), e.g. `https://issuer.example.com`.
   * Must be an `https:` URL.
   */
  readonly issuer: string;

  /**
   * The JWKS URL (JWKS_URI). Must be `https:`.
   * @default - the function uses `<issuer>/.well-known/jwks.json`
   */
  readonly jwksUri?: string;

  /**
   * API Gateway stage name → the audience (or audiences) a token for that stage must carry
   * (AUDIENCE_BY_STAGE). A request on a stage not listed here is refused.
   */
  readonly audienceByStage: Readonly<Record<string, string | readonly string[]>>;

  /**
   * The claim holding the audience (AUDIENCE_CLAIM): `aud`, or `client_id` for access tokens that carry
   * the client there (e.g. Amazon Cognito).
   * @default 'aud'
   */
  readonly audienceClaim?: 'aud' | 'client_id';

  /**
   * Accepted signing algorithms (JWT_ALGORITHMS). `none` and HMAC are never accepted.
   * @default ['RS256', 'ES256']
   */
  readonly algorithms?: readonly Algorithm[];

  /**
   * Allowed clock skew for `exp`, `nbf` and `iat`, in seconds, 0–300 (CLOCK_SKEW_SECONDS).
   * @default 30
   */
  readonly clockSkewSeconds?: number;

  /**
   * Longest accepted token lifetime (`exp` − `iat`) in seconds, 1–2592000 (MAX_TOKEN_LIFETIME_SECONDS).
   * @default 86400
   */
  readonly maxTokenLifetimeSeconds?: number;

  /**
   * Accepted JOSE `typ` values (TOKEN_TYPES); `absent` admits a token without `typ`.
   * @default - the function's default: `absent`, `JWT`, `at+jwt`
   */
  readonly tokenTypes?: readonly string[];

  /**
   * Claims that may hold the granted scopes, in order of preference (SCOPE_CLAIMS).
   * @default ['scope', 'scp']
   */
  readonly scopeClaims?: readonly string[];

  /**
   * The route table (ROUTE_PERMISSIONS): every route and the scopes it requires. Validated at synth
   * time with the same parser the function uses.
   */
  readonly routes: readonly RoutePermission[];

  /**
   * Replay protection (REPLAY_PROTECTION). `single-use` records each token's `jti` in a DynamoDB table
   * and refuses a second use; it requires authorizer result caching to be off.
   * @default 'single-use'
   */
  readonly replayProtection?: 'single-use' | 'off';

  /**
   * How API Gateway caches authorizer results. Must be zero with `single-use` replay protection (a cached
   * Allow would let a token be used again without reaching the function).
   * @default Duration.seconds(0)
   */
  readonly resultsCacheTtl?: Duration;

  /**
   * The HTTP API authorizer's response type (HTTP_API_RESPONSE): `simple` (`isAuthorized`) or `iam`
   * (an IAM policy). Both use payload format 2.0.
   * @default 'simple'
   */
  readonly httpApiResponse?: 'simple' | 'iam';

  /**
   * The REST API authorizer type: `TOKEN` (identity source: the Authorization header) or `REQUEST`.
   * DPoP needs `REQUEST` (a TOKEN event carries no proof).
   * @default - 'REQUEST' with DPoP, else 'TOKEN'
   */
  readonly restAuthorizerType?: 'TOKEN' | 'REQUEST';

  /**
   * Sender-constrained tokens (DPoP, RFC 9449): DPOP_MODE, DPOP_ALGORITHMS, DPOP_PROOF_MAX_AGE_SECONDS,
   * DPOP_ORIGINS. Proofs are single-use (recorded in the replay table, which is then always created);
   * needs a REST `REQUEST` authorizer and result caching off. Call `addGatewayResponses(api)` so a REST
   * 401 names the accepted schemes.
   * @default - DPoP off
   */
  readonly dpop?: DpopProps;

  /**
   * Log level of the function (POWERTOOLS_LOG_LEVEL and the Lambda application log level).
   * @default 'INFO'
   */
  readonly logLevel?: AuthorizerLogLevel;

  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Removal policy of the replay table and the log group. Use `RETAIN` in production; `RETAIN` also
   * turns on the table's deletion protection.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Memory of the function in MB (also buys CPU for signature checks), 128–10240.
   * @default 512
   */
  readonly memorySize?: number;

  /**
   * Function timeout, 1–10 s (API Gateway waits at most 10 s for an authorizer).
   * @default Duration.seconds(5)
   */
  readonly timeout?: Duration;

  /**
   * Whether the function sends traces to AWS X-Ray (active tracing).
   * @default true
   */
  readonly tracing?: boolean;

  /**
   * POWERTOOLS_SERVICE_NAME.
   * @default 'jwt-authorizer'
   */
  readonly serviceName?: string;

  /**
   * POWERTOOLS_METRICS_NAMESPACE.
   * @default 'JwtAuthorizer'
   */
  readonly metricsNamespace?: string;

  /**
   * The function's TypeScript entry point.
   * @default - `functions/authorizer/handler.ts` of this repository
   */
  readonly entry?: string;
}

/**
 * An `HttpLambdaAuthorizer` that always uses payload format 2.0. The CDK class picks 1.0 for IAM
 * responses; the function reads HTTP API events as payload 2.0 in both response modes.
 */
class PayloadV2HttpLambdaAuthorizer extends HttpLambdaAuthorizer {
  constructor(
    private readonly constructId: string,
    handler: lambda.IFunction,
    props: ConstructorParameters<typeof HttpLambdaAuthorizer>[2],
  ) {
    super(constructId, handler, props);
  }

  override bind(options: HttpRouteAuthorizerBindOptions): HttpRouteAuthorizerConfig {
    const config = super.bind(options);
    const created = options.scope.node.tryFindChild(this.constructId);
    if (!(created instanceof HttpAuthorizer)) {
      throw new Error(`JwtAuthorizer: could not find the HTTP authorizer "${this.constructId}" to set payload format 2.0`);
    }
    (created.node.defaultChild as CfnAuthorizer).authorizerPayloadFormatVersion = '2.0';
    return config;
  }
}

/**
 * A JWT Lambda authorizer for API Gateway REST, HTTP and WebSocket APIs.
 *
 * @example
 * const auth = new JwtAuthorizer(this, 'JwtAuthorizer', {
 *   issuer: 'https://issuer.example.com',
 *   audienceByStage: { prod: 'api-prod' },
 *   routes: [{ route: 'GET /orders', scopes: ['orders:read'] }],
 *   removalPolicy: RemovalPolicy.RETAIN,
 * });
 * api.root.addResource('orders').addMethod('GET', integration, { authorizer: auth.restAuthorizer });
 */
export class JwtAuthorizer extends Construct {
  /** The replay table (partition key `pk`, TTL `expiresAt`); `undefined` when replay protection is off. */
  public readonly table: dynamodb.Table | undefined;
  /** The authorizer function. */
  public readonly function: NodejsFunction;
  /** The function's execution role: its own logs, X-Ray (if tracing) and `dynamodb:PutItem` on the table. */
  public readonly role: iam.Role;
  /** The function's log group. */
  public readonly logGroup: logs.LogGroup;
  /** The HTTP API authorizer (payload 2.0). Attach it to the routes of one HTTP API. */
  public readonly httpAuthorizer: HttpLambdaAuthorizer;
  /** The result cache TTL both authorizers use. */
  public readonly resultsCacheTtl: Duration;

  /** The DPoP settings in force, undefined when DPoP is off. */
  public readonly dpop: ResolvedDpop | undefined;

  private readonly restType: 'TOKEN' | 'REQUEST';
  private restAuthorizerInstance: apigw.TokenAuthorizer | apigw.RequestAuthorizer | undefined;

  constructor(scope: Construct, id: string, props: JwtAuthorizerProps) {
    super(scope, id);

    // ---- validation: every problem the function would reject at cold start fails the synth instead
    const replayProtection = props.replayProtection ?? 'single-use';
    const httpApiResponse = props.httpApiResponse ?? 'simple';
    const dpopOn = props.dpop !== undefined && props.dpop.mode !== 'off';
    const restType = props.restAuthorizerType ?? (dpopOn ? 'REQUEST' : 'TOKEN');
    const audienceClaim = props.audienceClaim ?? 'aud';
    const logLevel = props.logLevel ?? 'INFO';
    const algorithms = props.algorithms ?? (['RS256', 'ES256'] as const);
    const scopeClaims = props.scopeClaims ?? ['scope', 'scp'];
    const clockSkewSeconds = props.clockSkewSeconds ?? 30;
    const maxTokenLifetimeSeconds = props.maxTokenLifetimeSeconds ?? 86_400;
    const resultsCacheTtl = props.resultsCacheTtl ?? Duration.seconds(0);
    const memorySize = props.memorySize ?? 512;
    const timeout = props.timeout ?? Duration.seconds(5);

    checkOneOf('replayProtection', replayProtection, ['single-use', 'off']);
    checkOneOf('httpApiResponse', httpApiResponse, ['simple', 'iam']);
    checkOneOf('restAuthorizerType', restType, ['TOKEN', 'REQUEST']);
    checkOneOf('audienceClaim', audienceClaim, ['aud', 'client_id']);
    checkOneOf('logLevel', logLevel, ['DEBUG', 'INFO', 'WARN', 'ERROR']);

    if (!Token.isUnresolved(props.issuer)) {
      if (props.issuer.trim() === '' || /\s/.test(props.issuer)) invalid('issuer must be a non-empty URL without whitespace');
      checkHttpsUrl('issuer', props.issuer);
    }
    if (props.jwksUri !== undefined) checkHttpsUrl('jwksUri', props.jwksUri);

    const stages = Object.entries(props.audienceByStage);
    if (stages.length === 0) invalid('audienceByStage must name at least one stage');
    for (const [stage, audience] of stages) {
      if (stage.trim() === '') invalid('audienceByStage: a stage name is empty');
      const list = typeof audience === 'string' ? [audience] : audience;
      if (list.length === 0 || list.some((a) => a.trim() === '')) invalid(`audienceByStage.${stage} must be a non-empty audience or a non-empty list of them`);
    }

    if (algorithms.length === 0) invalid('algorithms must list at least one algorithm');
    for (const alg of algorithms) {
      if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(alg)) invalid(`algorithm "${alg}" is not supported; use ${SUPPORTED_ALGORITHMS.join(', ')}`);
    }
    checkInteger('clockSkewSeconds', clockSkewSeconds, 0, MAX_CLOCK_SKEW_SECONDS);
    checkInteger('maxTokenLifetimeSeconds', maxTokenLifetimeSeconds, 1, MAX_LIFETIME_LIMIT_SECONDS);
    if (props.tokenTypes) checkList('tokenTypes', props.tokenTypes);
    checkList('scopeClaims', scopeClaims);

    if (props.routes.length === 0) invalid('routes must list at least one route');
    try {
      buildRouteTable(props.routes);
    } catch (err) {
      invalid(`routes: ${(err as Error).message}`);
    }

    const cacheSeconds = resultsCacheTtl.toSeconds();
    checkInteger('resultsCacheTtl (seconds)', cacheSeconds, 0, MAX_CACHE_TTL_SECONDS);
    if (replayProtection === 'single-use' && cacheSeconds > 0) {
      invalid(
        `single-use replay protection requires authorizer result caching to be off (resultsCacheTtl 0), ` +
          `got ${cacheSeconds} s: a cached Allow lets the same token through again without reaching the function. ` +
          `Set resultsCacheTtl to Duration.seconds(0) or replayProtection to 'off'.`,
      );
    }
    const dpop = resolveDpop(props.dpop, { restAuthorizerType: props.restAuthorizerType, cacheSeconds });
    checkInteger('memorySize', memorySize, 128, 10_240);
    const timeoutSeconds = timeout.toSeconds();
    checkInteger('timeout (seconds)', timeoutSeconds, 1, MAX_TIMEOUT_SECONDS);

    this.restType = restType;
    this.dpop = dpop;
    this.resultsCacheTtl = resultsCacheTtl;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const tracing = props.tracing ?? true;

    // ---- replay table (single-use mode, and DPoP: proofs are single-use too)
    if (replayProtection === 'single-use' || dpop) {
      this.table = new dynamodb.Table(this, 'ReplayTable', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        timeToLiveAttribute: 'expiresAt',
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        removalPolicy,
        deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      });
    }

    // ---- log group and role
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'JWT authorizer: writes its own log group and records token ids in the replay table',
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogGroup',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    if (this.table) {
      // Exactly one action: the replay store's conditional PutItem. No reads, no deletes, no other table.
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReplayTablePutItemOnly',
          // DPoP with single-use writes token and proof records in one transaction (TransactWriteItems).
          actions: dpop && replayProtection === 'single-use' ? ['dynamodb:PutItem', 'dynamodb:ConditionCheckItem'] : ['dynamodb:PutItem'],
          resources: [this.table.tableArn],
        }),
      );
    }

    // ---- environment: names come only from ENV, the contract the function's config parser reads
    const environment: Record<string, string> = {
      [ENV.issuer]: props.issuer,
      [ENV.audienceByStage]: JSON.stringify(props.audienceByStage),
      [ENV.audienceClaim]: audienceClaim,
      [ENV.algorithms]: algorithms.join(','),
      [ENV.clockSkewSeconds]: String(clockSkewSeconds),
      [ENV.maxTokenLifetimeSeconds]: String(maxTokenLifetimeSeconds),
      [ENV.scopeClaims]: scopeClaims.join(','),
      [ENV.routePermissions]: JSON.stringify(props.routes.map((r) => ({ route: r.route, scopes: [...r.scopes] }))),
      [ENV.replayProtection]: replayProtection,
      [ENV.httpApiResponse]: httpApiResponse,
      POWERTOOLS_SERVICE_NAME: props.serviceName ?? 'jwt-authorizer',
      POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace ?? 'JwtAuthorizer',
      POWERTOOLS_LOG_LEVEL: logLevel,
    };
    if (props.jwksUri !== undefined) environment[ENV.jwksUri] = props.jwksUri;
    if (props.tokenTypes !== undefined) environment[ENV.tokenTypes] = props.tokenTypes.join(',');
    if (this.table) environment[ENV.replayTableName] = this.table.tableName;
    if (dpop) Object.assign(environment, dpopEnvironment(dpop));
    checkWithFunctionConfig(environment);

    // ---- function
    this.function = new NodejsFunction(this, 'Function', {
      description: 'API Gateway Lambda authorizer: verifies JWTs against the issuer JWKS',
      entry: props.entry ?? DEFAULT_ENTRY,
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}package-lock.json`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize,
      timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel[logLevel],
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      environment,
      bundling: {
        // Local esbuild from devDependencies; never Docker.
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: AUTHORIZER_BUNDLING.target,
        mainFields: [...AUTHORIZER_BUNDLING.mainFields],
        banner: AUTHORIZER_BUNDLING.banner,
        minify: AUTHORIZER_BUNDLING.minify,
        sourceMap: AUTHORIZER_BUNDLING.sourceMap,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: AUTHORIZER_BUNDLING.sourcesContent,
        externalModules: [...AUTHORIZER_BUNDLING.externalModules],
      },
    });

    if (tracing) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only the X-Ray statement CDK adds for active tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) uses "*": ' +
          'these actions do not support resource-level permissions. The logs and DynamoDB statements name their exact ARNs.',
      });
    }
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'API Gateway invokes the authorizer synchronously and turns a failure into a 401/500 for the caller; ' +
        'a dead-letter queue only receives failed asynchronous invocations and would never get a message.',
    });

    // ---- HTTP API authorizer
    const simple = httpApiResponse === 'simple';
    const identitySource = ['$request.header.Authorization'];
    // Simple responses answer for one route only: with caching on, the route must be part of the cache
    // key or an Allow for one route would be reused for another.
    if (cacheSeconds > 0 && simple) identitySource.push('$context.routeKey');
    // A missing identity source is a 401 before the function runs: only when every request needs a proof.
    if (proofAlwaysRequired(dpop)) identitySource.push('$request.header.DPoP');
    this.httpAuthorizer = new PayloadV2HttpLambdaAuthorizer('JwtHttpAuthorizer', this.function, {
      responseTypes: [simple ? HttpLambdaResponseType.SIMPLE : HttpLambdaResponseType.IAM],
      identitySource,
      resultsCacheTtl,
    });
  }

  /**
   * The REST API authorizer (`TOKEN` or `REQUEST`), identity source the Authorization header. Created on
   * first access, because CDK requires a REST authorizer to be attached to a RestApi: a stack that only
   * has an HTTP API never creates it. Attach it to the methods of one RestApi.
   */
  public get restAuthorizer(): apigw.TokenAuthorizer | apigw.RequestAuthorizer {
    this.restAuthorizerInstance ??= this.createRestAuthorizer();
    return this.restAuthorizerInstance;
  }

  /**
   * Makes the REST API's 401 answers carry `WWW-Authenticate` naming the accepted schemes and DPoP
   * algorithms (RFC 9449 §7.1). Does nothing when DPoP is off.
   * @returns the gateway response, or undefined when DPoP is off
   */
  public addGatewayResponses(api: apigw.IRestApi): apigw.GatewayResponse | undefined {
    return this.dpop ? addDpopGatewayResponses(this, api, this.dpop) : undefined;
  }

  private createRestAuthorizer(): apigw.TokenAuthorizer | apigw.RequestAuthorizer {
    if (this.restType === 'TOKEN') {
      return new apigw.TokenAuthorizer(this, 'RestTokenAuthorizer', {
        authorizerName: 'JwtTokenAuthorizer',
        handler: this.function,
        identitySource: apigw.IdentitySource.header('Authorization'),
        resultsCacheTtl: this.resultsCacheTtl,
      });
    }
    const identitySources = [apigw.IdentitySource.header('Authorization')];
    if (proofAlwaysRequired(this.dpop)) identitySources.push(apigw.IdentitySource.header('DPoP'));
    // A REQUEST authorizer's cache key is its identity sources: with caching on, add the route so an
    // answer for one route is not reused for another.
    if (this.resultsCacheTtl.toSeconds() > 0) {
      identitySources.push(apigw.IdentitySource.context('httpMethod'), apigw.IdentitySource.context('resourcePath'));
    }
    return new apigw.RequestAuthorizer(this, 'RestRequestAuthorizer', {
      authorizerName: 'JwtRequestAuthorizer',
      handler: this.function,
      identitySources,
      resultsCacheTtl: this.resultsCacheTtl,
    });
  }
}
