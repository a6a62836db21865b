/**
 * `npm run -s token -- [options]`: prints one token signed with the local issuer's key, and nothing else
 * on stdout, so `TOKEN=$(npm run -s token -- --scope orders:read)` works. Notes go to stderr.
 */
import { parseArgs } from 'node:util';
import { exitWith, UsageError } from './errors.js';
import { mintToken } from './mint.js';
import { AUDIENCE_BY_STAGE, DEFAULT_DATA_DIR, DEFAULT_PORTS, DEMO_TOKEN, DPOP_STAGE, HOST, SECOND_ISSUER, dataPaths } from './settings.js';
import { clientKeyFile, loadOrCreateClientKey } from './client-key.js';
import { loadOrCreateKey } from './signing-key.js';
import { scriptArgs } from './script-args.js';
import { runningStack } from './state.js';
import { joinSignedValues, tokenTimes } from './time-options.js';

const MAX_TTL = 30 * 86400;
const RESERVED = new Set(['iss', 'sub', 'aud', 'iat', 'exp', 'jti', 'scope', 'nbf', 'cnf']);

const USAGE = `Usage: npm run -s token -- [options]

Prints a token from the local issuer (ES256, typ JWT) on stdout.

Options:
  --sub <id>            subject (default ${DEMO_TOKEN.sub})
  --scope "<scopes>"    space-separated scopes (default "${DEMO_TOKEN.scope}"; "" for none)
  --stage <stage>       sets aud to the stage's audience: ${Object.entries(AUDIENCE_BY_STAGE).map(([s, a]) => `${s} → ${a}`).join(', ')} (default ${DEMO_TOKEN.stage})
  --aud <audience>      audience instead of the stage's (repeat for several)
  --ttl <seconds>       lifetime from iat (default ${DEMO_TOKEN.ttl})
  --iat <time>          issued-at (default now)
  --nbf <time>          not-before (default: no nbf claim)
  --exp <time>          expiry instead of --ttl
                        <time> is +N/-N seconds from now, epoch seconds or an ISO date, e.g.
                        --exp -60 (expired), --nbf +600 (not yet valid), --iat +600 (issued in the future)
  --jti <id>            token id (default a random UUID; reuse one to try replay protection)
  --claim <name=value>  an extra claim, value parsed as JSON when it can be (repeatable), e.g. --claim role=admin
  --issuer <main|second> which local issuer signs (default main); second is <iss>${SECOND_ISSUER.path}, with its own key
  --dpop                bind the token to the local DPoP client key (cnf.jkt; the key lives in the data dir);
                        the stage defaults to ${DPOP_STAGE}. npm run call makes the proofs.
  --iss <url>           issuer (default: the running stack's, else http://${HOST}:${DEFAULT_PORTS.issuer})
  --data-dir <dir>      where the signing key lives (default ${DEFAULT_DATA_DIR})
  -h, --help            show this help

Example: curl -H "Authorization: Bearer $(npm run -s token -- --scope orders:read)" http://${HOST}:${DEFAULT_PORTS.gateway}/dev/orders/42`;

interface TokenArgs {
  sub: string;
  scope: string;
  aud: string[];
  times: { iat: number; exp: number; nbf?: number };
  jti: string | undefined;
  claims: Record<string, unknown>;
  iss: string | undefined;
  issuer: 'main' | 'second';
  dataDir: string;
  help: boolean;
  dpop: boolean;
}

