/**
 * Deploying from the user's own configuration (config/<stage>.json), CORS preflights that never reach
 * the authorizer, provisioned concurrency, and the exported authorizer ARN (issue 15).
 */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { AuthorizerStack, authorizerArnExportName, stackNameOf } from '../../cdk/authorizer-stack.js';
import { JwtAuthorizer } from '../../cdk/jwt-authorizer.js';
import { loadStage } from '../../cdk/stage-config.js';
import { STAGES } from '../../cdk/stages.js';
import { bareStack, newApp, removeOutdirs, resourcesOf } from './support.js';

afterAll(removeOutdirs);

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'stage-config-'));
mkdirSync(join(root, 'config'));
const write = (name: string, doc: unknown) => {
  const path = join(root, 'config', name);
  writeFileSync(path, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return path;
};
const MINIMAL = { issuer: 'https://login.acme.test/', audience: 'orders-api' };

function synth(stage: string, configPath?: string): Template {
  const loaded = loadStage(stage, configPath, root);
  const stack = new AuthorizerStack(newApp(false), stackNameOf(stage), { settings: loaded.settings, routes: loaded.routes });
  return Template.fromStack(stack);
}
const envOf = (t: Template) => {
  const [, fn] = resourcesOf(t, 'AWS::Lambda::Function').find(([id]) => id === 'AuthorizerFunction')!;
  return (fn.Properties!['Environment'] as { Variables: Record<string, string> }).Variables;
};

describe('a stage from config/<stage>.json', () => {
  it('deploys the file\'s issuer, audience and routes, with the demo stage\'s defaults for the rest', () => {
    write('prod.json', { ...MINIMAL, routes: [{ route: 'GET /items', scopes: ['items:read'] }] });
    const loaded = loadStage('prod', undefined, root);
    expect(loaded.source).toBe('config/prod.json');
    expect(loaded.notice).toBeUndefined();
    expect(loaded.settings.removalPolicy).toBe(RemovalPolicy.RETAIN);
    const env = envOf(synth('prod'));
    expect(env['JWT_ISSUER']).toBe('https://login.acme.test/');
    expect(JSON.parse(env['AUDIENCE_BY_STAGE']!)).toEqual({ prod: 'orders-api' });
    expect(JSON.parse(env['ROUTE_PERMISSIONS']!)).toEqual([{ route: 'GET /items', scopes: ['items:read'] }]);
  });

  it('reads -c config=<path> for any stage name, prod-like by default', () => {
    const path = write('elsewhere.json', { ...MINIMAL, removalPolicy: 'destroy' });
    const loaded = loadStage('qa-eu', path, root);
    expect(loaded.settings.stageName).toBe('qa-eu');
    expect(loaded.settings.removalPolicy).toBe(RemovalPolicy.DESTROY);
    expect(loaded.settings.logLevel).toBe('INFO');
    synth('qa-eu', path).hasResourceProperties('AWS::ApiGateway::Stage', Match.objectLike({ StageName: 'qa-eu' }));
  });

  it('takes DPoP from the file: its own settings replace the demo stage\'s, and {"mode":"off"} turns it off', () => {
    const off = write('staging-off.json', { ...MINIMAL, dpop: { mode: 'off' } });
    expect(envOf(synth('staging', off))['DPOP_MODE']).toBeUndefined();
    const required = write('staging-required.json', { ...MINIMAL, restAuthorizerType: 'REQUEST', dpop: { mode: 'required', proofMaxAgeSeconds: 30 } });
    expect(envOf(synth('staging', required))).toMatchObject({ DPOP_MODE: 'required', DPOP_PROOF_MAX_AGE_SECONDS: '30' });
    const bad = write('staging-bad.json', { ...MINIMAL, dpop: { mode: 'allowed', proofMaxAgeSeconds: 900 } });
    expect(() => loadStage('staging', bad, root)).toThrow(/staging-bad\.json: the function would refuse this configuration at cold start: .*DPOP_PROOF_MAX_AGE_SECONDS/);
  });

  it('falls back to the demo placeholders with a notice when a demo stage has no file (offline synth, tests)', () => {
    const loaded = loadStage('staging', undefined, root);
    expect(loaded.settings).toBe(STAGES.staging);
    expect(loaded.notice).toMatch(/no config\/staging\.json, so stage staging uses the demo placeholders .* cp config\/staging\.example\.json config\/staging\.json/);
  });

  it.each([
    ['an unknown stage without a file', () => loadStage('qa', undefined, root), /Unknown stage "qa": create config\/qa\.json/],
    ['a missing -c config file', () => loadStage('prod', 'config/nope.json', root), /config\/nope\.json: no such file/],
    ['no stage', () => loadStage(undefined, undefined, root), /No stage given/],
    ['a stage name API Gateway refuses', () => loadStage('prod!', undefined, root), /Invalid stage "prod!"/],
  ])('refuses %s', (_name, act, message) => {
    expect(act).toThrow(message);
  });

  it.each([
    ['not JSON', '{issuer:', /bad\.json: cannot read it as JSON/],
    ['a typo (unknown key)', { ...MINIMAL, audeince: 'x' }, /bad\.json: .*audeince/],
    ['no issuer', { audience: 'a' }, /bad\.json: issuer: /],
    ['a wrong type', { ...MINIMAL, clockSkewSeconds: '30' }, /bad\.json: clockSkewSeconds: /],
    ['a negative provisioned concurrency', { ...MINIMAL, provisionedConcurrency: -1 }, /bad\.json: provisionedConcurrency: /],
  ])('stops the synth on %s, naming the file and the field', (_name, doc, message) => {
    const path = write('bad.json', doc);
    expect(() => loadStage('prod', path, root)).toThrow(message);
  });

  it.each([
    ['an http: JWKS URL', { ...MINIMAL, jwksUri: 'http://keys.acme.test/jwks.json' }, 'JWKS_URI'],
    ['a clock skew over 300 s', { ...MINIMAL, clockSkewSeconds: 301 }, 'CLOCK_SKEW_SECONDS'],
    ['a route the parser refuses', { ...MINIMAL, routes: [{ route: 'GET orders', scopes: [] }] }, 'ROUTE_PERMISSIONS'],
    ['an empty audience', { ...MINIMAL, audience: [] }, 'audience'],
  ])('stops the synth on %s with the function\'s own message naming the variable', (_name, doc, variable) => {
    const path = write('refused.json', doc);
    expect(() => loadStage('prod', path, root)).toThrow(new RegExp(`refused\\.json: .*${variable}`));
  });

  it.each(['dev', 'staging', 'prod'])('the shipped config/%s.example.json synthesizes once the issuer is set', (stage) => {
    const path = join(root, 'config', `${stage}.json`);
    copyFileSync(join(ROOT, 'config', `${stage}.example.json`), path);
    expect(() => synth(stage, path)).not.toThrow();
  });
});

describe('CORS: preflights never reach the authorizer', () => {
  const t = (() => {
    const path = write('cors.json', { ...MINIMAL, cors: { allowOrigins: ['https://app.acme.test'] } });
    return synth('prod', path);
  })();

  it('REST API: every OPTIONS method has no authorizer (AuthorizationType NONE), every other method the Lambda authorizer', () => {
    const methods = resourcesOf(t, 'AWS::ApiGateway::Method');
    const options = methods.filter(([, m]) => m.Properties!['HttpMethod'] === 'OPTIONS');
    const others = methods.filter(([, m]) => m.Properties!['HttpMethod'] !== 'OPTIONS');
    expect(options.length).toBeGreaterThan(0);
    for (const [, m] of options) {
      expect(m.Properties!['AuthorizationType']).toBe('NONE');
      expect(m.Properties!['AuthorizerId']).toBeUndefined();
    }
    for (const [, m] of others) expect(m.Properties!['AuthorizationType']).toBe('CUSTOM');
  });

  it('REST API: the authorizer\'s 401/403 carry the CORS origin so the browser can read them', () => {
    t.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'DEFAULT_4XX',
      ResponseParameters: Match.objectLike({ 'gatewayresponse.header.Access-Control-Allow-Origin': "'https://app.acme.test'" }),
    });
  });

  it('HTTP API: CorsConfiguration is set (API Gateway answers preflights itself) and no OPTIONS route exists', () => {
    t.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://app.acme.test'], AllowHeaders: ['Authorization', 'Content-Type'] }),
    });
    for (const [, r] of resourcesOf(t, 'AWS::ApiGatewayV2::Route')) expect(String(r.Properties!['RouteKey'])).not.toMatch(/^OPTIONS /);
  });

  it('without cors there is no OPTIONS method and no CORS configuration', () => {
    const plain = synth('prod', write('plain.json', MINIMAL));
    expect(resourcesOf(plain, 'AWS::ApiGateway::Method').filter(([, m]) => m.Properties!['HttpMethod'] === 'OPTIONS')).toEqual([]);
    plain.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.absent() });
  });
});

