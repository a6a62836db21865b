/**
 * `npm run invoke -- events/<file>.json [--token <jwt>]`: runs one event through the real handler, like
 * `sam local invoke` without Docker, and prints the answer and the status API Gateway would give.
 *
 * The environment, first match wins:
 *   1. `--env-file <file>` (SAM format: `{ "<FunctionLogicalId>": { "VAR": "value" } }`);
 *   2. the local stack, when `npm start` is running on `--data-dir` (its issuer, JWKS, dynalite);
 *   3. `events/env.json`, when it exists.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readEnvFile, readJson } from './env-file.js';
import { exitWith, LocalError, UsageError } from './errors.js';
import { isLoopback, reachable } from './probe.js';
import { scriptArgs } from './script-args.js';
import { userAuthorizerEnv } from './user-env.js';
import { applyLambdaEnv, lambdaContext, loadHandler, localAuthorizerEnv } from './lambda-env.js';
import { parseConfig } from '../lib/config.js';
import { LOCAL_ROUTES } from './routes.js';
import { DEFAULT_DATA_DIR } from './settings.js';
import { runningStack } from './state.js';
import { authorize, type ApiKind } from './verdict.js';
import { ENV } from '../lib/env-names.js';

const PLACEHOLDER = 'REPLACE_WITH_TOKEN';
const DEFAULT_ENV_FILE = 'events/env.json';

const USAGE = `Usage: npm run invoke -- <event.json> [options]

Runs one API Gateway authorizer event through the real handler and prints its answer and the status
API Gateway would give (200 allow, 401, 403 or 500).

Options:
  --token <jwt>         replaces ${PLACEHOLDER} in the event (a leading "Bearer " is dropped), e.g.
                        --token "$(npm run -s token -- --scope orders:read)"
  --env-file <file>     environment in SAM's env.json format or VAR=value lines (default: the running
                        local stack, else ${DEFAULT_ENV_FILE})
  --function <id>       which function of the env file (needed when it names several)
  --data-dir <dir>      the local stack's folder (default ${DEFAULT_DATA_DIR})
  -h, --help            show this help`;

interface InvokeArgs {
  file: string;
  token: string | undefined;
  envFile: string | undefined;
  fn: string | undefined;
  dataDir: string;
}

function parse(argv: string[]): InvokeArgs | 'help' {
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        token: { type: 'string' },
        'env-file': { type: 'string' },
        function: { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values['help']) return 'help';
  if (positionals.length !== 1) throw new UsageError(positionals.length ? 'give exactly one event file' : 'which event? e.g. npm run invoke -- events/rest-token-dev.json');
  const token = values['token'] as string | undefined;
  if (token !== undefined && !/^(Bearer )?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token.trim())) {
    throw new UsageError('--token must be a compact JWT (header.payload.signature)');
  }
  return {
    file: positionals[0]!,
    token: token?.trim().replace(/^Bearer /, ''),
    envFile: values['env-file'] as string | undefined,
    fn: values['function'] as string | undefined,
    dataDir: (values['data-dir'] as string | undefined) ?? DEFAULT_DATA_DIR,
  };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Replaces the placeholder everywhere in the event; returns how many strings changed. */
function substitute(value: unknown, token: string): [unknown, number] {
  if (typeof value === 'string') return value.includes(PLACEHOLDER) ? [value.split(PLACEHOLDER).join(token), 1] : [value, 0];
  if (Array.isArray(value)) {
    let n = 0;
    const out = value.map((v) => {
      const [r, c] = substitute(v, token);
      n += c;
      return r;
    });
    return [out, n];
  }
  if (isObj(value)) {
    let n = 0;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const [r, c] = substitute(v, token);
      out[k] = r;
      n += c;
    }
    return [out, n];
  }
  return [value, 0];
}

function arnOf(event: Record<string, unknown>): { arn: string; api: ApiKind } {
  const api: ApiKind = event['version'] === '2.0' ? 'http' : 'rest';
  const arn = api === 'http' ? event['routeArn'] : event['methodArn'];
  return { arn: typeof arn === 'string' ? arn : '', api };
}

/**
 * The JWKS URL of a configured issuer (JWT_ISSUER or TRUSTED_ISSUERS, as the function reads them) that is
 * on this machine while nothing answers there, else `undefined`.
 */
