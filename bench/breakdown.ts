/**
 * Section 1b: where the warm decision's time goes. The same RS256 tokens through cumulative layers of the
 * real code, each layer a superset of the one before: raw signature check, the token verifier, the whole
 * decision, decision plus response and log line, and the full middy handler. Each step's increment is
 * what that layer adds on this machine, with the costs of alternating JS and OpenSSL work included.
 */
import { verify as cryptoVerify } from 'node:crypto';
import { parseConfig } from '../lib/config.js';
import { decide } from '../lib/decide.js';
import { RemoteKeySource } from '../lib/key-source.js';
import { IssuerKeys } from '../lib/issuer-keys.js';
import { RoutePolicyCache } from '../lib/build-policy.js';
import { respond, type ResponseNotes } from '../lib/respond.js';
import { verifyToken } from '../lib/verify-token.js';
import { decisionFields } from '../functions/authorizer/create-authorizer.js';
import { startJwksServer } from '../test/helpers/jwks-server.js';
import { benchAuthorizer, benchKeys, isAllow, lambdaContext, mintTokens, nullSinkLog, restTokenEvent, testEnv } from './common.js';
import { runRounds, type Summary, type Variant } from './stats.js';

/** The layers, in order; each includes the ones before it. */
export const BREAKDOWN_LAYERS = [
  'raw crypto.verify',
  '+ token: decode, header, key lookup, claims (verifyToken)',
  '+ event, stage audience, replay key, scopes, route (decide)',
  '+ IAM policy response and decision log line',
  '+ middy (the full handler)',
] as const;

export interface BreakdownResult {
  readonly alg: 'RS256';
  readonly results: Map<string, Summary>;
}

export async function runBreakdown(opts: { rounds: number; opsPerRound: number }, log: (line: string) => void): Promise<BreakdownResult> {
  const key = benchKeys().RS256;
  const server = await startJwksServer([key.publicJwk]);
  try {
    const env = testEnv(server.url, { REPLAY_PROTECTION: 'off', REPLAY_TABLE_NAME: undefined, JWT_ALGORITHMS: 'RS256' });
    const config = parseConfig(env);
    const keys = new RemoteKeySource(config.issuers[0]!.jwksUri);
    const deps = { config, keys: new IssuerKeys(() => keys), replayStore: undefined };
    const policies = new RoutePolicyCache(config.routes);
    const decisionLog = nullSinkLog();
    const handler = benchAuthorizer(env);
    const POOL = 64;
    const tokens = mintTokens(key, POOL);
    const events = tokens.map((t) => restTokenEvent(`Bearer ${t}`));
    const parts = tokens.map((t) => {
      const dot = t.lastIndexOf('.');
      return { input: Buffer.from(t.slice(0, dot)), sig: Buffer.from(t.slice(dot + 1), 'base64url') };
    });
    const nowSec = () => Math.floor(Date.now() / 1000);
    // Fetch the JWKS and fill every cache before timing.
    for (let i = 0; i < 3; i++) {
      await decide(events[0], deps, nowSec());
      await handler(events[0], lambdaContext);
    }
    const [publicKey] = (await keys.keysFor('RS256', key.kid)) as [import('node:crypto').KeyObject];

    const respondAndLog = async (i: number) => {
      const decision = await decide(events[i % POOL], deps, nowSec());
      const notes: ResponseNotes = {};
      const response = respond(decision, config, policies, notes);
      decisionLog.record(decisionFields(decision, notes, false), lambdaContext.awsRequestId);
      return response;
    };
    const variants: Variant[] = [
      { name: BREAKDOWN_LAYERS[0], sync: (i) => cryptoVerify('sha256', parts[i % POOL]!.input, publicKey, parts[i % POOL]!.sig) },
      { name: BREAKDOWN_LAYERS[1], async: (i) => verifyToken({ token: tokens[i % POOL]!, audiences: ['api-dev'], now: nowSec() }, config, keys) },
      { name: BREAKDOWN_LAYERS[2], async: (i) => decide(events[i % POOL], deps, nowSec()) },
      { name: BREAKDOWN_LAYERS[3], async: respondAndLog },
      { name: BREAKDOWN_LAYERS[4], async: (i) => handler(events[i % POOL], lambdaContext) },
    ];
    const decision = await decide(events[1], deps, nowSec());
    if (!decision.allowed || !isAllow(await respondAndLog(1)) || !isAllow(await handler(events[1], lambdaContext))) throw new Error('breakdown: a layer did not allow');
    const results = await runRounds(variants, { rounds: opts.rounds, opsPerRound: opts.opsPerRound, warmupOps: opts.opsPerRound });
    log(`  breakdown RS256: ${opts.opsPerRound} ops x ${opts.rounds} rounds x ${variants.length} layers`);
    return { alg: 'RS256', results };
  } finally {
    await server.close();
  }
}
