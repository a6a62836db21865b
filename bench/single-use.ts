/**
 * Section 2: single-use decisions against dynalite (in-process, random loopback port). Our full decision
 * versus a bare conditional PutItem with the same condition expression and client config; DynamoDB
 * requests are counted both by a client middleware (every attempt, inside the retry loop) and by the
 * dynalite HTTP server itself.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { boundedDynamoClient } from '../functions/authorizer/dynamo-client.js';
// dynalite ships no types.
// @ts-expect-error no declaration file
import dynalite from 'dynalite';
import { startJwksServer } from '../test/helpers/jwks-server.js';
import { createReplayTable } from '../test/helpers/dynalite.js';
import { signToken } from '../test/helpers/keys.js';
import { benchAuthorizer, benchKeys, isAllow, lambdaContext, liveClaims, mintTokens, restTokenEvent, testEnv } from './common.js';
import { median, runInterleaved, type Summary, type Variant } from './stats.js';

/** The bare write, then our handler with an ES256 and with an RS256 token (both algorithms are common; the
 * ES256 signature check alone costs about a tenth of an in-process dynalite write). */
export const SINGLE_USE_VARIANTS = ['bare conditional PutItem', 'ours (full handler, single-use, ES256)', 'ours (full handler, single-use, RS256)'] as const;

/** Requests per decision, as counted by the client middleware and by the server. */
export interface RequestCounts {
  readonly label: string;
  readonly decisions: number;
  readonly middleware: number;
  readonly server: number;
  readonly expected: number;
  /** Median latency of one such decision, µs (informative). */
  readonly p50: number;
}

export interface SingleUseResult {
  readonly results: Map<string, Summary>;
  readonly counts: RequestCounts[];
}

export interface SingleUseOptions {
  readonly rounds: number;
  readonly opsPerRound: number;
}

const TABLE = 'replay-bench';
const CONDITION = 'attribute_not_exists(pk) OR expiresAt < :now';

/**
 * The production client factory, `boundedDynamoClient()` from dynamo-client.ts. It is pointed at
 * dynalite through the SDK's AWS_ENDPOINT_URL_DYNAMODB (read when the client first resolves its config,
 * so `runSingleUse` keeps it set until it is done); region and dummy credentials come from the environment.
 */
const benchClient = (): DynamoDBClient => boundedDynamoClient();

/** Adds a middleware counting every HTTP attempt the client makes (after the retry middleware). */
export function countRequests(client: DynamoDBClient): { count: number } {
  const counter = { count: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      counter.count++;
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'benchRequestCounter' },
  );
  return counter;
}

