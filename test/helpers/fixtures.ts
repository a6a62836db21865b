/** Shared test fixtures: an environment, events of every kind, claims, and a wired authorizer. */
import { Writable } from 'node:stream';
import type { Context } from 'aws-lambda';
import { createAuthorizer, type AuthorizerOptions } from '../../functions/authorizer/create-authorizer.js';
import { DecisionLog } from '../../functions/authorizer/decision-log.js';
import type { ReplayStore } from '../../lib/replay-store.js';
import type { KeySource } from '../../lib/key-source.js';

export const ISSUER = 'https://issuer.test';
export const ACCOUNT_PREFIX = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234';
export const NOW = 1_800_000_000;

/** The demo route table used across tests. */
export const ROUTES = [
  { route: 'GET /orders', scopes: ['orders:read'] },
  { route: 'GET /orders/{id}', scopes: ['orders:read'] },
  { route: 'POST /orders', scopes: ['orders:write'] },
  { route: 'GET /orders/{id}/items', scopes: ['orders:read'] },
  { route: 'ANY /admin/{proxy+}', scopes: ['admin'] },
  { route: 'GET /admin/status', scopes: ['admin:read'] },
  { route: 'GET /health', scopes: [] },
  { route: '$connect', scopes: ['chat'] },
];

/** A valid environment; override any variable. */
export function testEnv(jwksUri: string, overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    JWT_ISSUER: ISSUER,
    JWKS_URI: jwksUri,
    AUDIENCE_BY_STAGE: JSON.stringify({ dev: 'api-dev', prod: ['api', 'api-prod'], $default: 'api-http' }),
    ROUTE_PERMISSIONS: JSON.stringify(ROUTES),
    REPLAY_PROTECTION: 'single-use',
    REPLAY_TABLE_NAME: 'replay-test',
    JWT_ALGORITHMS: 'RS256,ES256,EdDSA,PS256',
    ...overrides,
  };
}

let counter = 0;
/** Claims of a valid token for `stage` at `NOW`; override any. */
export function claims(overrides: Record<string, unknown> = {}, now = NOW): Record<string, unknown> {
  return {
    iss: ISSUER,
    sub: 'user-1',
    aud: 'api-dev',
    iat: now - 10,
    exp: now + 300,
    jti: `jti-${process.pid}-${Date.now()}-${++counter}`,
    scope: 'orders:read',
    ...overrides,
  };
}

/** A REST TOKEN event. */
export function restTokenEvent(token: string | undefined, stage = 'dev', method = 'GET', path = '/orders/42'): Record<string, unknown> {
  const event: Record<string, unknown> = { type: 'TOKEN', methodArn: `${ACCOUNT_PREFIX}/${stage}/${method}${path}` };
  if (token !== undefined) event['authorizationToken'] = token;
  return event;
}

/** A REST REQUEST event naming the selected resource. */
export function restRequestEvent(authorization: string | undefined, opts: { stage?: string; method?: string; path?: string; resource?: string } = {}): Record<string, unknown> {
  const { stage = 'dev', method = 'GET', path = '/orders/42', resource = '/orders/{id}' } = opts;
  const headers: Record<string, string> = authorization === undefined ? {} : { Authorization: authorization };
  return {
    type: 'REQUEST',
    methodArn: `${ACCOUNT_PREFIX}/${stage}/${method}${path}`,
    resource,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    requestContext: { stage, requestId: 'req-1', httpMethod: method, resourcePath: resource },
  };
}

/** An HTTP API payload 2.0 event. */
export function httpApiEvent(authorization: string | undefined, opts: { stage?: string; method?: string; path?: string; routeKey?: string } = {}): Record<string, unknown> {
  const { stage = '$default', method = 'GET', path = '/orders/42', routeKey = `${method} /orders/{id}` } = opts;
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `${ACCOUNT_PREFIX}/${stage}/${method}${path}`,
    identitySource: authorization === undefined ? [] : [authorization],
    routeKey,
    rawPath: path,
    headers: authorization === undefined ? {} : { authorization },
    requestContext: { stage, requestId: 'req-2', http: { method, path } },
  };
}

/** A WebSocket `$connect` event. */
export function websocketEvent(authorization: string | undefined, stage = 'dev'): Record<string, unknown> {
  const headers: Record<string, string> = authorization === undefined ? {} : { Authorization: authorization };
  return {
    type: 'REQUEST',
    methodArn: `${ACCOUNT_PREFIX}/${stage}/$connect`,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    requestContext: { routeKey: '$connect', eventType: 'CONNECT', stage, requestId: 'req-3', connectionId: 'c-1' },
  };
}

/** A Lambda context good enough for middy. */
export const lambdaContext = {
  functionName: 'authorizer',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:authorizer',
  memoryLimitInMB: '256',
  awsRequestId: 'lambda-req-1',
  logGroupName: '/aws/lambda/authorizer',
  logStreamName: 'stream',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 5000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as unknown as Context;

/** Collects every line the authorizer's decision log writes. */
export class CapturedOutput {
  readonly lines: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer | string, _encoding, callback) => {
      this.lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      callback();
    },
  });
  text(): string {
    return this.lines.join('');
  }
  /** The parsed decision log lines. */
  decisions(): Record<string, unknown>[] {
    return this.lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.includes('authorizer decision'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

/** An authorizer wired for tests: output captured, clock fixed at `now`. */
export function testAuthorizer(opts: {
  env: Record<string, string | undefined>;
  keys?: KeySource;
  replayStore?: ReplayStore;
  now?: number;
  extra?: Partial<AuthorizerOptions>;
}) {
  const output = new CapturedOutput();
  const log = new DecisionLog({ serviceName: 'test', namespace: 'Test', write: (line) => void output.stream.write(line) });
  const now = opts.now ?? NOW;
  const authorizer = createAuthorizer({
    env: opts.env,
    keys: opts.keys,
    replayStore: opts.replayStore,
    log,
    clock: () => now * 1000,
    ...opts.extra,
  });
  return { authorizer, output, invoke: (event: unknown) => authorizer(event, lambdaContext) };
}