describe('provisioned concurrency', () => {
  const props = { issuer: 'https://login.acme.test', audienceByStage: { prod: 'api' }, routes: [{ route: 'GET /x', scopes: [] }] };

  it('creates a live alias with that many environments, and both authorizers invoke the alias', () => {
    const stack = bareStack();
    const auth = new JwtAuthorizer(stack, 'Auth', { ...props, provisionedConcurrency: 3, removalPolicy: RemovalPolicy.DESTROY });
    new apigw.RestApi(stack, 'Api').root.addMethod('GET', undefined, { authorizer: auth.restAuthorizer });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live', ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 3 } });
    const [aliasId] = resourcesOf(t, 'AWS::Lambda::Alias')[0]!;
    const [, authorizer] = resourcesOf(t, 'AWS::ApiGateway::Authorizer')[0]!;
    expect(JSON.stringify(authorizer.Properties!['AuthorizerUri'])).toContain(aliasId);
    t.hasResourceProperties('AWS::Lambda::Permission', { FunctionName: { Ref: aliasId }, Principal: 'apigateway.amazonaws.com' });
    expect(auth.invokeTarget).toBe(auth.alias);
  });

  it('is off by default: no alias, the authorizers invoke the function', () => {
    const stack = bareStack();
    const auth = new JwtAuthorizer(stack, 'Auth', props);
    expect(auth.alias).toBeUndefined();
    expect(auth.invokeTarget).toBe(auth.function);
    Template.fromStack(stack).resourceCountIs('AWS::Lambda::Alias', 0);
  });

  it.each([-1, 1.5, 1001, Number.NaN])('refuses %s', (n) => {
    expect(() => new JwtAuthorizer(bareStack(), 'Auth', { ...props, provisionedConcurrency: n })).toThrow(/JwtAuthorizer: provisionedConcurrency must be a whole number from 0 \(off\) to 1000/);
  });
});