export async function runSingleUse(opts: SingleUseOptions, log: (line: string) => void): Promise<SingleUseResult> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  let serverRequests = 0;
  server.on('request', () => serverRequests++);
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('dynalite did not bind');
  const endpoint = `http://127.0.0.1:${address.port}`;

  const savedEndpoint = process.env['AWS_ENDPOINT_URL_DYNAMODB'];
  process.env['AWS_ENDPOINT_URL_DYNAMODB'] = endpoint;
  const keys = benchKeys();
  const key = keys.ES256;
  const jwks = await startJwksServer([key.publicJwk, keys.RS256.publicJwk]);
  const bareClient = benchClient();
  const oursClient = benchClient();
  try {
    await createReplayTable(bareClient, TABLE);
    const bareCount = countRequests(bareClient);
    const oursCount = countRequests(oursClient);
    const env = testEnv(jwks.url, { REPLAY_PROTECTION: 'single-use', REPLAY_TABLE_NAME: TABLE, JWT_ALGORITHMS: 'ES256,RS256' });
    const handler = benchAuthorizer(env, { dynamoClient: oursClient });

    // Fresh tokens for every allowed decision (warm-up + rounds + checks), minted up front.
    const total = opts.opsPerRound * (opts.rounds + 1) + 200;
    const events = mintTokens(key, total).map((t) => restTokenEvent(`Bearer ${t}`));
    const rsEvents = mintTokens(keys.RS256, total).map((t) => restTokenEvent(`Bearer ${t}`));
    const bareKeys = Array.from({ length: total }, () => createHash('sha256').update(randomBytes(16)).digest('base64url'));
    const nowSec = () => Math.floor(Date.now() / 1000);

    const bare = async (i: number) => {
      const now = nowSec();
      await bareClient.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { pk: { S: bareKeys[i]! }, expiresAt: { N: String(now + 3630) } },
          ConditionExpression: CONDITION,
          ExpressionAttributeValues: { ':now': { N: String(now) } },
        }),
      );
    };
    const variants: Variant[] = [
      { name: SINGLE_USE_VARIANTS[0], async: bare },
      { name: SINGLE_USE_VARIANTS[1], async: (i) => handler(events[i], lambdaContext) },
      { name: SINGLE_USE_VARIANTS[2], async: (i) => handler(rsEvents[i], lambdaContext) },
    ];

    // The first decision also fetches the JWKS; check it allows.
    if (!isAllow(await handler(events[total - 1], lambdaContext))) throw new Error('single-use: handler did not allow');
    if (!isAllow(await handler(rsEvents[total - 1], lambdaContext))) throw new Error('single-use: handler did not allow RS256');

    const results = await runInterleaved(variants, { rounds: opts.rounds, opsPerRound: opts.opsPerRound, warmupOps: opts.opsPerRound });
    log(`  single-use: ${opts.opsPerRound} ops x ${opts.rounds} rounds x ${variants.length} variants`);

    // Request counts per decision kind, measured separately from the timing.
    const counts: RequestCounts[] = [];
    const measure = async (label: string, expected: number, n: number, run: (i: number) => Promise<boolean>) => {
      const m0 = oursCount.count;
      const s0 = serverRequests;
      const lat: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = process.hrtime.bigint();
        if (!(await run(i))) throw new Error(`single-use: unexpected outcome for "${label}"`);
        lat.push(Number(process.hrtime.bigint() - t) / 1000);
      }
      counts.push({ label, decisions: n, middleware: (oursCount.count - m0) / n, server: (serverRequests - s0) / n, expected, p50: median(lat) });
    };
    const n = 50;
    const allowEvents = events.slice(total - 1 - n, total - 1);
    await measure('allowed (fresh token)', 1, n, async (i) => isAllow(await handler(allowEvents[i], lambdaContext)));
    const wrongScope = mintTokens(key, n, { scope: 'chat' }).map((t) => restTokenEvent(`Bearer ${t}`));
    await measure('denied: scope missing (403)', 0, n, async (i) => {
      const r = await handler(wrongScope[i], lambdaContext);
      return !isAllow(r) && 'policyDocument' in r;
    });
    const badSig = Array.from({ length: n }, () => {
      const good = signToken(key, { payload: liveClaims() });
      return restTokenEvent(`Bearer ${good.slice(0, good.lastIndexOf('.') + 1)}${signToken(key, { payload: liveClaims() }).split('.')[2]}`);
    });
    await measure('denied: bad signature (401)', 0, n, async (i) => handler(badSig[i], lambdaContext).then(() => false, (e: Error) => e.message === 'Unauthorized'));
    await measure('denied: replayed token (401)', 1, n, async (i) => handler(allowEvents[i], lambdaContext).then(() => false, (e: Error) => e.message === 'Unauthorized'));
    if (bareCount.count === 0) throw new Error('single-use: the bare PutItem counter saw nothing');
    return { results, counts };
  } finally {
    if (savedEndpoint === undefined) delete process.env['AWS_ENDPOINT_URL_DYNAMODB'];
    else process.env['AWS_ENDPOINT_URL_DYNAMODB'] = savedEndpoint;
    bareClient.destroy();
    oursClient.destroy();
    await jwks.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
