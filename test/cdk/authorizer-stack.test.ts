/**
 * The demo stack per stage, synthesized like `cdk synth -c stage=...`: the dev stack once with real
 * (local esbuild) bundling, the prod stack once without.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import type { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { ENV } from '../../lib/env-names.js';
import { parseConfig } from '../../lib/config.js';
import { AUTHORIZER_FUNCTION_LOGICAL_ID, type AuthorizerStack } from '../../cdk/authorizer-stack.js';
import { DEMO_ROUTES, httpRoutes } from '../../cdk/routes.js';
import { STAGES, stageSettings } from '../../cdk/stages.js';
import { actionsOf, authorizerFunction, onlyResource, referencedId, resourcesOf, statementsOfRole, synthStage, removeOutdirs } from './support.js';

afterAll(removeOutdirs);

/** Every variable the function gets: the ENV contract plus Powertools and Node options. */
const EXTRA_VARS = ['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_LOG_LEVEL'];
/** Variables of optional features the demo stage leaves at their defaults. */
const OPTIONAL_VARS = new Set<string>([ENV.jwksMaxStaleSeconds, ENV.dpopMode, ENV.dpopAlgorithms, ENV.dpopProofMaxAgeSeconds, ENV.dpopOrigins, ENV.trustedIssuers, ENV.requiredClaims, ENV.revocation]);

let dev: { app: App; stack: AuthorizerStack; template: Template };
let prod: { app: App; stack: AuthorizerStack; template: Template };

beforeAll(() => {
  dev = synthStage('dev', true);
  prod = synthStage('prod', false);
});

function envOf(template: Template): Record<string, unknown> {
  const [, fn] = authorizerFunction(template);
  return (fn.Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables;
}

describe('replay table', () => {
  it('has pk, on-demand billing, TTL on expiresAt, PITR and encryption', () => {
    dev.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    dev.template.hasResourceProperties(
      'AWS::DynamoDB::Table',
      Match.objectLike({
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      }),
    );
  });

  it('is retained and deletion-protected in prod', () => {
    prod.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
  });
});

describe('authorizer function', () => {
  it('runs on arm64 with Node.js 22 or newer, bounded memory and timeout, active tracing', () => {
    const [, fn] = authorizerFunction(dev.template);
    const p = fn.Properties!;
    expect(p['Architectures']).toEqual(['arm64']);
    const runtime = /^nodejs(\d+)\.x$/.exec(String(p['Runtime']));
    expect(runtime, String(p['Runtime'])).not.toBeNull();
    expect(Number(runtime![1])).toBeGreaterThanOrEqual(22);
    expect(p['MemorySize']).toBeGreaterThanOrEqual(256);
    expect(p['MemorySize']).toBeLessThanOrEqual(512);
    expect(p['Timeout']).toBeLessThanOrEqual(10);
    expect(p['TracingConfig']).toEqual({ Mode: 'Active' });
  });

  it('has the fixed logical id used by events/env.json and sam local invoke', () => {
    const [id] = authorizerFunction(dev.template);
    expect(id).toBe(AUTHORIZER_FUNCTION_LOGICAL_ID);
  });

  it('is a self-contained ESM bundle built locally, with a require banner and a source map', () => {
    const [, fn] = authorizerFunction(dev.template);
    const s3Key = String((fn.Properties!['Code'] as { S3Key: string }).S3Key);
    const assetDir = join(dev.app.outdir, `asset.${s3Key.replace(/\.zip$/, '')}`);
    const firstLine = readFileSync(join(assetDir, 'index.mjs'), 'utf8').split('\n', 1)[0]!;
    expect(firstLine).toMatch(/^import \{ createRequire as \w+ \} from 'node:module'; const require = \w+\(import\.meta\.url\);$/);
    expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
    // Source maps ship with the bundle but are not loaded at start: they cost every cold start.
    expect(envOf(dev.template)['NODE_OPTIONS']).toBeUndefined();

    // Load the bundle alone (the cloud assembly lives in the OS temp dir, with no node_modules above it)
    // and answer one event: every dependency, the AWS SDK included, must be inside the bundle.
    const env = Object.fromEntries(Object.entries(envOf(dev.template)).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
    const script = [
      "const { handler } = await import('./index.mjs');",
      "const event = { type: 'TOKEN', authorizationToken: 'Bearer not-a-jwt', methodArn: 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/dev/GET/orders/42' };",
      "try { await handler(event, { awsRequestId: 'test', functionName: 'authorizer' }); console.log('RESULT allowed'); }",
      "catch (err) { console.log('RESULT ' + err.message); }",
    ].join('\n');
    const run = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
      cwd: assetDir,
      encoding: 'utf8',
      timeout: 20_000,
      env: { PATH: process.env['PATH'] ?? '', ...env, REPLAY_PROTECTION: 'off', AWS_REGION: 'us-east-1', POWERTOOLS_METRICS_DISABLED: 'true' },
    });
    expect(run.stderr.slice(0, 2000)).not.toMatch(/Cannot find (package|module)|ERR_MODULE_NOT_FOUND/);
    expect(run.stdout.split('\n').find((l) => l.startsWith('RESULT '))).toBe('RESULT Unauthorized');
  });

  it('has exactly the ENV variable names (plus the POWERTOOLS_* log settings)', () => {
    const names = Object.keys(envOf(dev.template)).sort();
    expect(names).toEqual([...Object.values(ENV).filter((n) => !OPTIONAL_VARS.has(n)), ...EXTRA_VARS].sort());
  });

  it('has an environment the function’s own config parser accepts', () => {
    const env = Object.fromEntries(
      Object.entries(envOf(dev.template)).map(([k, v]) => [k, k === ENV.replayTableName ? 'JwtAuthorizer-dev-ReplayTable' : String(v)]),
    );
    const config = parseConfig(env);
    expect(config.replayProtection).toBe('single-use');
    expect(config.issuers[0]!.audienceByStage.get('dev')).toEqual(['api-dev']);
    expect(config.routes.routes.map((r) => r.key).sort()).toEqual(DEMO_ROUTES.map((r) => r.route).sort());
  });

  it('gets its route table from cdk/routes.ts', () => {
    expect(JSON.parse(String(envOf(dev.template)[ENV.routePermissions]))).toEqual(DEMO_ROUTES);
  });

  it('logs to an explicit log group with the stage retention', () => {
    const [, fn] = authorizerFunction(dev.template);
    const logGroupId = referencedId((fn.Properties!['LoggingConfig'] as Record<string, unknown>)['LogGroup']);
    expect(logGroupId).toBeDefined();
    const logGroup = dev.template.findResources('AWS::Logs::LogGroup')[logGroupId!] as { Properties: Record<string, unknown> };
    expect(logGroup.Properties['RetentionInDays']).toBe(7);
  });
});