async function localIssuerDown(env: Readonly<Record<string, string>>): Promise<string | undefined> {
  let jwksUris: string[];
  try {
    jwksUris = parseConfig(env).issuers.map((issuer) => issuer.jwksUri);
  } catch {
    return undefined; // The handler reports a bad configuration itself.
  }
  for (const jwks of jwksUris) if (isLoopback(jwks) && !(await reachable(jwks))) return jwks;
  return undefined;
}

async function main(): Promise<void> {
  let args: InvokeArgs | 'help';
  try {
    args = parse(scriptArgs());
  } catch (err) {
    exitWith(err, USAGE);
  }
  if (args === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const raw = readJson(args.file, 'event file');
  if (!isObj(raw)) throw new LocalError(`${args.file} must hold one JSON object (an API Gateway authorizer event)`);
  let event: Record<string, unknown> = raw;
  if (args.token) {
    const [replaced, count] = substitute(raw, args.token);
    event = replaced as Record<string, unknown>;
    if (count === 0) process.stderr.write(`note: ${args.file} has no ${PLACEHOLDER} placeholder; --token was not used\n`);
  } else if (JSON.stringify(raw).includes(PLACEHOLDER)) {
    process.stderr.write(`note: the event still holds ${PLACEHOLDER} (expect 401); pass --token "$(npm run -s token)"\n`);
  }

  let env: Record<string, string>;
  let source: string;
  const stack = args.envFile ? undefined : runningStack(args.dataDir);
  if (args.envFile) {
    const found = readEnvFile(args.envFile, '--env-file', args.fn);
    env = found.env;
    source = found.label;
  } else if (stack) {
    env = localAuthorizerEnv({ issuer: stack.issuer, jwksUri: stack.jwksUri, second: stack.second, dynamoEndpoint: stack.dynamoEndpoint || undefined, replay: stack.replayProtection, revocation: stack.revocation, routes: stack.routes ?? LOCAL_ROUTES });
    if (stack.envFile) env = userAuthorizerEnv(env, stack.envFile, stack.fn).env;
    source = `the local stack (pid ${stack.pid}, issuer ${stack.issuer}${stack.envFile ? `, configuration from ${stack.envFile}` : ''})`;
  } else if (existsSync(DEFAULT_ENV_FILE)) {
    const found = readEnvFile(DEFAULT_ENV_FILE, 'default environment file', args.fn);
    env = found.env;
    source = found.label;
  } else {
    throw new UsageError(`no environment: start the local stack (npm start) or pass --env-file <env.json>`);
  }
  if (!stack) {
    // Outside the local stack the file's settings stand; only stray authorizer variables are cleared.
    for (const name of Object.values(ENV)) delete process.env[name];
    Object.assign(process.env, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env });
  } else {
    applyLambdaEnv(env);
  }
  process.stderr.write(`invoking ${args.file} with the environment of ${source}\n`);
  const issuerDown = await localIssuerDown(env);
  if (issuerDown) {
    process.stderr.write(
      `note: the local issuer is not running (nothing answers at ${issuerDown}), so the authorizer cannot fetch its JWKS ` +
        `and a token will get 500. Start it in another terminal with: npm start\n`,
    );
  }

  const handler = await loadHandler();
  const { arn, api } = arnOf(event);
  const verdict = await authorize(handler, event, lambdaContext(), api, arn);
  const thrown = isObj(verdict.response) && 'thrown' in verdict.response ? verdict.response['thrown'] : undefined;
  if (thrown !== undefined) process.stdout.write(`\nAuthorizer threw: Error(${JSON.stringify(thrown)})\n\n`);
  else process.stdout.write(`\nAuthorizer response:\n${JSON.stringify(verdict.response, null, 2)}\n\n`);
  const label = verdict.outcome === 'allow' ? '200 (allow: the request would reach the integration)' : `${verdict.status} ${JSON.stringify(verdict.body)}`;
  process.stdout.write(`API Gateway would answer: ${label} — ${verdict.why}\n`);
  if (issuerDown && verdict.status === 500) process.stdout.write(`The local issuer at ${issuerDown} is not running: start it with npm start, then run this again.\n`);
  if (verdict.authorizer) process.stdout.write(`Integration sees requestContext.authorizer = ${JSON.stringify(verdict.authorizer)}\n`);
}

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
main().then(
  () => process.exit(0),
  (err: unknown) => exitWith(err, err instanceof UsageError ? USAGE : undefined),
);
