/** Command-line options of `npm start`, parsed with node:util and checked; problems are `UsageError`s. */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';
import { EVENT_MODES, type EventMode } from './events.js';
import { DEFAULT_DATA_DIR, DEFAULT_PORTS } from './settings.js';

export interface StartOptions {
  readonly port: number;
  readonly issuerPort: number;
  readonly dynamoPort: number;
  readonly event: EventMode;
  /** `undefined` = the built-in demo backend. */
  readonly upstream: URL | undefined;
  readonly replay: 'single-use' | 'off';
  readonly revocation: 'on' | 'off';
  readonly dataDir: string;
  /** The user's authorizer configuration (SAM env.json or dotenv), `undefined` = the demo configuration. */
  readonly envFile: string | undefined;
  /** Which function of a SAM env.json with several. */
  readonly fn: string | undefined;
  /** An OpenAPI document to generate the route table from; `undefined` = the demo table. */
  readonly openapi: string | undefined;
  readonly help: boolean;
}

export const START_USAGE = `Usage: npm start -- [options]

Runs a local issuer, a DynamoDB-compatible replay table and a local API Gateway that calls the real
authorizer handler in front of a demo backend (or your API).

Options:
  --port <n>            API gateway port (default ${DEFAULT_PORTS.gateway}; 0 = any free port)
  --issuer-port <n>     issuer (JWKS, discovery) port (default ${DEFAULT_PORTS.issuer}; 0 = any free port)
  --dynamo-port <n>     dynalite port (default ${DEFAULT_PORTS.dynamo}; 0 = any free port)
  --event <kind>        event API Gateway sends: rest-token (default), rest-request, http-api
  --upstream <url>      forward allowed requests to this http(s) URL instead of the demo backend
  --replay <mode>       single-use (default) or off
  --revocation <mode>   off (default) or on: tokens are checked against revocation records (npm run revoke)
  --data-dir <dir>      where the signing key and table data live (default ${DEFAULT_DATA_DIR})
  --env-file <file>     your authorizer configuration (SAM env.json or VAR=value lines) instead of the
                        demo one, validated as the function does; shell variables are never read
  --function <id>       which function of a SAM env.json that names several
  --openapi <file>      route table generated from this OpenAPI document (default: the demo API's,
                        examples/orders-api.yaml); refused if npm run routes -- --check finds errors
  -h, --help            show this help`;

export function portOption(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new UsageError(`--${name} must be a port number from 0 to 65535, got "${text}"`);
  return Number(text);
}

export function parseStartArgs(argv: readonly string[]): StartOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        'issuer-port': { type: 'string' },
        'dynamo-port': { type: 'string' },
        event: { type: 'string', default: 'rest-token' },
        upstream: { type: 'string' },
        replay: { type: 'string', default: 'single-use' },
        revocation: { type: 'string', default: 'off' },
        'data-dir': { type: 'string', default: DEFAULT_DATA_DIR },
        'env-file': { type: 'string' },
        function: { type: 'string' },
        openapi: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const str = (k: string) => values[k] as string | undefined;
  const event = str('event')!;
  if (!(EVENT_MODES as readonly string[]).includes(event)) throw new UsageError(`--event must be one of ${EVENT_MODES.join(', ')}, got "${event}"`);
  const replay = str('replay')!;
  if (replay !== 'single-use' && replay !== 'off') throw new UsageError(`--replay must be single-use or off, got "${replay}"`);
  const revocation = str('revocation')!;
  if (revocation !== 'on' && revocation !== 'off') throw new UsageError(`--revocation must be on or off, got "${revocation}"`);
  let upstream: URL | undefined;
  const upstreamText = str('upstream');
  if (upstreamText !== undefined) {
    try {
      upstream = new URL(upstreamText);
    } catch {
      throw new UsageError(`--upstream must be an absolute URL such as http://127.0.0.1:8080, got "${upstreamText}"`);
    }
    if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:') throw new UsageError('--upstream must be an http: or https: URL');
    if (upstream.search || upstream.hash) throw new UsageError('--upstream must not carry a query or fragment');
  }
  const dataDir = str('data-dir')!;
  if (dataDir.trim() === '') throw new UsageError('--data-dir must not be empty');
  const ports = {
    port: portOption('port', str('port'), DEFAULT_PORTS.gateway),
    issuerPort: portOption('issuer-port', str('issuer-port'), DEFAULT_PORTS.issuer),
    dynamoPort: portOption('dynamo-port', str('dynamo-port'), DEFAULT_PORTS.dynamo),
  };
  const fixed = [ports.port, ports.issuerPort, ports.dynamoPort].filter((p) => p !== 0);
  if (new Set(fixed).size !== fixed.length) throw new UsageError('--port, --issuer-port and --dynamo-port must differ');
  const envFile = str('env-file');
  if (envFile !== undefined && envFile.trim() === '') throw new UsageError('--env-file must not be empty');
  // Checked here, before any port is taken, so a typo in the path is the one thing reported.
  if (envFile !== undefined && !existsSync(envFile)) throw new UsageError(`--env-file ${envFile}: no such file`);
  const openapi = str('openapi');
  if (openapi !== undefined && openapi.trim() === '') throw new UsageError('--openapi must name a file');
  return { ...ports, event: event as EventMode, upstream, replay, revocation, dataDir, envFile, fn: str('function'), openapi, help: values['help'] === true };
}
