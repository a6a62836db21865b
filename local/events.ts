/**
 * Builds the authorizer event API Gateway would send for one HTTP request: REST `TOKEN`, REST `REQUEST`
 * or HTTP API payload 2.0. The ARN is `arn:aws:execute-api:us-east-1:123456789012:local00001/<stage>/<METHOD><path>`.
 */
import { randomUUID } from 'node:crypto';
import type { Route } from '../lib/routes.js';
import { ACCOUNT_ID, API_ID, ARN_PREFIX, HOST } from './settings.js';

export const EVENT_MODES = ['rest-token', 'rest-request', 'http-api'] as const;
export type EventMode = (typeof EVENT_MODES)[number];

/** One request as the local gateway received it, split into stage and path. */
export interface GatewayRequest {
  readonly method: string;
  readonly stage: string;
  /** Path after the stage, starting with `/`, as sent (percent-encoding kept). */
  readonly path: string;
  /** Query string without `?`, possibly empty. */
  readonly rawQuery: string;
  /** Node's `rawHeaders`: name, value, name, value… with the client's casing and repeats. */
  readonly rawHeaders: readonly string[];
  readonly sourceIp: string;
  readonly requestId: string;
  readonly host: string;
}

export interface BuiltEvent {
  readonly event: Record<string, unknown>;
  /** The methodArn / routeArn the policy is checked against. */
  readonly arn: string;
}

export function requestArn(stage: string, method: string, path: string): string {
  return `${ARN_PREFIX}${stage}/${method}${path}`;
}

/** The path template of a route entry (`GET /orders/{id}` → `/orders/{id}`). */
export function templateOf(route: Route): string {
  const space = route.key.indexOf(' ');
  return space < 0 ? '/' : route.key.slice(space + 1);
}

/** Path parameters of a concrete path under a template (`{id}`, `{proxy+}`). */
export function pathParameters(template: string, path: string): Record<string, string> | null {
  const names = template.split('/').slice(1);
  const parts = path.split('/').slice(1);
  const out: Record<string, string> = {};
  names.forEach((name, i) => {
    const m = /^\{([^}+]+)(\+?)\}$/.exec(name);
    if (!m) return;
    out[m[1]!] = m[2] ? parts.slice(i).join('/') : (parts[i] ?? '');
  });
  return Object.keys(out).length > 0 ? out : null;
}

function headerPairs(raw: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return pairs;
}

function queryPairs(rawQuery: string): [string, string][] {
  return [...new URLSearchParams(rawQuery).entries()];
}

function restRequestEvent(req: GatewayRequest, route: Route, arn: string): Record<string, unknown> {
  const resource = templateOf(route);
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of headerPairs(req.rawHeaders)) {
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  const query = queryPairs(req.rawQuery);
  const qs: Record<string, string> = {};
  const mqs: Record<string, string[]> = {};
  for (const [k, v] of query) {
    qs[k] = v;
    (mqs[k] ??= []).push(v);
  }
  const now = new Date();
  return {
    type: 'REQUEST',
    methodArn: arn,
    resource,
    path: req.path,
    httpMethod: req.method,
    headers,
    multiValueHeaders,
    queryStringParameters: query.length ? qs : null,
    multiValueQueryStringParameters: query.length ? mqs : null,
    pathParameters: pathParameters(resource, req.path),
    stageVariables: null,
    requestContext: {
      accountId: ACCOUNT_ID,
      apiId: API_ID,
      resourceId: 'local',
      resourcePath: resource,
      httpMethod: req.method,
      path: `/${req.stage}${req.path}`,
      stage: req.stage,
      requestId: req.requestId,
      extendedRequestId: req.requestId,
      requestTime: now.toUTCString(),
      requestTimeEpoch: now.getTime(),
      protocol: 'HTTP/1.1',
      domainName: req.host,
      domainPrefix: HOST,
      identity: { sourceIp: req.sourceIp, userAgent: headers['User-Agent'] ?? headers['user-agent'] ?? null },
    },
  };
}

function httpApiEvent(req: GatewayRequest, route: Route, arn: string): Record<string, unknown> {
  const routeKey = route.key;
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of headerPairs(req.rawHeaders)) {
    const lower = name.toLowerCase();
    if (lower === 'cookie') cookies.push(...value.split(';').map((c) => c.trim()).filter(Boolean));
    // HTTP APIs join repeated headers with a comma.
    else headers[lower] = lower in headers ? `${headers[lower]},${value}` : value;
  }
  const qs: Record<string, string> = {};
  for (const [k, v] of queryPairs(req.rawQuery)) qs[k] = k in qs ? `${qs[k]},${v}` : v;
  const rawPath = `/${req.stage}${req.path}`;
  const now = new Date();
  const event: Record<string, unknown> = {
    version: '2.0',
    type: 'REQUEST',
    routeArn: arn,
    identitySource: headers['authorization'] === undefined ? [] : [headers['authorization']],
    routeKey,
    rawPath,
    rawQueryString: req.rawQuery,
    headers,
    requestContext: {
      accountId: ACCOUNT_ID,
      apiId: API_ID,
      domainName: req.host,
      domainPrefix: HOST,
      http: { method: req.method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: req.sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId: req.requestId,
      routeKey,
      stage: req.stage,
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
  };
  if (cookies.length) event['cookies'] = cookies;
  if (Object.keys(qs).length) event['queryStringParameters'] = qs;
  const params = pathParameters(templateOf(route), req.path);
  if (params) event['pathParameters'] = params;
  return event;
}

/** The value of the (last) Authorization header, as the identity source reads it. */
export function authorizationHeader(req: GatewayRequest): string | undefined {
  let value: string | undefined;
  for (const [name, v] of headerPairs(req.rawHeaders)) if (name.toLowerCase() === 'authorization') value = v;
  return value;
}

/**
 * The event for `mode`. REST REQUEST and HTTP API events name the route API Gateway selected, so they need
 * `route`; a REST TOKEN event carries only the token and the method ARN.
 */
export function buildEvent(mode: EventMode, req: GatewayRequest, route: Route | undefined): BuiltEvent {
  const arn = requestArn(req.stage, req.method, req.path);
  if (mode === 'rest-token') return { arn, event: { type: 'TOKEN', authorizationToken: authorizationHeader(req) ?? '', methodArn: arn } };
  if (!route) throw new Error(`a ${mode} event needs the selected route`);
  return { arn, event: mode === 'rest-request' ? restRequestEvent(req, route, arn) : httpApiEvent(req, route, arn) };
}

export function newRequestId(): string {
  return randomUUID();
}
