/**
 * Load test of issue 11 item 7 through the local gateway (`npm start`'s stack, in a child process): N
 * fresh single-use tokens at concurrency C, each then replayed. Exactly N first uses must be allowed and
 * every replay refused; a retried write that turned a first use into a replay shows up as a first-use
 * 401. Standalone: `npx tsx bench/replay-load.ts [--tokens N] [--concurrency C]`.
 */
import { Agent, request } from 'node:http';
import { cleanUp, startStack } from '../test/e2e/stack.js';
import { quantileSorted } from './stats.js';

export interface ReplayLoadResult {
  readonly tokens: number;
  readonly concurrency: number;
  /** First uses answered 200, and how the others were answered (status → count). */
  readonly firstAllowed: number;
  readonly firstOther: Record<string, number>;
  /** Replays answered 401, and how the others were answered. */
  readonly replayRefused: number;
  readonly replayOther: Record<string, number>;
  /** Requests per second over both phases, and per-request latency in ms. */
  readonly requestsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly pass: boolean;
}

function get(url: string, token: string, agent: Agent): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** Runs the load test against a fresh local stack and stops it. */
export async function runReplayLoad(opts: { tokens: number; concurrency: number }, log: (line: string) => void): Promise<ReplayLoadResult> {
  const stack = await startStack();
  try {
    const url = `${stack.ready.gateway}/dev/orders/42`;
    const tokens = await Promise.all(Array.from({ length: opts.tokens }, () => stack.token()));
    const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
    const latencies: number[] = [];
    const phase = async (): Promise<Record<string, number>> => {
      const statuses: Record<string, number> = {};
      await pool(tokens, opts.concurrency, async (token) => {
        const t = performance.now();
        const status = await get(url, token, agent);
        latencies.push(performance.now() - t);
        statuses[status] = (statuses[status] ?? 0) + 1;
      });
      return statuses;
    };
    log(`replay load: ${opts.tokens} tokens at concurrency ${opts.concurrency} through ${url}`);
    const started = performance.now();
    const first = await phase();
    const replay = await phase();
    const seconds = (performance.now() - started) / 1000;
    agent.destroy();
    const sorted = Float64Array.from(latencies).sort();
    const { 200: firstAllowed = 0, ...firstOther } = first;
    const { 401: replayRefused = 0, ...replayOther } = replay;
    const result: ReplayLoadResult = {
      tokens: opts.tokens,
      concurrency: opts.concurrency,
      firstAllowed,
      firstOther,
      replayRefused,
      replayOther,
      requestsPerSec: latencies.length / seconds,
      p50Ms: quantileSorted(sorted, 0.5),
      p99Ms: quantileSorted(sorted, 0.99),
      pass: firstAllowed === opts.tokens && replayRefused === opts.tokens,
    };
    log(
      `replay load: first uses ${firstAllowed}/${opts.tokens} allowed ${JSON.stringify(firstOther)}, replays ${replayRefused}/${opts.tokens} refused ` +
        `${JSON.stringify(replayOther)}; ${result.requestsPerSec.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms`,
    );
    return result;
  } finally {
    await cleanUp();
  }
}

/** The section of bench/RESULTS.md. */
export function renderReplayLoad(r: ReplayLoadResult): string {
  return [
    '',
    '## Replay protection under load (issue 11 item 7)',
    '',
    `${r.tokens} fresh single-use tokens at concurrency ${r.concurrency} through the local gateway (dynalite behind the local transaction shim), each then replayed once.`,
    '',
    '| first uses allowed | other first-use answers | replays refused | other replay answers | requests/s | p50 ms | p99 ms | result |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    `| ${r.firstAllowed}/${r.tokens} | ${JSON.stringify(r.firstOther)} | ${r.replayRefused}/${r.tokens} | ${JSON.stringify(r.replayOther)} | ${r.requestsPerSec.toFixed(0)} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | ${r.pass ? 'PASS' : 'FAIL'} |`,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const result = await runReplayLoad({ tokens: arg('--tokens', 500), concurrency: arg('--concurrency', 50) }, (l) => process.stderr.write(`${l}\n`));
  process.exitCode = result.pass ? 0 : 1;
}
