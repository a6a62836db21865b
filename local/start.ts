/**
 * `npm start`: the authorizer in front of an API on one machine. Starts the local issuer, the replay
 * table (dynalite), the demo backend (unless --upstream) and the local API Gateway calling the real
 * handler; prints where everything is, the route table, a demo token and two curl lines; stops
 * cleanly on Ctrl-C (SIGINT) or SIGTERM.
 */
import { writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseStartArgs, START_USAGE, type StartOptions } from './args.js';
import { exitWith, LocalError, UsageError } from './errors.js';
import { startDemoBackend } from './demo-backend.js';
import { startGateway } from './gateway.js';
import { startIssuer } from './issuer.js';
import { applyLambdaEnv, loadHandler, localAuthorizerEnv, localEnvFile } from './lambda-env.js';
import type { Running } from './listen.js';
import { mintToken } from './mint.js';
import { startReplayServer } from './replay-server.js';
import { LOCAL_ROUTES, type RoutePermission } from './routes.js';
import { AUDIENCE_BY_STAGE, DEMO_TOKEN, REPLAY_TABLE, DPOP_STAGE, SECOND_ISSUER, dataPaths } from './settings.js';
import { createDpopStageAuthorizer } from './dpop-stage.js';
import { dpopWalkthrough } from './dpop-walkthrough.js';
import { loadOrCreateKey } from './signing-key.js';
import { acquireLock, removeState, writeState } from './state.js';
import { allowedExpectation, moreTokensLine } from './hints.js';
import { scriptArgs } from './script-args.js';
import { userAuthorizerEnv } from './user-env.js';
import { ENV } from '../lib/env-names.js';

const EVENT_LABEL = {
  'rest-token': 'REST API, TOKEN authorizer',
  'rest-request': 'REST API, REQUEST authorizer',
  'http-api': 'HTTP API, Lambda authorizer (payload 2.0, simple responses)',
} as const;

const out = (line = '') => process.stdout.write(`${line}\n`);

function routeLines(routes: readonly RoutePermission[]): string[] {
  const width = Math.max(...routes.map((r) => r.route.length));
  return routes.map((r) => {
    const scopes = r.scopes.length ? r.scopes.join(' ') : '(any valid token)';
    return `  ${r.route.padEnd(width)}   ${scopes}${r.route === '$connect' ? '   (WebSocket; for npm run invoke only)' : ''}`;
  });
}

/** A path relative to the working directory when it is inside it, else absolute. */
function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

