/**
 * The construct's `dpop` prop: refused where a proof cannot arrive or would be cached past its single
 * use; the environment the function parses; identity sources; the role's DynamoDB actions; the table;
 * and the REST 401 gateway response naming the accepted schemes and algorithms.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Duration, type Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { JwtAuthorizer, type JwtAuthorizerProps } from '../../cdk/jwt-authorizer.js';
import { DEMO_ROUTES } from '../../cdk/routes.js';
import { parseConfig } from '../../lib/config.js';
import { actionsOf, authorizerFunction, bareStack, onlyResource, removeOutdirs, statementsOfRole, synthStage } from './support.js';

afterAll(removeOutdirs);

const BASE: JwtAuthorizerProps = { issuer: 'https://issuer.example.com', audienceByStage: { dev: 'api-dev' }, routes: DEMO_ROUTES };

function synth(overrides: Partial<JwtAuthorizerProps>, withRest = true): { auth: JwtAuthorizer; template: Template; stack: Stack } {
  const stack = bareStack();
  const auth = new JwtAuthorizer(stack, 'Auth', { ...BASE, ...overrides });
  if (withRest) {
    const rest = new apigw.RestApi(stack, 'Rest', { deploy: false });
    rest.root.addResource('orders').addMethod('GET', new apigw.MockIntegration(), { authorizer: auth.restAuthorizer });
    auth.addGatewayResponses(rest);
  }
  const http = new apigwv2.HttpApi(stack, 'Http');
  http.addRoutes({ path: '/orders', methods: [apigwv2.HttpMethod.GET], integration: new HttpUrlIntegration('B', 'https://backend.example.com'), authorizer: auth.httpAuthorizer });
  return { auth, template: Template.fromStack(stack), stack };
}

function envOf(template: Template): Record<string, string> {
  const [, fn] = authorizerFunction(template);
  return (fn.Properties!['Environment'] as { Variables: Record<string, string> }).Variables;
}

function dynamoActions(template: Template): string[] {
  const [roleId] = onlyResource(template, 'AWS::IAM::Role');
  return statementsOfRole(template, roleId).flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:')).sort();
}

describe('dpop prop validation', () => {
  it('refuses a REST TOKEN authorizer', () => {
    expect(() => synth({ dpop: { mode: 'allowed' }, restAuthorizerType: 'TOKEN' })).toThrow(/dpop needs restAuthorizerType 'REQUEST'/);
  });
  it('refuses any result cache TTL, also with replay protection off', () => {
    expect(() => synth({ dpop: { mode: 'required' }, replayProtection: 'off', resultsCacheTtl: Duration.seconds(60) })).toThrow(/dpop requires authorizer result caching to be off/);
    expect(() => synth({ dpop: { mode: 'allowed' }, replayProtection: 'off', resultsCacheTtl: Duration.seconds(1) })).toThrow(/caching to be off/);
  });
  it('refuses bad algorithms, max ages and origins', () => {
    expect(() => synth({ dpop: { mode: 'allowed', algorithms: [] } })).toThrow(/dpop.algorithms must list/);
    expect(() => synth({ dpop: { mode: 'allowed', algorithms: ['HS256' as never] } })).toThrow(/"HS256" is not supported/);
    expect(() => synth({ dpop: { mode: 'allowed', proofMaxAge: Duration.minutes(10) } })).toThrow(/dpop.proofMaxAge \(seconds\) must be a whole number from 1 to 300/);
    expect(() => synth({ dpop: { mode: 'allowed', proofMaxAge: 0 } })).toThrow(/from 1 to 300/);
    expect(() => synth({ dpop: { mode: 'allowed', origins: ['http://api.example.com'] } })).toThrow(/DPOP_ORIGINS: "http:\/\/api.example.com" must use https:/);
    expect(() => synth({ dpop: { mode: 'sometimes' as never } })).toThrow(/dpop.mode must be one of/);
  });
});

describe('dpop in the template', () => {
  it('sets the environment the function accepts, defaulting the REST authorizer to REQUEST', () => {
    const { template } = synth({ dpop: { mode: 'required', algorithms: ['ES256', 'Ed25519'], proofMaxAge: Duration.seconds(30), origins: ['https://api.example.com'] } });
    const env = envOf(template);
    expect(env).toMatchObject({ DPOP_MODE: 'required', DPOP_ALGORITHMS: 'ES256,Ed25519', DPOP_PROOF_MAX_AGE_SECONDS: '30', DPOP_ORIGINS: 'https://api.example.com' });
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', Match.objectLike({ Type: 'REQUEST' }));
    const resolved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? v : 'replay-table']));
    expect(parseConfig(resolved).dpop.mode).toBe('required');
  });
  it('required: the DPoP header is an identity source of the REST and HTTP authorizers', () => {
    const { template } = synth({ dpop: { mode: 'required' } });
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', Match.objectLike({ IdentitySource: 'method.request.header.Authorization,method.request.header.DPoP' }));
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', Match.objectLike({ IdentitySource: ['$request.header.Authorization', '$request.header.DPoP'] }));
  });
  it('allowed: a Bearer request has no DPoP header, so it is not an identity source', () => {
    const { template } = synth({ dpop: { mode: 'allowed' } });
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', Match.objectLike({ IdentitySource: 'method.request.header.Authorization' }));
  });
  it('creates the table with replay protection off, and grants only PutItem', () => {
    const { template, auth } = synth({ dpop: { mode: 'allowed' }, replayProtection: 'off' });
    expect(auth.table).toBeDefined();
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    expect(envOf(template)['REPLAY_TABLE_NAME']).toBeDefined();
    expect(dynamoActions(template)).toEqual(['dynamodb:PutItem']);
  });
  it('with single-use, grants what one TransactWriteItems of token and proof records needs, on the table only', () => {
    const { template } = synth({ dpop: { mode: 'allowed' } });
    expect(dynamoActions(template)).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:PutItem']);
    const [roleId] = onlyResource(template, 'AWS::IAM::Role');
    const statement = statementsOfRole(template, roleId).find((s) => actionsOf(s).includes('dynamodb:PutItem'))!;
    expect(JSON.stringify(statement['Resource'])).toMatch(/ReplayTable/);
  });
  it.each([
    ['allowed', 'DPoP algs="ES256 Ed25519 EdDSA PS256 RS256", Bearer'],
    ['required', 'DPoP algs="ES256 Ed25519 EdDSA PS256 RS256"'],
  ] as const)('mode %s: a REST 401 carries WWW-Authenticate %s', (mode, value) => {
    const { template } = synth({ dpop: { mode } });
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNAUTHORIZED',
      StatusCode: '401',
      ResponseParameters: { 'gatewayresponse.header.WWW-Authenticate': `'${value}'` },
    });
  });
  it('DPoP off: no gateway response and no DPoP variables', () => {
    const { template, auth } = synth({ dpop: { mode: 'off' } });
    expect(auth.dpop).toBeUndefined();
    template.resourceCountIs('AWS::ApiGateway::GatewayResponse', 0);
    expect(envOf(template)['DPOP_MODE']).toBeUndefined();
  });
});

describe('the demo app', () => {
  it('the staging stage is the DPoP-protected one: REQUEST authorizer, DPoP allowed, 401s name the schemes', () => {
    const { template } = synthStage('staging', false);
    expect(envOf(template)).toMatchObject({ DPOP_MODE: 'allowed' });
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', Match.objectLike({ Type: 'REQUEST' }));
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', Match.objectLike({ ResponseType: 'UNAUTHORIZED' }));
  });
});
