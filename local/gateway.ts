/**
 * The local API Gateway: `http://127.0.0.1:<port>/<stage>/<path>`. For each request it builds the event
 * API Gateway would send, calls the real authorizer handler in-process, applies the answer as API Gateway
 * does (see verdict.ts), and forwards allowed requests to the upstream with the authorizer context in the
 * `x-authorizer-context` header (JSON of what a Lambda integration sees as `requestContext.authorizer`).
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AuthorizerHandler } from '../functions/authorizer/create-authorizer.js';
import { buildEvent, authorizationHeader, newRequestId, type EventMode, type GatewayRequest } from './events.js';
import { lambdaContext } from './lambda-env.js';
import { closeServer, listen, type Running } from './listen.js';
import { HOST } from './settings.js';
import { authorize, type ApiKind } from './verdict.js';

/** The header carrying the authorizer context to the upstream. A client-sent one is always dropped. */
export const CONTEXT_HEADER = 'x-authorizer-context';
/** Longest wait for the upstream, as API Gateway's integration timeout. */
const UPSTREAM_TIMEOUT_MS = 29_000;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'upgrade', 'host', CONTEXT_HEADER]);

export interface GatewayOptions {
  readonly handler: AuthorizerHandler;
  readonly mode: EventMode;
  readonly upstream: URL;
  readonly port: number;
  /** One line per request. */
  readonly log: (line: string) => void;
  /**
   * Stages served by another authorizer (the DPoP stage): its handler, and REST REQUEST events, the
   * kind that carries the DPoP header. Other stages use `handler` and `mode`.
   */
  readonly stages?: ReadonlyMap<string, AuthorizerHandler>;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers }).end(text);
}

function forward(req: IncomingMessage, res: ServerResponse, target: URL, headers: Record<string, string | string[]>, api: ApiKind, onError: (why: string) => void): void {
  const call = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const upstream = call(target, { method: req.method, headers, timeout: UPSTREAM_TIMEOUT_MS }, (up) => {
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(up.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
    res.writeHead(up.statusCode ?? 502, out);
    up.pipe(res);
  });
  upstream.on('timeout', () => upstream.destroy(new Error('timeout')));
  upstream.on('error', (err) => {
    onError(`upstream ${target.origin}: ${(err as { code?: string }).code ?? err.message}`);
    if (res.headersSent) return void res.destroy();
    const timeout = err.message === 'timeout';
    if (api === 'rest') send(res, timeout ? 504 : 500, { message: timeout ? 'Endpoint request timed out' : 'Internal server error' });
    else send(res, timeout ? 503 : 500, { message: timeout ? 'Service Unavailable' : 'Internal Server Error' });
  });
  req.pipe(upstream);
}

export async function startGateway(options: GatewayOptions): Promise<Running> {
  const { upstream, log } = options;
  const base = upstream.pathname.replace(/\/+$/, '');

  const server = createServer((req, res) => {
    const started = Date.now();
    const requestId = newRequestId();
    const idHeader: Record<string, string> = options.mode !== 'http-api' ? { 'x-amzn-requestid': requestId } : { 'apigw-requestid': requestId };
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const fullPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const method = (req.method ?? 'GET').toUpperCase();
    const done = (status: number, note: string) => log(`${method} ${fullPath} → ${status} ${note} (${Date.now() - started} ms)`);
    const refuse = (status: number, body: unknown, note: string, extra: Record<string, string> = {}) => {
      req.resume();
      send(res, status, body, { ...idHeader, ...extra });
      done(status, note);
    };

    const m = /^\/([^/]+)(\/.*)?$/.exec(fullPath);
    if (!m) return refuse(404, { message: 'Not Found', hint: 'use http://127.0.0.1:<port>/<stage>/<path>, e.g. /dev/orders/42' }, 'no stage in the path');
    const stage = m[1]!;
    // Stage names are what an execute-api ARN can carry; anything else is not a stage of this API.
    if (!/^[A-Za-z0-9_$.-]+$/.test(stage)) return refuse(404, { message: 'Not Found' }, 'not a stage name');
    const path = m[2] ?? '/';
    const stageHandler = options.stages?.get(stage);
    const handler = stageHandler ?? options.handler;
    const mode: EventMode = stageHandler ? 'rest-request' : options.mode;
    const api: ApiKind = mode === 'http-api' ? 'http' : 'rest';
    const routes = handler.config.routes;
    const gatewayRequest: GatewayRequest = {
      method,
      stage,
      path,
      rawQuery,
      rawHeaders: req.rawHeaders,
      sourceIp: req.socket.remoteAddress ?? HOST,
      requestId,
      host: req.headers.host ?? HOST,
    };

    // REQUEST and HTTP API events name the selected route: with no route, API Gateway never calls the authorizer.
    const route = mode === 'rest-token' ? undefined : routes.match(method, path);
    if (mode !== 'rest-token' && !route) {
      if (api === 'rest') return refuse(403, { message: 'Missing Authentication Token' }, 'no such route', { 'x-amzn-errortype': 'MissingAuthenticationTokenException' });
      return refuse(404, { message: 'Not Found' }, 'no such route');
    }
    // The identity source is the Authorization header: without it API Gateway answers 401 on its own.
    if (!authorizationHeader(gatewayRequest)) {
      return refuse(401, { message: 'Unauthorized' }, 'no Authorization header (authorizer not called)', api === 'rest' ? { 'x-amzn-errortype': 'UnauthorizedException' } : {});
    }

    const { event, arn } = buildEvent(mode, gatewayRequest, route);
    void authorize(handler, event, lambdaContext(), api, arn).then(
      (verdict) => {
        if (verdict.outcome !== 'allow') {
          return refuse(verdict.status, verdict.body, `${verdict.outcome}: ${verdict.why}`, verdict.errorType ? { 'x-amzn-errortype': verdict.errorType } : {});
        }
        const headers: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
        headers[CONTEXT_HEADER] = JSON.stringify(verdict.authorizer);
        headers['x-forwarded-for'] = gatewayRequest.sourceIp;
        headers['x-forwarded-proto'] = 'http';
        headers['x-amzn-apigateway-stage'] = stage;
        const target = new URL(upstream.origin);
        target.pathname = `${base}${path}`;
        target.search = rawQuery ? `?${rawQuery}` : '';
        res.on('finish', () => done(res.statusCode, `allow → ${target.origin}${target.pathname}`));
        for (const [k, v] of Object.entries(idHeader)) res.setHeader(k, v);
        forward(req, res, target, headers, api, (why) => log(`${method} ${fullPath}: ${why}`));
      },
      (err: unknown) => refuse(500, { message: api === 'rest' ? null : 'Internal Server Error' }, `gateway error: ${(err as Error).message}`),
    );
  });
  server.keepAliveTimeout = 5_000;
  const port = await listen(server, options.port, 'API gateway (--port)');
  return { url: `http://${HOST}:${port}`, port, close: () => closeServer(server) };
}