describe('authorizer role', () => {
  it('has dynamodb:PutItem on the replay table ARN as its only DynamoDB permission', () => {
    const [, fn] = authorizerFunction(dev.template);
    const roleId = referencedId(fn.Properties!['Role'])!;
    const [tableId] = onlyResource(dev.template, 'AWS::DynamoDB::Table');
    const statements = statementsOfRole(dev.template, roleId);
    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.toLowerCase().startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(1);
    expect(actionsOf(dynamo[0]!)).toEqual(['dynamodb:PutItem']);
    expect(dynamo[0]!['Effect']).toBe('Allow');
    expect(dynamo[0]!['Resource']).toEqual({ 'Fn::GetAtt': [tableId, 'Arn'] });
    // No wildcard action slipped in anywhere.
    expect(statements.flatMap(actionsOf).filter((a) => a.includes('*'))).toEqual([]);
    // And no managed policy (e.g. a DynamoDB or basic execution policy) on the role.
    const role = dev.template.findResources('AWS::IAM::Role')[roleId] as { Properties: Record<string, unknown> };
    expect(role.Properties['ManagedPolicyArns']).toBeUndefined();
  });

  it('grants no DynamoDB action anywhere else in the stack', () => {
    const all = resourcesOf(dev.template, 'AWS::IAM::Policy').flatMap(([, p]) =>
      (p.Properties!['PolicyDocument'] as { Statement: Record<string, unknown>[] }).Statement.flatMap(actionsOf),
    );
    expect(all.filter((a) => a.toLowerCase().startsWith('dynamodb:'))).toEqual(['dynamodb:PutItem']);
  });
});

