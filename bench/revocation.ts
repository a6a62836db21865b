/**
 * Section 2b: what revocation (design §10) costs a single-use decision. The same handler configuration
 * with REVOCATION off and on, against the same server in one run, alternating; DynamoDB requests per
 * decision counted by a client middleware.
 *
 * With single-use, revocation turns the lone conditional PutItem into one TransactWriteItems (Put +
 * two ConditionChecks), which dynalite does not implement: the bench starts Amazon DynamoDB Local (Java
 * 17), or uses BENCH_DYNAMODB_ENDPOINT=http://127.0.0.1:<port> (it creates its table there). A variant
 * the server or the store cannot serve is reported as unavailable, with the reason, not as a number.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { boundedDynamoClient } from '../functions/authorizer/dynamo-client.js';
import { startDynamoDbLocal } from '../test/helpers/dynamodb-local.js';
import { startJwksServer } from '../test/helpers/jwks-server.js';
import { createReplayTable, localClient } from '../test/helpers/dynalite.js';
import { benchAuthorizer, benchKeys, isAllow, lambdaContext, mintTokens, restTokenEvent, testEnv } from './common.js';
import { countRequests, type RequestCounts } from './single-use.js';
import { median, runInterleaved, type Summary, type Variant } from './stats.js';

/** The compared configurations: REVOCATION off, then on, with single-use replay protection. */
export const REVOCATION_VARIANTS = ['single-use, REVOCATION=off', 'single-use, REVOCATION=on'] as const;
/** Also counted (not timed): revocation with replay off, one BatchGetItem. */
const READ_ONLY = 'REPLAY_PROTECTION=off, REVOCATION=on';

export type RevocationResult =
  | { readonly available: true; readonly server: string; readonly results: Map<string, Summary>; readonly counts: RequestCounts[]; readonly unavailable: readonly string[] }
  | { readonly available: false; readonly server: string; readonly reason: string; readonly counts: RequestCounts[]; readonly unavailable: readonly string[] };

export interface RevocationOptions {
  readonly rounds: number;
  readonly opsPerRound: number;
}

interface BenchServer {
  readonly name: string;
  readonly endpoint: string;
  close(): Promise<void>;
}

async function startServer(): Promise<BenchServer> {
  const external = process.env['BENCH_DYNAMODB_ENDPOINT'];
  if (external) return { name: `external server ${external}`, endpoint: external, close: async () => undefined };
  // Revocation with single-use is a TransactWriteItems, which dynalite lacks: Amazon's DynamoDB Local has it.
  const local = await startDynamoDbLocal('bench-revocation-probe');
  return { name: 'Amazon DynamoDB Local (in memory, started by the bench)', endpoint: local.endpoint, close: () => local.close() };
}

/** Why a handler's first decision was not an Allow, in a few words. */
async function firstDecision(handler: ReturnType<typeof benchAuthorizer>, event: unknown): Promise<string | undefined> {
  try {
    return isAllow(await handler(event, lambdaContext)) ? undefined : 'the first decision was not an Allow';
  } catch (err) {
    return `the first decision failed (${(err as Error).message}): the server or the store does not serve this plan`;
  }
}

