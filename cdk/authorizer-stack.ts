/**
 * The demo stack of one stage: the `JwtAuthorizer` construct, a tiny echo backend, a REST API and an
 * HTTP API whose routes come from the demo route table, every one of them behind the authorizer.
 */
import { CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { JwtAuthorizer } from './jwt-authorizer.js';
import { DEMO_ROUTES, httpRoutes, type RoutePermission } from './routes.js';
import type { StageSettings } from './stages.js';
import { addCorsGatewayResponses, httpCors, restCors } from './cors.js';

/** The logical id of the authorizer function in every stage's template (used by `sam local invoke`). */
export const AUTHORIZER_FUNCTION_LOGICAL_ID = 'AuthorizerFunction';

/** The CloudFormation export of a stage's authorizer ARN, for `Fn::ImportValue` in other stacks. */
export function authorizerArnExportName(stage: string): string {
  return `JwtAuthorizer-${stage}-AuthorizerFunctionArn`;
}

/** The stack name of a stage, e.g. `JwtAuthorizer-dev`. */
export function stackNameOf(stage: string): string {
  return `JwtAuthorizer-${stage}`;
}

/** Properties of {@link AuthorizerStack}. */
export interface AuthorizerStackProps extends StackProps {
  /** The stage's settings (see `stages.ts`). */
  readonly settings: StageSettings;
  /**
   * The route table for ROUTE_PERMISSIONS and for the demo APIs' routes.
   * @default DEMO_ROUTES
   */
  readonly routes?: readonly RoutePermission[];
  /**
   * The authorizer's entry point.
   * @default - `functions/authorizer/handler.ts`
   */
  readonly authorizerEntry?: string;
}

/**
 * The echo backend: returns what the authorizer put in the request context (never the token).
 * Works for REST (payload 1.0) and HTTP API (payload 2.0) proxy events.
 */
const ECHO_BACKEND = `
exports.handler = async (event) => {
  const ctx = event.requestContext || {};
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify({
      route: event.routeKey || ((event.httpMethod || '') + ' ' + (event.resource || '')),
      stage: ctx.stage,
      authorizer: ctx.authorizer || null,
    }),
  };
};
`;

/** JSON access log fields of a REST API stage (all strings, so the format itself is valid JSON). */
const REST_ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  principalId: '$context.authorizer.principalId',
  authorizerStatus: '$context.authorizer.status',
  authorizerLatency: '$context.authorizer.latency',
  authorizerError: '$context.authorizer.error',
  errorType: '$context.error.responseType',
  errorMessage: '$context.error.message',
});

/** JSON access log fields of an HTTP API stage. */
const HTTP_ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  principalId: '$context.authorizer.principalId',
  authorizerError: '$context.authorizer.error',
  errorMessage: '$context.error.message',
  integrationError: '$context.integrationErrorMessage',
});

/** One stage of the demo: authorizer, backend, REST API and HTTP API. */
export class AuthorizerStack extends Stack {
  /** The authorizer construct. */
  public readonly authorizer: JwtAuthorizer;
  /** The echo backend function. */
  public readonly backend: lambda.Function;
  /** The REST API (stage name = the stage). */
  public readonly restApi: apigw.RestApi;
  /** The HTTP API. */
  public readonly httpApi: apigwv2.HttpApi;
  /** The HTTP API's stage (name = the stage). */
  public readonly httpStage: apigwv2.HttpStage;

