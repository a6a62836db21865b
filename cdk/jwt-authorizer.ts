/**
 * `JwtAuthorizer`: the JWT Lambda authorizer as a reusable construct (design §6). It creates the
 * function, its log group and role, the replay table (when single-use, DPoP or revocation needs it), and API Gateway authorizers
 * for a REST API (TOKEN or REQUEST) and an HTTP API (simple or IAM responses, payload 2.0).
 */
import { fileURLToPath } from 'node:url';
import { Annotations, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
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
import { MAX_CLOCK_SKEW_SECONDS, MAX_JWKS_MAX_STALE_SECONDS, MAX_LIFETIME_LIMIT_SECONDS } from '../lib/config.js';
import { DEFAULT_ALGORITHMS, DEFAULT_SCOPE_CLAIMS } from '../lib/config-fields.js';
import { checkIssuerProps, issuerEnvironment, type RequiredClaimsProps, type TrustedIssuerProps } from './issuer-props.js';
import { checkInteger, checkList, checkOneOf, checkWithFunctionConfig, invalid } from './prop-checks.js';
import type { RoutePermission } from './routes.js';
import { authorizerTarget, checkProvisionedConcurrency } from './provisioned-concurrency.js';
import { replayTableActions, replayTableNeeds } from './replay-table-actions.js';
import { warnAboutCache } from './revocation.js';
import { openApiRoutes, type OpenApiRouteSource } from './openapi-routes.js';
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
export type { RequiredClaimsProps, TrustedIssuerProps } from './issuer-props.js';
import { AUTHORIZER_BUNDLING } from './bundling.js';
import { httpApiIdentitySources, restRequestContextSources } from './identity-sources.js';

/** Powertools log levels, also used as the Lambda application log level. */
export type AuthorizerLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Properties of {@link JwtAuthorizer}. */
export interface JwtAuthorizerProps {
  /**
   * The exact `iss` every token must carry (JWT_ISSUER), e.g. `https://issuer.example.com`.
   * Must be an `https:` URL. Set this or `issuers`.
   * @default - none: `issuers` lists the issuers
   */
  readonly issuer?: string;

  /**
   * Several trusted issuers (TRUSTED_ISSUERS), at most 20, each with its own JWKS and, where they differ
   * from the props below, its own settings. Replaces `issuer` and `jwksUri`. See docs/issuers.md.
   * @default - one issuer, from `issuer` and `jwksUri`
   */
  readonly issuers?: readonly TrustedIssuerProps[];

  /**
   * Claim rules every token must satisfy (REQUIRED_CLAIMS): claim → value, or a list of accepted values.
   * Registered, protocol and scope claims cannot be listed.
   * @default - none
   */
  readonly requiredClaims?: RequiredClaimsProps;

  /**
   * The JWKS URL (JWKS_URI). Must be `https:`.
   * @default - the function uses `<issuer>/.well-known/jwks.json`
   */
  readonly jwksUri?: string;

  /**
   * How long keys already known keep working when the refresh of the expired JWKS fails
   * (JWKS_MAX_STALE_SECONDS), 0–86400 s; zero turns this off. A `kid` never seen still needs a
   * successful fetch.
   * @default - the function's default, one hour
   */
  readonly jwksMaxStale?: Duration;

  /**
   * API Gateway stage name → the audience (or audiences) a token for that stage must carry
   * (AUDIENCE_BY_STAGE). A request on a stage not listed here is refused. Required unless every entry
   * of `issuers` has its own.
   * @default - none
   */
  readonly audienceByStage?: Readonly<Record<string, string | readonly string[]>>;

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
   * time with the same parser the function uses. Give exactly one of `routes` and `openApi`.
   * @default - none; then `openApi` is required
   */
  readonly routes?: readonly RoutePermission[];

  /**
   * Take the route table from an OpenAPI document instead (design §11): every operation whose security
   * names the authorizer's scheme becomes an entry with its scopes. Read at synth; a finding of severity
   * error (an unprotected operation, optional auth, ambiguous routes, …) fails the synth, warnings
   * become CDK warnings. Give exactly one of `routes` and `openApi`.
   * @default - none; then `routes` is required
   */
  readonly openApi?: OpenApiRouteSource;

  /**
   * Replay protection (REPLAY_PROTECTION). `single-use` records each token's `jti` in a DynamoDB table
   * and refuses a second use; it requires authorizer result caching to be off.
   * @default 'single-use'
   */
  readonly replayProtection?: 'single-use' | 'off';

  /**
   * Revocation (REVOCATION=on, design §10): tokens are refused when the table holds a record revoking
   * their `jti` or their subject (`npm run revoke`). Creates the table even with replay protection off;
   * the role gains exactly the actions of the store's one request in these modes (`replay-table-actions.ts`:
   * `ConditionCheckItem` inside a transaction, `BatchGetItem` for a read). With a result cache, a revocation
   * takes effect only when the cached answers expire (up to `resultsCacheTtl`).
   * @default false
   */
  readonly revocation?: boolean;

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

  /**
   * Pre-initialised execution environments (provisioned concurrency) on a `live` alias, which both
   * authorizers then invoke; removes cold starts for that many concurrent requests, billed while idle.
   * @default 0 - none; the authorizers invoke the function itself
   */
  readonly provisionedConcurrency?: number;
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
 * // or take the table from the API's OpenAPI document (docs/openapi.md):
 * //   openApi: { document: 'openapi.yaml' }   in place of routes
 */
export class JwtAuthorizer extends Construct {
  /** The replay table (partition key `pk`, TTL `expiresAt`); `undefined` when no mode needs it (single-use, DPoP, revocation). */
  public readonly table: dynamodb.Table | undefined;
  /** The authorizer function. */
  public readonly function: NodejsFunction;
  /** The function's execution role: its own logs, X-Ray (if tracing) and the table actions its modes need. */
  public readonly role: iam.Role;
  /** The function's log group. */
  public readonly logGroup: logs.LogGroup;
  /** The HTTP API authorizer (payload 2.0). Attach it to the routes of one HTTP API. */
  public readonly httpAuthorizer: HttpLambdaAuthorizer;
  /** The route table in force (ROUTE_PERMISSIONS), from `routes` or generated from `openApi`. */
  public readonly routes: readonly RoutePermission[];
  /** The result cache TTL both authorizers use. */
  public readonly resultsCacheTtl: Duration;
  /** The `live` alias with provisioned concurrency; `undefined` without it. */
  public readonly alias: lambda.Alias | undefined;
  /** What API Gateway invokes: the alias when there is one, else the function. Export its ARN for APIs defined elsewhere. */
  public readonly invokeTarget: lambda.IFunction;

  /** The DPoP settings in force, undefined when DPoP is off. */
  public readonly dpop: ResolvedDpop | undefined;

  private readonly restType: 'TOKEN' | 'REQUEST';
  private restAuthorizerInstance: apigw.TokenAuthorizer | apigw.RequestAuthorizer | undefined;

  constructor(scope: Construct, id: string, props: JwtAuthorizerProps) {
    super(scope, id);

    // ---- validation: every problem the function would reject at cold start fails the synth instead
    const replayProtection = props.replayProtection ?? 'single-use';
    const revocation = props.revocation ?? false;
    const httpApiResponse = props.httpApiResponse ?? 'simple';
    const dpopOn = props.dpop !== undefined && props.dpop.mode !== 'off';
    const restType = props.restAuthorizerType ?? (dpopOn ? 'REQUEST' : 'TOKEN');
    const audienceClaim = props.audienceClaim ?? 'aud';
    const logLevel = props.logLevel ?? 'INFO';
    const algorithms = props.algorithms ?? DEFAULT_ALGORITHMS;
    const scopeClaims = props.scopeClaims ?? DEFAULT_SCOPE_CLAIMS;
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

    checkIssuerProps(props);
    if (props.jwksMaxStale !== undefined) checkInteger('jwksMaxStale (seconds)', props.jwksMaxStale.toSeconds(), 0, MAX_JWKS_MAX_STALE_SECONDS);

    const stages = Object.entries(props.audienceByStage ?? {});
    if (props.audienceByStage !== undefined && stages.length === 0) invalid('audienceByStage must name at least one stage');
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

    if ((props.routes === undefined) === (props.openApi === undefined)) invalid('give exactly one of routes and openApi');
    let routes = props.routes ?? [];
    if (props.openApi) {
      let fromDocument;
      try {
        fromDocument = openApiRoutes(props.openApi);
      } catch (err) {
        invalid((err as Error).message);
      }
      routes = fromDocument.routes;
      for (const warning of fromDocument.warnings) Annotations.of(this).addWarningV2('@jwt-authorizer/openapi', warning);
    }
    if (routes.length === 0) invalid('routes must list at least one route');
    this.routes = routes;
    try {
      buildRouteTable(routes);
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
    const provisioned = checkProvisionedConcurrency(props.provisionedConcurrency);
    const timeoutSeconds = timeout.toSeconds();
    checkInteger('timeout (seconds)', timeoutSeconds, 1, MAX_TIMEOUT_SECONDS);

    this.restType = restType;
    this.dpop = dpop;
    this.resultsCacheTtl = resultsCacheTtl;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const tracing = props.tracing ?? true;

    // ---- replay table: exactly the requests the store can send in these modes decide both whether the
    // table exists and what the role may do on it (single-use records, DPoP proofs, revocation records).
    const tableActions = replayTableActions(replayTableNeeds({ singleUse: replayProtection === 'single-use', dpop: dpop ? dpop.mode : 'off', revocation }));
    if (tableActions.length > 0) {
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
      description: 'JWT authorizer: writes its own log group and uses its replay table (token, proof and revocation records)',
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogGroup',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    if (this.table) {
      // Exactly the actions of the requests the store can send in these modes; no deletes, no other table.
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReplayTableOnly',
          actions: tableActions,
          resources: [this.table.tableArn],
        }),
      );
    }

    if (revocation) warnAboutCache(this, resultsCacheTtl);

    // ---- environment: names come only from ENV, the contract the function's config parser reads
    const environment: Record<string, string> = {
      ...issuerEnvironment(this, props),
      [ENV.audienceClaim]: audienceClaim,
      [ENV.algorithms]: algorithms.join(','),
      [ENV.clockSkewSeconds]: String(clockSkewSeconds),
      [ENV.maxTokenLifetimeSeconds]: String(maxTokenLifetimeSeconds),
      [ENV.scopeClaims]: scopeClaims.join(','),
      [ENV.routePermissions]: JSON.stringify(routes.map((r) => ({ route: r.route, scopes: [...r.scopes] }))),
      [ENV.replayProtection]: replayProtection,
      [ENV.httpApiResponse]: httpApiResponse,
      POWERTOOLS_SERVICE_NAME: props.serviceName ?? 'jwt-authorizer',
      POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace ?? 'JwtAuthorizer',
      POWERTOOLS_LOG_LEVEL: logLevel,
    };
    if (props.jwksMaxStale !== undefined) environment[ENV.jwksMaxStaleSeconds] = String(props.jwksMaxStale.toSeconds());
    if (props.tokenTypes !== undefined) environment[ENV.tokenTypes] = props.tokenTypes.join(',');
    if (this.table) environment[ENV.replayTableName] = this.table.tableName;
    if (revocation) environment[ENV.revocation] = 'on';
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

    ({ target: this.invokeTarget, alias: this.alias } = authorizerTarget(this.function, provisioned));

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
    // Simple responses answer for one request only: with caching on, the key holds stage, method and path.
    const identitySource = httpApiIdentitySources(cacheSeconds, simple);
    // A missing identity source is a 401 before the function runs: only when every request needs a proof.
    if (proofAlwaysRequired(dpop)) identitySource.push('$request.header.DPoP');
    this.httpAuthorizer = new PayloadV2HttpLambdaAuthorizer('JwtHttpAuthorizer', this.invokeTarget, {
      responseTypes: [simple ? HttpLambdaResponseType.SIMPLE : HttpLambdaResponseType.IAM],
      identitySource,
      resultsCacheTtl,
    });
  }

  /**
   * The REST API authorizer (`TOKEN` or `REQUEST`; identity sources in `identity-sources.ts`). Created on
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
        handler: this.invokeTarget,
        identitySource: apigw.IdentitySource.header('Authorization'),
        resultsCacheTtl: this.resultsCacheTtl,
      });
    }
    // A REQUEST authorizer's cache key is its identity sources (see identity-sources.ts).
    const identitySources = [
      apigw.IdentitySource.header('Authorization'),
      ...restRequestContextSources(this.resultsCacheTtl.toSeconds()).map((name) => apigw.IdentitySource.context(name)),
    ];
    if (proofAlwaysRequired(this.dpop)) identitySources.push(apigw.IdentitySource.header('DPoP'));
    return new apigw.RequestAuthorizer(this, 'RestRequestAuthorizer', {
      authorizerName: 'JwtRequestAuthorizer',
      handler: this.invokeTarget,
      identitySources,
      resultsCacheTtl: this.resultsCacheTtl,
    });
  }
}
