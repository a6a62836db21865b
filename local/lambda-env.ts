/**
 * Runs the real Lambda handler in this process under the same environment contract as in AWS: the
 * authorizer's variables (and nothing else of ours) are put in `process.env`, then
 * `functions/authorizer/handler.ts` is imported, which parses them at "cold start".
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { ENV } from '../lib/env-names.js';
import { LocalError } from './errors.js';
import { AUDIENCE_BY_STAGE, REGION, REPLAY_TABLE, SECOND_ISSUER } from './settings.js';
import type { RoutePermission } from './routes.js';
import type { AuthorizerHandler } from '../functions/authorizer/create-authorizer.js';

/** The authorizer's environment for the local stack. */
export function localAuthorizerEnv(opts: {
  issuer: string;
  jwksUri: string;
  /** The second local issuer; with it the issuers go into TRUSTED_ISSUERS. */
  second?: { issuer: string; jwksUri: string } | undefined;
  dynamoEndpoint: string | undefined;
  replay: 'single-use' | 'off';
  /** @default 'off' */
  revocation?: 'on' | 'off' | undefined;
  routes: readonly RoutePermission[];
}): Record<string, string> {
  const issuers: Record<string, string> = opts.second
    ? {
        [ENV.trustedIssuers]: JSON.stringify([
          { issuer: opts.issuer, jwksUri: opts.jwksUri },
          { issuer: opts.second.issuer, jwksUri: opts.second.jwksUri, scopeMap: SECOND_ISSUER.scopeMap },
        ]),
      }
    : { [ENV.issuer]: opts.issuer, [ENV.jwksUri]: opts.jwksUri };
  const env: Record<string, string> = {
    ...issuers,
    [ENV.audienceByStage]: JSON.stringify(AUDIENCE_BY_STAGE),
    [ENV.routePermissions]: JSON.stringify(opts.routes),
    [ENV.replayProtection]: opts.replay,
    POWERTOOLS_SERVICE_NAME: 'jwt-authorizer-local',
    POWERTOOLS_METRICS_NAMESPACE: 'JwtAuthorizerLocal',
    // One EMF blob per request would drown the decision log; the logger stays on.
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  if (opts.revocation === 'on') env[ENV.revocation] = 'on';
  if (opts.replay === 'single-use' || opts.revocation === 'on') {
    env[ENV.replayTableName] = REPLAY_TABLE;
    if (opts.dynamoEndpoint) env['AWS_ENDPOINT_URL_DYNAMODB'] = opts.dynamoEndpoint;
  }
  return env;
}

/**
 * Applies `env` to `process.env` like Lambda would: the authorizer variables are exactly these (a stray
 * JWT_ALGORITHMS in your shell does not leak in), plus region and dummy credentials so no real AWS
 * credentials are ever used.
 */
export function applyLambdaEnv(env: Readonly<Record<string, string>>): void {
  for (const name of Object.values(ENV)) delete process.env[name];
  delete process.env['AWS_PROFILE'];
  delete process.env['AWS_SESSION_TOKEN'];
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...env,
  });
}

/**
 * The stack's environment as a SAM env.json document: the authorizer's variables plus the region,
 * endpoint and dummy credentials of the local table, so `npm run revoke --env-file` and `npm run invoke
 * --env-file` reach the same table the handler uses.
 */
export function localEnvFile(env: Readonly<Record<string, string>>): string {
  const doc = { AuthorizerFunction: { ...env, AWS_REGION: REGION, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' } };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Imports the real handler (after `applyLambdaEnv`); an invalid environment becomes one clear message. */
export async function loadHandler(): Promise<AuthorizerHandler> {
  try {
    const mod = (await import('../functions/authorizer/handler.js')) as { handler: AuthorizerHandler };
    return mod.handler;
  } catch (err) {
    if ((err as Error)?.name === 'ConfigError') throw new LocalError(`the authorizer refused its environment: ${(err as Error).message}`);
    throw new LocalError(`cannot load functions/authorizer/handler.ts: ${(err as Error)?.message ?? String(err)}`);
  }
}

/** A Lambda context good enough for middy and Powertools. */
export function lambdaContext(): Context {
  const deadline = Date.now() + 10_000;
  return {
    functionName: 'authorizer-local',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:123456789012:function:authorizer-local`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/authorizer-local',
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
