/**
 * The JwtAuthorizer construct on its own: props validation, caching rules, authorizer variants.
 * Bundling is skipped here (authorizer-stack.test.ts bundles once); validation runs before bundling.
 */
import { afterAll, describe, it, expect } from 'vitest';
import { Duration, type Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { JwtAuthorizer, type JwtAuthorizerProps } from '../../cdk/jwt-authorizer.js';
import { DEMO_ROUTES } from '../../cdk/routes.js';
import { actionsOf, authorizerFunction, bareStack, resourcesOf, statementsOfRole, referencedId, removeOutdirs } from './support.js';

afterAll(removeOutdirs);

const BASE: JwtAuthorizerProps = {
  issuer: 'https://issuer.example.com',
  audienceByStage: { dev: 'api-dev' },
  routes: DEMO_ROUTES,
};

function make(overrides: Partial<JwtAuthorizerProps> = {}, stack: Stack = bareStack()): JwtAuthorizer {
  return new JwtAuthorizer(stack, 'Auth', { ...BASE, ...overrides });
}

/** Attaches the authorizers to a minimal REST API and HTTP API so they are synthesized. */
function attachBoth(auth: JwtAuthorizer, stack: Stack): void {
  const rest = new apigw.RestApi(stack, 'Rest', { deploy: false });
  rest.root.addResource('orders').addMethod('GET', new apigw.MockIntegration(), { authorizer: auth.restAuthorizer });
  const http = new apigwv2.HttpApi(stack, 'Http');
  http.addRoutes({
    path: '/orders',
    methods: [apigwv2.HttpMethod.GET],
    integration: new HttpUrlIntegration('Backend', 'https://backend.example.com'),
    authorizer: auth.httpAuthorizer,
  });
}

describe('JwtAuthorizer props validation', () => {
  it('refuses single-use replay protection with a result cache', () => {
    expect(() => make({ replayProtection: 'single-use', resultsCacheTtl: Duration.minutes(5) })).toThrow(
      /single-use replay protection requires authorizer result caching to be off \(resultsCacheTtl 0\)/,
    );
    // single-use is the default
    expect(() => make({ resultsCacheTtl: Duration.seconds(1) })).toThrow(/single-use replay protection requires/);
  });

  it.each<[string, Partial<JwtAuthorizerProps>, RegExp]>([
    ['http issuer', { issuer: 'http://issuer.example.com' }, /issuer "http:\/\/issuer.example.com" must be an https: URL/],
    ['issuer that is not a URL', { issuer: 'issuer.example.com' }, /issuer "issuer.example.com" is not a valid URL/],
    ['http JWKS URI', { jwksUri: 'http://issuer.example.com/jwks' }, /jwksUri .* must be an https: URL/],
    ['no stage', { audienceByStage: {} }, /audienceByStage must name at least one stage/],
    ['empty audience list', { audienceByStage: { dev: [] } }, /audienceByStage.dev must be a non-empty audience/],
    ['HMAC algorithm', { algorithms: ['HS256' as never] }, /algorithm "HS256" is not supported/],
    ['no algorithm', { algorithms: [] }, /algorithms must list at least one algorithm/],
    ['clock skew too large', { clockSkewSeconds: 301 }, /clockSkewSeconds must be a whole number from 0 to 300/],
    ['lifetime zero', { maxTokenLifetimeSeconds: 0 }, /maxTokenLifetimeSeconds must be a whole number from 1/],
    ['scope claim with a comma', { scopeClaims: ['scope,scp'] }, /scopeClaims: "scope,scp" is empty or contains whitespace or a comma/],
    ['no routes', { routes: [] }, /routes must list at least one route/],
    ['malformed route', { routes: [{ route: 'GET orders', scopes: [] }] }, /routes: route "GET orders": path must start with "\/"/],
    ['duplicate route', { routes: [{ route: 'GET /a/{x}', scopes: [] }, { route: 'GET /a/{y}', scopes: [] }] }, /routes: route "GET \/a\/\{y\}" is listed twice/],
    ['a JWKS stale window above one day', { jwksMaxStale: Duration.hours(25) }, /jwksMaxStale \(seconds\) must be a whole number from 0 to 86400/],
    ['timeout above 10 s', { timeout: Duration.seconds(15) }, /timeout \(seconds\) must be a whole number from 1 to 10/],
    ['cache above one hour', { replayProtection: 'off', resultsCacheTtl: Duration.hours(2) }, /resultsCacheTtl \(seconds\) must be a whole number from 0 to 3600/],
    ['unknown REST type', { restAuthorizerType: 'BASIC' as never }, /restAuthorizerType must be one of 'TOKEN', 'REQUEST'/],
    ['unknown replay mode', { replayProtection: 'twice' as never }, /replayProtection must be one of 'single-use', 'off'/],
    ['unknown HTTP response type', { httpApiResponse: 'jwt' as never }, /httpApiResponse must be one of 'simple', 'iam'/],
  ])('refuses %s', (_name, overrides, message) => {
    expect(() => make(overrides)).toThrow(message);
  });
});

describe('JwtAuthorizer in single-use mode (defaults)', () => {
  const stack = bareStack();
  const auth = make({}, stack);
  attachBoth(auth, stack);
  const template = Template.fromStack(stack);

  it('disables result caching on both authorizers', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', Match.objectLike({ Type: 'TOKEN', AuthorizerResultTtlInSeconds: 0 }));
    template.hasResourceProperties(
      'AWS::ApiGatewayV2::Authorizer',
      Match.objectLike({
        AuthorizerType: 'REQUEST',
        AuthorizerResultTtlInSeconds: 0,
        AuthorizerPayloadFormatVersion: '2.0',
        EnableSimpleResponses: true,
        IdentitySource: ['$request.header.Authorization'],
      }),
    );
  });

  it('creates the replay table and passes its name to the function', () => {
    const [tableId] = resourcesOf(template, 'AWS::DynamoDB::Table')[0]!;
    const [, fn] = authorizerFunction(template);
    const env = (fn.Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables;
    expect(referencedId(env['REPLAY_TABLE_NAME'])).toBe(tableId);
    expect(env['REPLAY_PROTECTION']).toBe('single-use');
  });

  it('leaves JWKS_MAX_STALE_SECONDS to the function by default, and passes jwksMaxStale in seconds', () => {
    const [, fn] = authorizerFunction(template);
    expect((fn.Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables).not.toHaveProperty('JWKS_MAX_STALE_SECONDS');
    const other = bareStack();
    make({ jwksMaxStale: Duration.minutes(15) }, other);
    const [, otherFn] = authorizerFunction(Template.fromStack(other));
    expect((otherFn.Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables['JWKS_MAX_STALE_SECONDS']).toBe('900');
  });

  it('exposes its parts', () => {
    expect(auth.table).toBeDefined();
    expect(auth.function.runtime.name).toMatch(/^nodejs\d+\.x$/);
    expect(auth.logGroup).toBeDefined();
    expect(auth.httpAuthorizer).toBeDefined();
    expect(auth.restAuthorizer).toBe(auth.restAuthorizer); // created once
  });
});

describe('JwtAuthorizer with replay protection off and caching on', () => {
  const stack = bareStack();
  const auth = make({ replayProtection: 'off', resultsCacheTtl: Duration.minutes(5) }, stack);
  attachBoth(auth, stack);
  const template = Template.fromStack(stack);

  it('creates no table and grants no DynamoDB action', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    const [, fn] = authorizerFunction(template);
    const roleId = referencedId(fn.Properties!['Role'])!;
    const dynamo = statementsOfRole(template, roleId).flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:'));
    expect(dynamo).toEqual([]);
    const env = (fn.Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables;
    expect(env).not.toHaveProperty('REPLAY_TABLE_NAME');
    expect(env['REPLAY_PROTECTION']).toBe('off');
  });

  it('caches, keying simple HTTP responses by stage, method and concrete path as well as token', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', Match.objectLike({ AuthorizerResultTtlInSeconds: 300 }));
    // `$context.routeKey` alone is one key for every path of a `$default` route and every method of an
    // `ANY` route: one token's `true` for GET /orders/1 would be served for GET /admin/users.
    template.hasResourceProperties(
      'AWS::ApiGatewayV2::Authorizer',
      Match.objectLike({
        AuthorizerResultTtlInSeconds: 300,
        IdentitySource: ['$request.header.Authorization', '$context.stage', '$context.routeKey', '$context.httpMethod', '$context.path'],
      }),
    );
  });
});

describe('JwtAuthorizer variants', () => {
  it('REQUEST REST authorizer and IAM HTTP responses, both on payload 2.0 for HTTP', () => {
    const stack = bareStack();
    const auth = make({ restAuthorizerType: 'REQUEST', httpApiResponse: 'iam' }, stack);
    attachBoth(auth, stack);
    const template = Template.fromStack(stack);
    template.hasResourceProperties(
      'AWS::ApiGateway::Authorizer',
      Match.objectLike({ Type: 'REQUEST', IdentitySource: 'method.request.header.Authorization', AuthorizerResultTtlInSeconds: 0 }),
    );
    template.hasResourceProperties(
      'AWS::ApiGatewayV2::Authorizer',
      Match.objectLike({ AuthorizerPayloadFormatVersion: '2.0', AuthorizerResultTtlInSeconds: 0, EnableSimpleResponses: Match.absent() }),
    );
    const [, fn] = authorizerFunction(template);
    expect((fn.Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables['HTTP_API_RESPONSE']).toBe('iam');
  });

  it('REQUEST REST authorizer with caching adds the route to the cache key', () => {
    const stack = bareStack();
    const auth = make({ restAuthorizerType: 'REQUEST', replayProtection: 'off', resultsCacheTtl: Duration.seconds(60) }, stack);
    attachBoth(auth, stack);
    Template.fromStack(stack).hasResourceProperties(
      'AWS::ApiGateway::Authorizer',
      Match.objectLike({
        Type: 'REQUEST',
        AuthorizerResultTtlInSeconds: 60,
        IdentitySource: 'method.request.header.Authorization,context.httpMethod,context.resourcePath',
      }),
    );
  });

  it('IAM HTTP responses with caching are keyed by the token alone (the policy covers every route)', () => {
    const stack = bareStack();
    const auth = make({ httpApiResponse: 'iam', replayProtection: 'off', resultsCacheTtl: Duration.seconds(60) }, stack);
    attachBoth(auth, stack);
    Template.fromStack(stack).hasResourceProperties(
      'AWS::ApiGatewayV2::Authorizer',
      Match.objectLike({ AuthorizerResultTtlInSeconds: 60, IdentitySource: ['$request.header.Authorization'] }),
    );
  });

  it('an HTTP-only stack creates no REST authorizer', () => {
    const stack = bareStack();
    const auth = make({}, stack);
    const http = new apigwv2.HttpApi(stack, 'Http');
    http.addRoutes({
      path: '/orders',
      methods: [apigwv2.HttpMethod.GET],
      integration: new HttpUrlIntegration('Backend', 'https://backend.example.com'),
      authorizer: auth.httpAuthorizer,
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ApiGateway::Authorizer', 0);
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
  });

  it('sets the removal policy, retention and deletion protection from props', () => {
    const stack = bareStack();
    make({}, stack); // default removal policy: RETAIN
    const template = Template.fromStack(stack);
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: Match.objectLike({ DeletionProtectionEnabled: true }) });
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ RetentionInDays: 30 }) });
  });
});