export async function runRevocation(opts: RevocationOptions, log: (line: string) => void): Promise<RevocationResult> {
  const server = await startServer();
  const table = `revocation-bench-${randomUUID().slice(0, 8)}`;
  const saved = process.env['AWS_ENDPOINT_URL_DYNAMODB'];
  process.env['AWS_ENDPOINT_URL_DYNAMODB'] = server.endpoint;
  const keys = benchKeys();
  const key = keys.ES256;
  const jwks = await startJwksServer([key.publicJwk]);
  const clients: DynamoDBClient[] = [];
  try {
    // Table creation may take longer than the decision client's 1.5 s timeout (DynamoDB Local on a busy machine).
    const setup = localClient(server.endpoint);
    clients.push(setup);
    await createReplayTable(setup, table);
    const configs: [string, Record<string, string>][] = [
      [REVOCATION_VARIANTS[0], { REPLAY_PROTECTION: 'single-use', REVOCATION: 'off' }],
      [REVOCATION_VARIANTS[1], { REPLAY_PROTECTION: 'single-use', REVOCATION: 'on' }],
      [READ_ONLY, { REPLAY_PROTECTION: 'off', REVOCATION: 'on' }],
    ];
    const total = opts.opsPerRound * (opts.rounds + 1) + 100;
    const handlers = new Map<string, { handler: ReturnType<typeof benchAuthorizer>; counter: { count: number }; events: unknown[] }>();
    const unavailable: string[] = [];
    for (const [name, env] of configs) {
      const client = boundedDynamoClient();
      clients.push(client);
      const counter = countRequests(client);
      const handler = benchAuthorizer(testEnv(jwks.url, { ...env, REPLAY_TABLE_NAME: table, JWT_ALGORITHMS: 'ES256' }), { dynamoClient: client });
      const events = mintTokens(key, total).map((t) => restTokenEvent(`Bearer ${t}`));
      const problem = await firstDecision(handler, events[total - 1]);
      if (problem) {
        unavailable.push(`${name}: ${problem}`);
        log(`  revocation: ${name} unavailable on ${server.name}: ${problem}`);
        continue;
      }
      handlers.set(name, { handler, counter, events });
    }

    // Requests per allowed decision, each configuration on its own fresh tokens.
    const counts: RequestCounts[] = [];
    const n = 50;
    for (const [name, h] of handlers) {
      const m0 = h.counter.count;
      const lat: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = process.hrtime.bigint();
        if (!isAllow(await h.handler(h.events[total - 2 - i], lambdaContext))) throw new Error(`revocation: "${name}" did not allow`);
        lat.push(Number(process.hrtime.bigint() - t) / 1000);
      }
      counts.push({ label: `allowed: ${name}`, decisions: n, middleware: (h.counter.count - m0) / n, server: Number.NaN, expected: 1, p50: median(lat) });
    }

    const timed = REVOCATION_VARIANTS.filter((v) => handlers.has(v));
    if (timed.length < REVOCATION_VARIANTS.length) {
      return { available: false, server: server.name, reason: unavailable.join('; '), counts, unavailable };
    }
    const variants: Variant[] = timed.map((name) => {
      const h = handlers.get(name)!;
      return { name, async: (i: number) => h.handler(h.events[i], lambdaContext) };
    });
    const results = await runInterleaved(variants, { rounds: opts.rounds, opsPerRound: opts.opsPerRound, warmupOps: opts.opsPerRound });
    log(`  revocation: ${opts.opsPerRound} ops x ${opts.rounds} rounds x ${variants.length} variants on ${server.name}`);
    return { available: true, server: server.name, results, counts, unavailable };
  } finally {
    if (saved === undefined) delete process.env['AWS_ENDPOINT_URL_DYNAMODB'];
    else process.env['AWS_ENDPOINT_URL_DYNAMODB'] = saved;
    for (const c of clients) c.destroy();
    await jwks.close();
    await server.close();
  }
}

/** The report section. */
export function revocationSection(r: RevocationResult, table: (head: string[], rows: string[][]) => string, fmt: (n: number, d?: number) => string): string[] {
  const out: string[] = ['## 2b. Revocation on vs off (single-use decision)', ''];
  out.push(`Same handler configuration with \`REVOCATION\` off and on, fresh ES256 tokens, against ${r.server}. With single-use, revocation makes the one request a TransactWriteItems (Put + two ConditionChecks); with replay off it is one BatchGetItem.`, '');
  if (r.available) {
    const [off, on] = REVOCATION_VARIANTS.map((v) => r.results.get(v)!);
    out.push(
      table(
        ['Variant', 'ops/s', 'p50 µs', 'p99 µs'],
        REVOCATION_VARIANTS.map((v) => [v, fmt(r.results.get(v)!.opsPerSec, 0), fmt(r.results.get(v)!.p50), fmt(r.results.get(v)!.p99)]),
      ),
      '',
      `Ratio on / off: p50 ${fmt(on!.p50 / off!.p50, 2)}×, throughput ${fmt(off!.opsPerSec / on!.opsPerSec, 2)}×.`,
      '',
    );
  } else {
    out.push(`Not measured in this run: ${r.reason}. Set BENCH_DYNAMODB_ENDPOINT to a server with transactions (Amazon DynamoDB Local).`, '');
  }
  if (r.counts.length > 0) {
    out.push(
      table(
        ['Decision', 'Decisions', 'Requests / decision (middleware)', 'Expected'],
        r.counts.map((c) => [c.label, String(c.decisions), fmt(c.middleware, 2), String(c.expected)]),
      ),
      '',
    );
  }
  return out;
}
