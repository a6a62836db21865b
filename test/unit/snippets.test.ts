/**
 * The SAM and OpenAPI snippets in docs/snippets parse, and their authorizer settings are the ones the
 * construct deploys (identity sources, result TTL, payload version, simple responses): a change to the
 * construct that the docs do not follow fails here.
 */
import { readFileSync } from 'node:fs';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, type CollectionTag, type ScalarTag } from 'yaml';
import { JwtAuthorizer } from '../../cdk/jwt-authorizer.js';
import { bareStack, removeOutdirs, resourcesOf } from '../cdk/support.js';

afterAll(removeOutdirs);

const snippet = (name: string) => readFileSync(new URL(`../../docs/snippets/${name}`, import.meta.url), 'utf8');

/** CloudFormation's short-form intrinsics (`!Ref`, `!GetAtt`, `!Sub`, …) as `{ "Fn::X": value }` objects. */
const CFN_TAGS: (ScalarTag | CollectionTag)[] = ['Ref', 'GetAtt', 'Sub', 'ImportValue', 'Join', 'Select', 'Split', 'If', 'Equals', 'Not', 'FindInMap', 'GetAZs', 'Base64', 'Cidr'].flatMap((name) => {
  const key = name === 'Ref' ? 'Ref' : `Fn::${name}`;
  const wrap = (value: unknown) => ({ [key]: name === 'GetAtt' && typeof value === 'string' ? value.split('.') : value });
  return [
    { tag: `!${name}`, resolve: (value: string) => wrap(value) } as ScalarTag,
    { tag: `!${name}`, collection: 'seq', resolve: (seq: { toJSON(): unknown }) => wrap(seq.toJSON()) } as unknown as CollectionTag,
    { tag: `!${name}`, collection: 'map', resolve: (map: { toJSON(): unknown }) => wrap(map.toJSON()) } as unknown as CollectionTag,
  ];
});

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What the construct deploys in single-use mode (its defaults), read from the synthesized template. */
function constructSettings() {
  const stack = bareStack();
  const auth = new JwtAuthorizer(stack, 'Auth', { issuer: 'https://issuer.test', audienceByStage: { prod: 'api' }, routes: [{ route: 'GET /orders/{id}', scopes: [] }] });
  const backend = new lambda.Function(stack, 'Backend', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler=async()=>({})') });
  new apigw.RestApi(stack, 'Rest').root.addMethod('GET', new apigw.LambdaIntegration(backend), { authorizer: auth.restAuthorizer });
  new apigwv2.HttpApi(stack, 'Http').addRoutes({ path: '/orders/{id}', methods: [apigwv2.HttpMethod.GET], integration: new HttpLambdaIntegration('I', backend), authorizer: auth.httpAuthorizer });
  const t = Template.fromStack(stack);
  const rest = resourcesOf(t, 'AWS::ApiGateway::Authorizer')[0]![1].Properties as Obj;
  const http = resourcesOf(t, 'AWS::ApiGatewayV2::Authorizer')[0]![1].Properties as Obj;
  return { rest, http };
}
const { rest, http } = constructSettings();

describe('docs/snippets/sam-template.yaml', () => {
  const doc = parse(snippet('sam-template.yaml'), { customTags: CFN_TAGS }) as Obj;
  const restAuth = doc['Resources']['OrdersRestApi']['Properties']['Auth'] as Obj;
  const httpAuth = doc['Resources']['OrdersHttpApi']['Properties']['Auth'] as Obj;

  it('parses with CloudFormation tags and imports the exported ARN', () => {
    expect(doc['Transform']).toBe('AWS::Serverless-2016-10-31');
    expect(restAuth['Authorizers']['JwtAuthorizer']['FunctionArn']).toEqual({ 'Fn::ImportValue': { 'Fn::Sub': 'JwtAuthorizer-${Stage}-AuthorizerFunctionArn' } });
  });

  it('REST: the construct\'s type, identity source and TTL; preflights without the authorizer', () => {
    const a = restAuth['Authorizers']['JwtAuthorizer'] as Obj;
    expect(rest['Type']).toBe('TOKEN');
    expect(a['FunctionPayloadType']).toBe(rest['Type']);
    expect(`method.request.header.${a['Identity']['Header']}`).toBe(rest['IdentitySource']);
    expect(a['Identity']['ReauthorizeEvery']).toBe(rest['AuthorizerResultTtlInSeconds']);
    expect(restAuth['AddDefaultAuthorizerToCorsPreflight']).toBe(false);
  });

  it('HTTP: the construct\'s payload version, simple responses, identity source and TTL', () => {
    const a = httpAuth['Authorizers']['JwtAuthorizer'] as Obj;
    expect(a['AuthorizerPayloadFormatVersion']).toBe(http['AuthorizerPayloadFormatVersion']);
    expect(http['AuthorizerPayloadFormatVersion']).toBe('2.0');
    expect(a['EnableSimpleResponses']).toBe(http['EnableSimpleResponses']);
    expect(a['Identity']['Headers'].map((h: string) => `$request.header.${h}`)).toEqual(http['IdentitySource']);
    expect(a['Identity']['ReauthorizeEvery']).toBe(http['AuthorizerResultTtlInSeconds']);
    expect(a['EnableFunctionDefaultPermissions']).toBe(true);
  });
});

describe('docs/snippets/openapi-authorizer.yaml', () => {
  const docs = parseAllDocuments(snippet('openapi-authorizer.yaml')).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS() as Obj;
  });
  const [restDoc, httpDoc] = docs.filter((d) => d && d['openapi']);
  const authorizerOf = (d: Obj) => d['components']['securitySchemes']['JwtAuthorizer']['x-amazon-apigateway-authorizer'] as Obj;
  const LAMBDA_URI = /^arn:aws:apigateway:[a-z0-9-]+:lambda:path\/2015-03-31\/functions\/arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+(:[\w-]+)?\/invocations$/;

  it('REST: token type, identity source and TTL as the construct', () => {
    const a = authorizerOf(restDoc!);
    expect(a['type']).toBe(String(rest['Type']).toLowerCase());
    expect(a['identitySource']).toBe(rest['IdentitySource']);
    expect(a['authorizerResultTtlInSeconds']).toBe(rest['AuthorizerResultTtlInSeconds']);
    expect(a['authorizerUri']).toMatch(LAMBDA_URI);
    expect(restDoc!['components']['securitySchemes']['JwtAuthorizer']['x-amazon-apigateway-authtype']).toBe('custom');
  });

  it('HTTP: request type, payload 2.0, simple responses, identity source and TTL as the construct', () => {
    const a = authorizerOf(httpDoc!);
    expect(a['type']).toBe(String(http['AuthorizerType']).toLowerCase());
    expect(a['authorizerPayloadFormatVersion']).toBe(http['AuthorizerPayloadFormatVersion']);
    expect(a['enableSimpleResponses']).toBe(http['EnableSimpleResponses']);
    expect([a['identitySource']]).toEqual(http['IdentitySource']);
    expect(a['authorizerResultTtlInSeconds']).toBe(http['AuthorizerResultTtlInSeconds']);
    expect(a['authorizerUri']).toMatch(LAMBDA_URI);
  });

  it('puts no security on OPTIONS (a preflight carries no token)', () => {
    for (const d of [restDoc!, httpDoc!]) for (const path of Object.values(d['paths'] as Obj)) expect((path as Obj)['options']?.['security']).toBeUndefined();
  });
});