describe('API Gateway', () => {
  it('disables authorizer result caching in single-use mode (REST and HTTP)', () => {
    dev.template.hasResourceProperties('AWS::ApiGateway::Authorizer', Match.objectLike({ Type: 'TOKEN', AuthorizerResultTtlInSeconds: 0 }));
    dev.template.hasResourceProperties(
      'AWS::ApiGatewayV2::Authorizer',
      Match.objectLike({ AuthorizerResultTtlInSeconds: 0, EnableSimpleResponses: true, IdentitySource: ['$request.header.Authorization'] }),
    );
  });

  it('attaches the authorizer to every REST method', () => {
    const [authorizerId] = onlyResource(dev.template, 'AWS::ApiGateway::Authorizer');
    const methods = resourcesOf(dev.template, 'AWS::ApiGateway::Method').filter(([, m]) => m.Properties!['HttpMethod'] !== 'OPTIONS');
    expect(methods.length).toBe(httpRoutes(DEMO_ROUTES).length);
    for (const [id, m] of methods) {
      expect(m.Properties!['AuthorizationType'], id).toBe('CUSTOM');
      expect(referencedId(m.Properties!['AuthorizerId']), id).toBe(authorizerId);
    }
  });

  it('attaches the authorizer to every HTTP API route', () => {
    const [authorizerId] = onlyResource(dev.template, 'AWS::ApiGatewayV2::Authorizer');
    const routes = resourcesOf(dev.template, 'AWS::ApiGatewayV2::Route');
    expect(routes.length).toBe(httpRoutes(DEMO_ROUTES).length);
    for (const [id, r] of routes) {
      expect(r.Properties!['AuthorizationType'], id).toBe('CUSTOM');
      expect(referencedId(r.Properties!['AuthorizerId']), id).toBe(authorizerId);
    }
  });

  it('creates exactly the routes of the demo route table on both APIs', () => {
    const expected = httpRoutes(DEMO_ROUTES).map((r) => `${r.method} ${r.path}`).sort();
    const httpKeys = resourcesOf(dev.template, 'AWS::ApiGatewayV2::Route').map(([, r]) => String(r.Properties!['RouteKey'])).sort();
    expect(httpKeys).toEqual(expected);
    const restKeys = dev.stack.restApi.methods.map((m) => `${m.httpMethod} ${m.resource.path}`).sort();
    expect(restKeys).toEqual(expected);
  });

  it('names both API stages after the stage, with throttling and JSON access logs', () => {
    const s = stageSettings('dev');
    dev.template.hasResourceProperties(
      'AWS::ApiGateway::Stage',
      Match.objectLike({
        StageName: 'dev',
        TracingEnabled: true,
        MethodSettings: Match.arrayWith([
          Match.objectLike({
            HttpMethod: '*',
            ResourcePath: '/*',
            ThrottlingRateLimit: s.throttlingRateLimit,
            ThrottlingBurstLimit: s.throttlingBurstLimit,
            LoggingLevel: 'ERROR',
            DataTraceEnabled: false,
          }),
        ]),
        AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') }),
      }),
    );
    dev.template.hasResourceProperties(
      'AWS::ApiGatewayV2::Stage',
      Match.objectLike({
        StageName: 'dev',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: s.throttlingRateLimit, ThrottlingBurstLimit: s.throttlingBurstLimit },
        AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"routeKey":"\\$context.routeKey"') }),
      }),
    );
    for (const [, stage] of [...resourcesOf(dev.template, 'AWS::ApiGateway::Stage'), ...resourcesOf(dev.template, 'AWS::ApiGatewayV2::Stage')]) {
      const settings = (stage.Properties!['AccessLogSetting'] ?? stage.Properties!['AccessLogSettings']) as { Format: string };
      expect(() => JSON.parse(settings.Format)).not.toThrow();
      expect(settings.Format.toLowerCase()).not.toContain('authorization');
    }
  });
});

describe('prod stage', () => {
  it('retains every log group, with the prod retention', () => {
    const groups = resourcesOf(prod.template, 'AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThanOrEqual(4);
    for (const [id, g] of groups) {
      expect(g.DeletionPolicy, id).toBe('Retain');
      expect(g.Properties!['RetentionInDays'], id).toBe(90);
    }
  });

  it('uses the prod audience and stage name', () => {
    expect(JSON.parse(String(envOf(prod.template)[ENV.audienceByStage]))).toEqual({ prod: STAGES.prod.audience });
    prod.template.hasResourceProperties('AWS::ApiGateway::Stage', Match.objectLike({ StageName: 'prod' }));
    prod.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', Match.objectLike({ StageName: 'prod' }));
  });
});

describe('stage selection', () => {
  it('knows dev, staging and prod', () => {
    expect(Object.keys(STAGES).sort()).toEqual(['dev', 'prod', 'staging']);
    for (const name of ['dev', 'staging', 'prod']) expect(stageSettings(name).stageName).toBe(name);
  });

  it('refuses an unknown or missing stage with a clear message', () => {
    expect(() => stageSettings('qa')).toThrow(/Unknown stage "qa". Valid stages: dev, staging, prod/);
    expect(() => stageSettings(undefined)).toThrow(/No stage given. Choose one with -c stage=<dev\|staging\|prod>/);
  });
});