function parse(argv: string[]): TokenArgs {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: joinSignedValues(argv),
      strict: true,
      allowPositionals: false,
      options: {
        sub: { type: 'string', default: DEMO_TOKEN.sub },
        scope: { type: 'string', default: DEMO_TOKEN.scope },
        stage: { type: 'string' },
        aud: { type: 'string', multiple: true },
        ttl: { type: 'string' },
        iat: { type: 'string' },
        nbf: { type: 'string' },
        exp: { type: 'string' },
        jti: { type: 'string' },
        claim: { type: 'string', multiple: true },
        iss: { type: 'string' },
        issuer: { type: 'string', default: 'main' },
        'data-dir': { type: 'string', default: DEFAULT_DATA_DIR },
        help: { type: 'boolean', short: 'h', default: false },
        dpop: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const sub = (values['sub'] as string).trim();
  if (!sub) throw new UsageError('--sub must not be empty');
  const scope = values['scope'] as string;
  if (/[^\x20-\x7e]/.test(scope)) throw new UsageError('--scope must be printable ASCII scopes separated by spaces');
  const str = (k: string) => values[k] as string | undefined;
  const times = tokenTimes({ iat: str('iat'), nbf: str('nbf'), exp: str('exp'), ttl: str('ttl') }, Math.floor(Date.now() / 1000), { defaultTtl: DEMO_TOKEN.ttl, maxTtl: MAX_TTL });
  let aud = (values['aud'] as string[] | undefined) ?? [];
  const stage = values['stage'] as string | undefined;
  if (aud.length && stage !== undefined) throw new UsageError('give --stage or --aud, not both');
  if (aud.some((a) => a.trim() === '')) throw new UsageError('--aud must not be empty');
  if (!aud.length) {
    const s = stage ?? (values['dpop'] === true ? DPOP_STAGE : DEMO_TOKEN.stage);
    const a = AUDIENCE_BY_STAGE[s];
    if (!a) throw new UsageError(`unknown --stage "${s}"; the local stages are ${Object.keys(AUDIENCE_BY_STAGE).join(', ')} (or pass --aud)`);
    aud = [a];
  }
  const jti = values['jti'] as string | undefined;
  if (jti !== undefined && jti.trim() === '') throw new UsageError('--jti must not be empty');
  const claims: Record<string, unknown> = {};
  for (const pair of (values['claim'] as string[] | undefined) ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--claim must be name=value, got "${pair}"`);
    const name = pair.slice(0, eq);
    if (RESERVED.has(name)) throw new UsageError(`--claim cannot set "${name}"; use its own option`);
    const text = pair.slice(eq + 1);
    try {
      claims[name] = JSON.parse(text);
    } catch {
      claims[name] = text;
    }
  }
  const iss = values['iss'] as string | undefined;
  if (iss !== undefined && iss.trim() === '') throw new UsageError('--iss must not be empty');
  const which = values['issuer'] as string;
  if (which !== 'main' && which !== 'second') throw new UsageError(`--issuer must be main or second, got "${which}"`);
  const dataDir = values['data-dir'] as string;
  return { sub, scope, aud, times, jti, claims, iss, issuer: which, dataDir, help: values['help'] === true, dpop: values['dpop'] === true };
}

async function main(): Promise<void> {
  let args: TokenArgs;
  try {
    args = parse(scriptArgs());
  } catch (err) {
    exitWith(err, USAGE);
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const paths = dataPaths(args.dataDir);
  // Missing key: generate it here (npm start publishes whatever key the folder holds).
  const second = args.issuer === 'second';
  const key = await loadOrCreateKey(second ? paths.secondKey : paths.key);
  if (key.created) process.stderr.write(`note: generated a new signing key in ${key.file}; npm start will publish it\n`);
  let issuer = args.iss;
  if (!issuer) {
    const stack = runningStack(args.dataDir);
    issuer = second ? stack?.second?.issuer : stack?.issuer;
    if (!issuer) {
      issuer = `http://${HOST}:${DEFAULT_PORTS.issuer}${second ? SECOND_ISSUER.path : ''}`;
      process.stderr.write(`note: no local stack is running on ${args.dataDir}; iss is ${issuer} (npm start's default issuer)\n`);
    }
  }
  const claims = { ...args.claims };
  if (args.dpop) {
    const client = await loadOrCreateClientKey(clientKeyFile(paths.dir));
    if (client.created) process.stderr.write(`note: generated a DPoP client key in ${client.file}\n`);
    claims['cnf'] = { jkt: client.jkt };
  }
  const token = await mintToken(key, { issuer, sub: args.sub, scope: args.scope, aud: args.aud.length === 1 ? args.aud[0]! : args.aud, ttl: args.times.exp - args.times.iat, iat: args.times.iat, exp: args.times.exp, nbf: args.times.nbf, jti: args.jti, claims });
  process.stdout.write(`${token}\n`);
}

main().catch((err: unknown) => exitWith(err));
