/**
 * `npm run -s call -- [options] METHOD PATH`: one whole DPoP call through the running local gateway,
 * as a real client makes it: a token bound to the local client key, and for every request a fresh
 * proof from the `dpop` client package (`htm` = METHOD, `htu` = the gateway URI with https, as API
 * Gateway is always https, and `ath` = the token's hash). `--reuse-proof` shows single use: the same
 * proof again is refused, a new proof with the same token passes.
 */
import { parseArgs } from 'node:util';
import { generateProof } from 'dpop';
import { clientKeyFile, loadOrCreateClientKey } from './client-key.js';
import { exitWith, LocalError, UsageError } from './errors.js';
import { scriptArgs } from './script-args.js';
import { mintToken } from './mint.js';
import { AUDIENCE_BY_STAGE, DEFAULT_DATA_DIR, DEMO_TOKEN, DPOP_STAGE, dataPaths } from './settings.js';
import { loadOrCreateKey } from './signing-key.js';
import { runningStack } from './state.js';

const USAGE = `Usage: npm run -s call -- [options] METHOD PATH

Calls the running local gateway (npm start) with "Authorization: DPoP <token>" and a fresh DPoP proof.

Options:
  --token <jwt>       the access token (default: a new one from the local issuer, bound to the client key)
  --scope "<scopes>"  scopes of the new token (default "${DEMO_TOKEN.scope}")
  --reuse-proof       send the same proof twice (the second is refused), then a fresh one (passes)
  --data-dir <dir>    the running stack's data directory (default ${DEFAULT_DATA_DIR})
  -h, --help          show this help

Example: npm run -s call -- GET /${DPOP_STAGE}/orders/42`;

interface CallArgs {
  method: string;
  path: string;
  token: string | undefined;
  scope: string;
  reuseProof: boolean;
  dataDir: string;
  help: boolean;
}

function parse(argv: string[]): CallArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        token: { type: 'string' },
        scope: { type: 'string', default: DEMO_TOKEN.scope },
        'reuse-proof': { type: 'boolean', default: false },
        'data-dir': { type: 'string', default: DEFAULT_DATA_DIR },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const help = values['help'] === true;
  if (!help && positionals.length !== 2) throw new UsageError('give METHOD and PATH, e.g. GET /dpop/orders/42');
  const [method = 'GET', path = '/'] = positionals;
  if (!/^[A-Za-z]+$/.test(method)) throw new UsageError(`"${method}" is not an HTTP method`);
  if (!path.startsWith('/')) throw new UsageError(`PATH must start with "/", e.g. /${DPOP_STAGE}/orders/42`);
  return {
    method: method.toUpperCase(),
    path,
    token: values['token'] as string | undefined,
    scope: values['scope'] as string,
    reuseProof: values['reuse-proof'] === true,
    dataDir: values['data-dir'] as string,
    help,
  };
}

async function main(): Promise<void> {
  let args: CallArgs;
  try {
    args = parse(scriptArgs());
  } catch (err) {
    exitWith(err, USAGE);
  }
  if (args.help) return void process.stdout.write(`${USAGE}\n`);
  const stack = runningStack(args.dataDir);
  if (!stack) throw new LocalError(`no local stack is running on ${args.dataDir}: start one with npm start`);
  const paths = dataPaths(args.dataDir);
  const client = await loadOrCreateClientKey(clientKeyFile(paths.dir));
  const stage = args.path.split('/')[1] ?? '';
  let token = args.token;
  if (!token) {
    const aud = AUDIENCE_BY_STAGE[stage];
    if (!aud) throw new UsageError(`unknown stage "${stage}"; the local stages are ${Object.keys(AUDIENCE_BY_STAGE).join(', ')} (DPoP is on ${DPOP_STAGE})`);
    const key = await loadOrCreateKey(paths.key);
    token = await mintToken(key, { issuer: stack.issuer, sub: DEMO_TOKEN.sub, scope: args.scope, aud, ttl: DEMO_TOKEN.ttl, claims: { cnf: { jkt: client.jkt } } });
  }
  const gateway = new URL(stack.gateway);
  const url = new URL(args.path, gateway);
  // API Gateway is always https, so that is the URI a proof names; the local gateway itself speaks http.
  const htu = `https://${gateway.host}${url.pathname}`;
  const bound = token;

  const send = async (proof: string, label: string) => {
    const res = await fetch(url, { method: args.method, headers: { authorization: `DPoP ${bound}`, dpop: proof } });
    const text = await res.text();
    let shown = text;
    try {
      // The demo backend echoes the request; the authorizer context is the interesting part.
      const body = JSON.parse(text) as Record<string, unknown>;
      shown = 'authorizer' in body ? `authorizer context ${JSON.stringify(body['authorizer'])}` : JSON.stringify(body);
    } catch {
      // not JSON: show it as it came
    }
    process.stdout.write(`${args.method} ${url.pathname}${url.search} (${label}) → ${res.status} ${shown}\n`);
    return res.status;
  };
  process.stdout.write(`token bound to client key jkt ${client.jkt}; proofs for htm ${args.method}, htu ${htu}\n`);
  const proof = await generateProof(client.keyPair, htu, args.method, undefined, bound);
  await send(proof, 'fresh proof');
  if (args.reuseProof) {
    await send(proof, 'the same proof again: single use, expect 401');
    await send(await generateProof(client.keyPair, htu, args.method, undefined, bound), 'a new proof, same token');
  }
}

main().catch((err: unknown) => exitWith(err, err instanceof UsageError ? USAGE : undefined));
