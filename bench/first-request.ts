/**
 * Section 5: the first request after a cold start, with and without the JWKS prefetch at init. Each
 * sample is a fresh `node` process that imports the bundled handler (init), optionally idles (time
 * between init and the first invoke), then times one REST TOKEN request with a valid ES256 token
 * (`REPLAY_PROTECTION=off`, so only the JWKS is a dependency). The JWKS is served from loopback with an
 * artificial delay standing in for the identity provider's round trip. Runnable alone:
 * `tsx bench/first-request.ts [--quick]` prints the section.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROUTES } from '../test/helpers/fixtures.js';
import { startJwksServer } from '../test/helpers/jwks-server.js';
import { signToken } from '../test/helpers/keys.js';
import { bundle, bundleOptions, OUT } from './cold-start.js';
import { AUDIENCE, benchKeys, ISSUER, liveClaims } from './common.js';
import { fmt, median, quantileSorted } from './stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const RUNNER = `const t0 = performance.now();
const { handler } = await import(process.argv[2]);
const t1 = performance.now();
const gap = Number(process.env.BENCH_GAP_MS);
if (gap > 0) await new Promise((r) => setTimeout(r, gap));
const arn = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/dev/GET/orders/42';
const context = { awsRequestId: 'first', getRemainingTimeInMillis: () => 5000 };
const t2 = performance.now();
let outcome;
try {
  const r = await handler({ type: 'TOKEN', methodArn: arn, authorizationToken: 'Bearer ' + process.env.BENCH_TOKEN }, context);
  outcome = r.policyDocument.Statement[0].Effect;
} catch (err) {
  outcome = err.message;
}
const t3 = performance.now();
process.stdout.write(JSON.stringify({ initMs: t1 - t0, firstMs: t3 - t2, outcome }) + '\\n');
process.exit(0);
`;

export interface FirstRequestRow {
  readonly variant: string;
  readonly gapMs: number;
  readonly samples: number;
  readonly initMs: number;
  readonly firstMs: number;
  readonly firstP90Ms: number;
  readonly jwksRequestsPerProcess: number;
  readonly allAllowed: boolean;
}

export interface FirstRequestResult {
  readonly jwksDelayMs: number;
  readonly rows: FirstRequestRow[];
}

function runOnce(runner: string, file: string, env: NodeJS.ProcessEnv): Promise<{ initMs: number; firstMs: number; outcome: string }> {
  return new Promise((resolve, reject) => {
    // Asynchronous: the JWKS server runs in this process and must keep answering.
    execFile(process.execPath, [runner, file], { env, encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`first-request sample failed: ${err.message} ${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as { initMs: number; firstMs: number; outcome: string });
    });
  });
}

const p90 = (xs: readonly number[]) => quantileSorted([...xs].sort((a, b) => a - b), 0.9);

export async function runFirstRequest(opts: { processes: number; jwksDelayMs: number; gapsMs: readonly number[] }, log: (line: string) => void): Promise<FirstRequestResult> {
  mkdirSync(OUT, { recursive: true });
  const options = bundleOptions();
  const runner = join(OUT, 'first-request-runner.mjs');
  writeFileSync(runner, RUNNER);
  const variants = [
    { name: 'with prefetch (functions/authorizer/handler.ts)', file: (await bundle('handler', join(ROOT, 'functions', 'authorizer', 'handler.ts'), options)).file },
    { name: 'without prefetch (bench/no-prefetch-handler.ts)', file: (await bundle('handler-no-prefetch', join(ROOT, 'bench', 'no-prefetch-handler.ts'), options)).file },
  ];
  const key = benchKeys().ES256;
  const server = await startJwksServer([key.publicJwk]);
  server.delayMs = opts.jwksDelayMs;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    JWT_ISSUER: ISSUER,
    JWKS_URI: server.url,
    AUDIENCE_BY_STAGE: JSON.stringify({ dev: AUDIENCE }),
    ROUTE_PERMISSIONS: JSON.stringify(ROUTES),
    REPLAY_PROTECTION: 'off',
    JWT_ALGORITHMS: 'ES256',
    BENCH_TOKEN: signToken(key, { payload: liveClaims() }),
  };
  const rows: FirstRequestRow[] = [];
  try {
    for (const gapMs of opts.gapsMs) {
      const samples = variants.map(() => ({ init: [] as number[], first: [] as number[], allowed: true, requests: 0 }));
      for (let r = 0; r < opts.processes; r++) {
        for (let k = 0; k < variants.length; k++) {
          const idx = (r + k) % variants.length; // A/B alternating
          const before = server.requests;
          const s = await runOnce(runner, variants[idx]!.file, { ...env, BENCH_GAP_MS: String(gapMs) });
          samples[idx]!.init.push(s.initMs);
          samples[idx]!.first.push(s.firstMs);
          samples[idx]!.allowed &&= s.outcome === 'Allow';
          samples[idx]!.requests += server.requests - before;
        }
      }
      variants.forEach((v, i) =>
        rows.push({
          variant: v.name,
          gapMs,
          samples: opts.processes,
          initMs: median(samples[i]!.init),
          firstMs: median(samples[i]!.first),
          firstP90Ms: p90(samples[i]!.first),
          jwksRequestsPerProcess: samples[i]!.requests / opts.processes,
          allAllowed: samples[i]!.allowed,
        }),
      );
      log(`  first request: ${opts.processes} processes per variant, gap ${gapMs} ms`);
    }
  } finally {
    await server.close();
  }
  return { jwksDelayMs: opts.jwksDelayMs, rows };
}

/** The section of bench/RESULTS.md. */
export function renderFirstRequest(r: FirstRequestResult): string[] {
  const out: string[] = [];
  out.push('## 5. First request after a cold start (JWKS prefetch at init)', '');
  out.push(
    `Each sample is a fresh \`node\` process: \`await import(bundle)\` (init), an idle gap (0 ms: the invoke follows init at once, as for an on-demand cold start; larger: an environment initialized ahead of its first request), then one REST TOKEN request with a valid ES256 token, \`REPLAY_PROTECTION=off\`. The JWKS is served on loopback with an artificial ${r.jwksDelayMs} ms delay (the identity provider's round trip). A/B alternating, medians.`,
    '',
  );
  out.push('| Variant | gap ms | processes | init ms (median) | first request ms (median) | first request ms (p90) | JWKS requests per process | all allowed |');
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of r.rows) {
    out.push(`| ${row.variant} | ${row.gapMs} | ${row.samples} | ${fmt(row.initMs)} | ${fmt(row.firstMs)} | ${fmt(row.firstP90Ms)} | ${row.jwksRequestsPerProcess.toFixed(2)} | ${row.allAllowed ? 'yes' : 'no'} |`);
  }
  out.push('');
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const quick = process.argv.includes('--quick');
  const gaps = process.argv.includes('--gap-only') ? [1000] : [0, 150, 1000];
  const result = await runFirstRequest({ processes: quick ? 3 : 15, jwksDelayMs: 80, gapsMs: gaps }, (l) => process.stderr.write(`${l}\n`));
  process.stdout.write(`${renderFirstRequest(result).join('\n')}\n`);
}