async function main(options: StartOptions): Promise<void> {
  const started = Date.now();
  const paths = dataPaths(options.dataDir);
  const shown = display(paths.dir);
  const pieces: Running[] = []; // closed in reverse order
  let releaseLock: (() => void) | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(code), 5_000);
    force.unref();
    for (const piece of pieces.reverse()) await piece.close().catch(() => undefined);
    removeState(options.dataDir);
    releaseLock?.();
    process.exit(code);
  };
  const onSignal = (signal: string) => {
    if (stopping) process.exit(130); // a second Ctrl-C does not wait
    out(`\n${signal} received: stopping the local stack…`);
    void stop(0).then(() => undefined);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  try {
    // Swagger Parser (and its JSON Schema validator) load only when a document is given.
    const fromDocument = options.openapi ? await (await import('./openapi.js')).localRoutesFromOpenApi(options.openapi) : undefined;
    const routes = fromDocument?.routes ?? LOCAL_ROUTES;
    releaseLock = acquireLock(options.dataDir);
    const key = await loadOrCreateKey(paths.key);
    const secondKey = await loadOrCreateKey(paths.secondKey);
    const issuer = await startIssuer(key, options.issuerPort, secondKey);
    pieces.push(issuer);
    // The table serves single-use tokens and revocation records when on, and always the DPoP stage's proofs.
    const table = await startReplayServer(options.dynamoPort, REPLAY_TABLE, paths.dynalite);
    pieces.push(table);

    const localEnv = localAuthorizerEnv({ issuer: issuer.issuer, jwksUri: issuer.jwksUri, second: issuer.second, dynamoEndpoint: table.endpoint, replay: options.replay, revocation: options.revocation, routes });
    // The main authorizer uses the table exactly when its environment names it (lambda-env.ts decides).
    const replay = localEnv[ENV.replayTableName] ? table : undefined;
    const user = options.envFile ? userAuthorizerEnv(localEnv, options.envFile, options.fn) : undefined;
    user?.notes.forEach((note) => out(`note: ${note}`));
    applyLambdaEnv(user?.env ?? localEnv);
    const handler = await loadHandler();

    const demo = options.upstream ? undefined : await startDemoBackend();
    if (demo) pieces.push(demo);
    const upstream = options.upstream ?? new URL(demo!.url);
    const dpopHandler = createDpopStageAuthorizer({ issuer: issuer.issuer, jwksUri: issuer.jwksUri, routes: LOCAL_ROUTES, dynamoEndpoint: table.endpoint });
    const stageAuthorizers = new Map([[DPOP_STAGE, dpopHandler]]);
    const gateway = await startGateway({ handler, mode: options.event, upstream, port: options.port, log: (line) => out(`[gateway] ${line}`), stages: stageAuthorizers });
    pieces.push(gateway);

    writeState(options.dataDir, {
      pid: process.pid,
      gateway: gateway.url,
      issuer: issuer.issuer,
      jwksUri: issuer.jwksUri,
      second: issuer.second,
      dynamoEndpoint: replay?.endpoint ?? '',
      replayTable: replay ? REPLAY_TABLE : '',
      replayProtection: options.replay,
      revocation: options.revocation,
      event: options.event,
      upstream: upstream.href,
      envFile: options.envFile && resolve(options.envFile),
      fn: options.fn,
      routes,
    });
    writeFileSync(paths.env, localEnvFile(user?.env ?? localEnv), { mode: 0o600 });

    const token = await mintToken(key, { issuer: issuer.issuer, sub: DEMO_TOKEN.sub, scope: DEMO_TOKEN.scope, aud: AUDIENCE_BY_STAGE[DEMO_TOKEN.stage]!, ttl: DEMO_TOKEN.ttl });
    const curl = `curl -i -H "Authorization: Bearer ${token}" ${gateway.url}/${DEMO_TOKEN.stage}/orders/42`;
    const secondToken = await mintToken(secondKey, { issuer: issuer.second.issuer, sub: DEMO_TOKEN.sub, scope: SECOND_ISSUER.demoScope, aud: AUDIENCE_BY_STAGE[DEMO_TOKEN.stage]!, ttl: DEMO_TOKEN.ttl });
    const secondCurl = `curl -i -H "Authorization: Bearer ${secondToken}" ${gateway.url}/${DEMO_TOKEN.stage}/orders/42`;
    // Issued now, so a revocation of the subject made later (notBefore > iat) refuses it.
    const revokedToken = await mintToken(key, { issuer: issuer.issuer, sub: DEMO_TOKEN.sub, scope: DEMO_TOKEN.scope, aud: AUDIENCE_BY_STAGE[DEMO_TOKEN.stage]!, ttl: DEMO_TOKEN.ttl });
    const revokedCurl = `curl -i -H "Authorization: Bearer ${revokedToken}" ${gateway.url}/${DEMO_TOKEN.stage}/orders/42`;
    const stages = Object.entries(AUDIENCE_BY_STAGE).map(([s, a]) => `${s} (aud ${a})`).join(', ');

    out(`JWT authorizer — local stack (${EVENT_LABEL[options.event]})`);
    out();
    out(`  Issuer        ${issuer.issuer}   ES256 key ${display(key.file)}${key.created ? ' (new)' : ''}, kid ${key.kid}`);
    out(`                JWKS      ${issuer.jwksUri}`);
    out(`                Discovery ${issuer.issuer}/.well-known/openid-configuration`);
    out(`  Issuer 2      ${issuer.second.issuer}   ES256 key ${display(secondKey.file)}${secondKey.created ? ' (new)' : ''}, kid ${secondKey.kid}`);
    out(`                JWKS      ${issuer.second.jwksUri}   scopeMap ${JSON.stringify(SECOND_ISSUER.scopeMap)}`);
    if (replay && options.replay === 'off') out(`  Table         "${REPLAY_TABLE}" on dynalite ${replay.endpoint}   revocation records only (--replay off)   data in ${shown}/dynalite`);
    else if (replay) out(`  Replay table  "${REPLAY_TABLE}" on dynalite ${replay.endpoint}   data in ${shown}/dynalite${replay.createdTable ? ' (table created)' : ''}`);
    else out('  Replay table  none: --replay off (a token may be used any number of times)');
    out(`  Upstream      ${demo ? `demo backend ${demo.url} (echoes the request and the authorizer context)` : upstream.href}`);
    out(`  API Gateway   ${gateway.url}/<stage>/<path>   stages: ${stages}`);
    out();
    out(`Route table (ROUTE_PERMISSIONS: route → scopes required)${options.openapi ? `, generated from ${options.openapi}` : ''}:`);
    routeLines(user ? (JSON.parse(user.env[ENV.routePermissions] ?? '[]') as RoutePermission[]) : routes).forEach((line) => out(line));
    fromDocument?.warnings.forEach((w) => out(`  warning: ${w}`));
    out();
    out(`A token for sub "${DEMO_TOKEN.sub}", scope "${DEMO_TOKEN.scope}", stage ${DEMO_TOKEN.stage}, valid ${DEMO_TOKEN.ttl} s:`);
    out();
    out(`  ${curl}`);
    const expectation = await allowedExpectation(upstream, options.upstream !== undefined, options.event);
    out(`    ${expectation.line}`);
    out(`  ${curl}`);
    if (options.replay === 'single-use') out('    → the same again: 401 {"message":"Unauthorized"}, refused as a replay (each token is single-use)');
    else out('    → the same again: 200 (replay protection is off)');
    out();
    out(`A token of the second issuer (TRUSTED_ISSUERS), scope "${SECOND_ISSUER.demoScope}", translated to "orders:read" by its scopeMap:`);
    out();
    out(`  ${secondCurl}`);
    out(`    ${expectation.status === '200' ? '→ 200: the context shows scope "orders:read"' : expectation.line}`);
    out();
    if (options.revocation === 'on') {
      out(`Revocation is on. The first line above used a token of "${DEMO_TOKEN.sub}"; revoke every token of that user`);
      out('issued until now, then send another of its tokens (issued before the revocation):');
      out();
      out(`  npm run revoke -- --sub ${DEMO_TOKEN.sub} --issuer ${issuer.issuer} --env-file ${display(paths.env)}`);
      out(`  ${revokedCurl}`);
      out('    → 401 {"message":"Unauthorized"}: the token is revoked (reason TOKEN_REVOKED in the log line)');
      out(`  npm run revoke -- --jti <jti> --issuer ${issuer.issuer} --env-file ${display(paths.env)}   revokes one token instead`);
      out();
    } else {
      out('Revocation (refuse a token or every token of a user at once): npm start -- --revocation on');
    }
    dpopWalkthrough({ table: table.endpoint, allowed: expectation.status, dataDir: options.dataDir }).forEach((line) => out(line));
    out();
    out(moreTokensLine(options.dataDir));
    out(`Ready in ${Date.now() - started} ms. Press Ctrl-C to stop.`);
    out(`READY ${JSON.stringify({ gateway: gateway.url, issuer: issuer.issuer, dynamodb: replay?.endpoint ?? null, upstream: upstream.href, event: options.event, replay: options.replay, revocation: options.revocation, dpopStage: DPOP_STAGE, pid: process.pid })}`);
  } catch (err) {
    stopping = true;
    for (const piece of pieces.reverse()) await piece.close().catch(() => undefined);
    releaseLock?.();
    throw err;
  }
}

// The SDK's Node.js 20 notice is noise here; the handler's environment sets the same flag.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
process.on('uncaughtException', (err) => exitWith(err instanceof LocalError ? err : new LocalError(`unexpected failure: ${err.message}`)));
let options: StartOptions;
try {
  options = parseStartArgs(scriptArgs());
} catch (err) {
  exitWith(err, START_USAGE);
}
if (options.help) {
  out(START_USAGE);
  process.exit(0);
}
main(options).catch((err: unknown) => exitWith(err, err instanceof UsageError ? START_USAGE : undefined));