describe('the authorizer ARN for APIs defined elsewhere', () => {
  it('is a stack output with a per-stage export name', () => {
    const t = synth('prod', write('arn.json', MINIMAL));
    t.hasOutput('AuthorizerFunctionArn', { Export: { Name: authorizerArnExportName('prod') }, Value: { 'Fn::GetAtt': ['AuthorizerFunction', 'Arn'] } });
  });

  it('is the alias ARN when provisioned concurrency is on', () => {
    const t = synth('prod', write('arn-pc.json', { ...MINIMAL, provisionedConcurrency: 1 }));
    const [aliasId] = resourcesOf(t, 'AWS::Lambda::Alias')[0]!;
    t.hasOutput('AuthorizerFunctionArn', { Value: { Ref: aliasId } });
  });
});

describe('cdk-nag on a stage configured with CORS and provisioned concurrency', () => {
  it('has no unacknowledged finding', () => {
    const loaded = loadStage('prod', write('nag.json', { ...MINIMAL, cors: { allowOrigins: ['https://app.acme.test'] }, provisionedConcurrency: 1 }), root);
    const app = newApp(false);
    const stack = new AuthorizerStack(app, stackNameOf('prod'), { settings: loaded.settings, routes: loaded.routes });
    const packs = [new AwsSolutionsChecks(app), new ServerlessChecks(app)];
    Validations.of(app).addPlugins(...packs);
    expect(() => app.synth()).not.toThrow();
    for (const pack of packs) {
      const violations = pack.validateScope(stack).violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
      expect(violations, pack.name).toEqual([]);
    }
  });
});