  constructor(scope: Construct, id: string, props: AuthorizerStackProps) {
    super(scope, id, props);
    const s = props.settings;
    const routes = props.routes ?? DEMO_ROUTES;

    this.authorizer = new JwtAuthorizer(this, 'JwtAuthorizer', {
      issuer: s.issuer,
      jwksUri: s.jwksUri,
      audienceByStage: { [s.stageName]: s.audience },
      audienceClaim: s.audienceClaim,
      algorithms: s.algorithms,
      clockSkewSeconds: s.clockSkewSeconds,
      maxTokenLifetimeSeconds: s.maxTokenLifetimeSeconds,
      tokenTypes: s.tokenTypes,
      scopeClaims: s.scopeClaims,
      routes,
      replayProtection: s.replayProtection,
      resultsCacheTtl: Duration.seconds(s.resultsCacheTtlSeconds),
      httpApiResponse: s.httpApiResponse,
      restAuthorizerType: s.restAuthorizerType,
      dpop: s.dpop,
      logLevel: s.logLevel,
      logRetention: s.logRetention,
      removalPolicy: s.removalPolicy,
      entry: props.authorizerEntry,
      provisionedConcurrency: s.provisionedConcurrency,
    });
    // A fixed, readable logical id, so `sam local invoke AuthorizerFunction` and events/env.json stay valid.
    (this.authorizer.function.node.defaultChild as lambda.CfnFunction).overrideLogicalId(AUTHORIZER_FUNCTION_LOGICAL_ID);

    // ---- echo backend
    const backendLogs = new logs.LogGroup(this, 'BackendLogGroup', { retention: s.logRetention, removalPolicy: s.removalPolicy });
    const backendRole = new iam.Role(this, 'BackendRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Demo echo backend: writes its own log group only',
    });
    backendRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [backendLogs.logGroupArn] }),
    );
    this.backend = new lambda.Function(this, 'Backend', {
      description: 'Demo backend: echoes the authorizer context',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromInline(ECHO_BACKEND),
      memorySize: 128,
      timeout: Duration.seconds(3),
      role: backendRole,
      logGroup: backendLogs,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
    });
    Validations.of(backendRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the X-Ray statement CDK adds for active tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) uses "*": ' +
        'these actions do not support resource-level permissions. The logs statement names the exact log group.',
    });
    Validations.of(this.backend).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'API Gateway invokes the echo backend synchronously (proxy integration) and returns any error to the caller; ' +
        'a dead-letter queue only receives failed asynchronous invocations and would never get a message.',
    });

    // ---- REST API: every method uses the Lambda authorizer (defaultMethodOptions)
    const restAccessLogs = new logs.LogGroup(this, 'RestApiAccessLogs', { retention: s.logRetention, removalPolicy: s.removalPolicy });
    this.restApi = new apigw.RestApi(this, 'RestApi', {
      restApiName: `jwt-authorizer-demo-${s.stageName}`,
      description: `JWT authorizer demo REST API (${s.stageName})`,
      endpointTypes: [apigw.EndpointType.REGIONAL],
      cloudWatchRole: s.manageApiGatewayCloudWatchRole,
      deployOptions: {
        stageName: s.stageName,
        throttlingRateLimit: s.throttlingRateLimit,
        throttlingBurstLimit: s.throttlingBurstLimit,
        accessLogDestination: new apigw.LogGroupLogDestination(restAccessLogs),
        accessLogFormat: apigw.AccessLogFormat.custom(REST_ACCESS_LOG_FORMAT),
        // ERROR, never INFO with data trace: execution logs at INFO can contain request headers.
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
      },
      defaultMethodOptions: {
        authorizer: this.authorizer.restAuthorizer,
        authorizationType: apigw.AuthorizationType.CUSTOM,
      },
      // A browser's preflight OPTIONS carries no token: CDK creates these OPTIONS methods with
      // authorizationType NONE and a mock integration, so preflights never reach the authorizer.
      defaultCorsPreflightOptions: s.cors ? restCors(s.cors) : undefined,
    });
    if (s.cors) addCorsGatewayResponses(this.restApi, s.cors.allowOrigins);
    // With DPoP, a 401 names the accepted schemes and proof algorithms (WWW-Authenticate).
    this.authorizer.addGatewayResponses(this.restApi);
    const restIntegration = new apigw.LambdaIntegration(this.backend, { allowTestInvoke: false });
    for (const { method, path } of httpRoutes(routes)) {
      const resource = path === '/' ? this.restApi.root : this.restApi.root.resourceForPath(path);
      resource.addMethod(method, restIntegration);
    }

    Validations.of(this.restApi).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'No request validator: the demo backend only echoes the authorizer context and reads no body, query string or ' +
        'header, so there is nothing to validate; the Authorization header is validated by the JWT Lambda authorizer on every method.',
    });
    Validations.of(this.restApi).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        'Every method uses this project\'s JWT Lambda authorizer (authorizationType CUSTOM), which verifies tokens of any ' +
        'OIDC issuer (Cognito included, via AUDIENCE_CLAIM=client_id) with per-stage audience, route scopes and single-use ' +
        'replay protection; a Cognito user pool authorizer would replace exactly that.',
    });
    Validations.of(this.restApi.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'No AWS WAF web ACL on the demo stage: every method requires a verified JWT and the stage has its own rate/burst ' +
        'throttling. Associate the organisation\'s web ACL (a per-account, priced resource) when the API fronts real traffic.',
    });
    if (s.manageApiGatewayCloudWatchRole) {
      const cwRole = this.restApi.node.findChild('CloudWatchRole');
      Validations.of(cwRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'The account-level API Gateway CloudWatch Logs role (needed for REST access and execution logs). AWS maintains ' +
          'this policy for exactly this role; API Gateway names the execution log groups per API and stage, so no narrower ARN can be written in advance.',
      });
    }

    // ---- HTTP API: routes from the same table, each with the HTTP Lambda authorizer
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: `jwt-authorizer-demo-${s.stageName}`,
      description: `JWT authorizer demo HTTP API (${s.stageName})`,
      createDefaultStage: false,
      // With corsPreflight set, API Gateway answers every preflight OPTIONS itself, before any route
      // or authorizer (even under ANY routes).
      corsPreflight: s.cors ? httpCors(s.cors) : undefined,
    });
    const httpIntegration = new HttpLambdaIntegration('EchoIntegration', this.backend, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    for (const { method, path } of httpRoutes(routes)) {
      this.httpApi.addRoutes({
        path,
        methods: [method as apigwv2.HttpMethod],
        integration: httpIntegration,
        authorizer: this.authorizer.httpAuthorizer,
      });
    }
    const httpAccessLogs = new logs.LogGroup(this, 'HttpApiAccessLogs', { retention: s.logRetention, removalPolicy: s.removalPolicy });
    this.httpStage = new apigwv2.HttpStage(this, 'HttpStage', {
      httpApi: this.httpApi,
      stageName: s.stageName,
      autoDeploy: true,
      throttle: { rateLimit: s.throttlingRateLimit, burstLimit: s.throttlingBurstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(httpAccessLogs),
        format: apigw.AccessLogFormat.custom(HTTP_ACCESS_LOG_FORMAT),
      },
    });

    // ---- outputs
    new CfnOutput(this, 'RestApiUrl', { value: this.restApi.url, description: 'REST API base URL (stage included)' });
    new CfnOutput(this, 'HttpApiUrl', { value: this.httpStage.url, description: 'HTTP API base URL (stage included)' });
    new CfnOutput(this, 'AuthorizerFunctionName', { value: this.authorizer.function.functionName });
    new CfnOutput(this, 'AuthorizerFunctionArn', {
      value: this.authorizer.invokeTarget.functionArn,
      description: 'What an API defined elsewhere (SAM, Terraform, OpenAPI, another CDK app) sets as its Lambda authorizer',
      exportName: authorizerArnExportName(s.stageName),
    });
    if (this.authorizer.table) {
      new CfnOutput(this, 'ReplayTableName', { value: this.authorizer.table.tableName, description: 'REPLAY_TABLE_NAME' });
    }
  }
}
