/**
 * Section 3: cold start. Bundles the handler as the CDK app does (mirroring cdk/jwt-authorizer.ts when it
 * exists) and a DynamoDB-only baseline with the same options, then times `await import(bundle)` in fresh
 * `node` processes, alternating A/B. Also bundles the handler's dependencies one by one for a breakdown.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { AUTHORIZER_BUNDLING, RUNTIME_NODE_MAJOR } from '../cdk/bundling.js';
import { ROUTES } from '../test/helpers/fixtures.js';
import { median } from './stats.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the bundles and runner scripts go. */
export const OUT = join(ROOT, 'bench', '.build');

/** The esbuild options the bundles share, and where they came from. */
export interface BundleOptions {
  readonly source: string;
  readonly minify: boolean;
  readonly sourcemap: boolean;
  readonly sourcesContent: boolean;
  readonly target: string;
  readonly banner: string;
  readonly external: readonly string[];
  readonly mainFields: readonly string[];
  readonly notes: readonly string[];
}

/** The function's own bundling settings (cdk/bundling.ts, which the construct uses too). */
export function bundleOptions(): BundleOptions {
  const b = AUTHORIZER_BUNDLING;
  const notes: string[] = [];
  if (RUNTIME_NODE_MAJOR !== Number(process.versions.node.split('.')[0])) {
    notes.push(`the function runs on Node ${RUNTIME_NODE_MAJOR} (target ${b.target}); these processes run Node ${process.versions.node}`);
  }
  return {
    source: 'cdk/bundling.ts (the construct bundles with the same settings)',
    minify: b.minify,
    sourcemap: b.sourceMap,
    sourcesContent: b.sourcesContent,
    target: b.target,
    banner: b.banner,
    external: b.externalModules,
    mainFields: b.mainFields,
    notes,
  };
}

export interface Bundle {
  readonly name: string;
  readonly file: string;
  readonly bytes: number;
  readonly mapBytes: number;
  readonly metafile: Metafile;
}

/** Bundles `entry` as the construct would, into bench/.build/<name>.mjs. */
export async function bundle(name: string, entry: string, opts: BundleOptions): Promise<Bundle> {
  const file = join(OUT, `${name}.mjs`);
  const result = await build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: opts.target,
    minify: opts.minify,
    sourcemap: opts.sourcemap,
    sourcesContent: opts.sourcesContent,
    banner: opts.banner ? { js: opts.banner } : undefined,
    external: [...opts.external],
    mainFields: [...opts.mainFields],
    metafile: true,
    logLevel: 'error',
    absWorkingDir: ROOT,
  });
  writeFileSync(join(OUT, `${name}.meta.json`), JSON.stringify(result.metafile));
  return {
    name,
    file,
    bytes: statSync(file).size,
    mapBytes: existsSync(`${file}.map`) ? statSync(`${file}.map`).size : 0,
    metafile: result.metafile,
  };
}

const RUNNER = `const t0 = performance.now();
const mod = await import(process.argv[2]);
const t1 = performance.now();
if (!mod || Object.keys(mod).length === 0) process.exit(3);
process.stdout.write(JSON.stringify({ importMs: t1 - t0, totalMs: t1 }) + '\\n');
// The handler starts its JWKS prefetch at init; nothing else is measured, so do not wait for it.
process.exit(0);
`;

/** The environment the handler's cold start needs; nothing else from the parent leaks in. */
function childEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    JWT_ISSUER: 'https://issuer.example.com',
    JWKS_URI: 'https://issuer.example.com/.well-known/jwks.json',
    AUDIENCE_BY_STAGE: JSON.stringify({ dev: 'api-dev', prod: ['api', 'api-prod'] }),
    ROUTE_PERMISSIONS: JSON.stringify(ROUTES),
    REPLAY_TABLE_NAME: 'replay-table',
  };
}

function importOnce(runner: string, file: string, env: NodeJS.ProcessEnv): { importMs: number; totalMs: number } {
  const r = spawnSync(process.execPath, [runner, file], { env, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`cold start of ${relative(ROOT, file)} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { importMs: number; totalMs: number };
}

/** Medians over fresh processes; `files` alternate A, B, C, ... within each repetition. */
function alternate(runner: string, files: readonly string[], reps: number, env: NodeJS.ProcessEnv | readonly NodeJS.ProcessEnv[]): { importMs: number; totalMs: number }[] {
  const envOf = (i: number) => (Array.isArray(env) ? (env as readonly NodeJS.ProcessEnv[])[i]! : (env as NodeJS.ProcessEnv));
  const samples = files.map(() => ({ importMs: [] as number[], totalMs: [] as number[] }));
  files.forEach((f, i) => importOnce(runner, f, envOf(i))); // warm the page cache
  for (let r = 0; r < reps; r++) {
    for (let k = 0; k < files.length; k++) {
      const idx = (r + k) % files.length;
      const s = importOnce(runner, files[idx]!, envOf(idx));
      samples[idx]!.importMs.push(s.importMs);
      samples[idx]!.totalMs.push(s.totalMs);
    }
  }
  return samples.map((s) => ({ importMs: median(s.importMs), totalMs: median(s.totalMs) }));
}

/** The biggest inputs of a bundle, by bytes in the output, grouped by package. */
export function topPackages(meta: Metafile, limit = 12): { name: string; bytes: number }[] {
  const byPkg = new Map<string, number>();
  for (const output of Object.values(meta.outputs)) {
    for (const [path, info] of Object.entries(output.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const pkg = m ? m[1]! : path.startsWith('lib/') || path.startsWith('functions/') ? '(project: lib/, functions/)' : path;
      byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + info.bytesInOutput);
    }
  }
  return [...byPkg].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes).slice(0, limit);
}

/** What the handler imports, one bundle each, for the breakdown. */
const PARTS: Record<string, string> = {
  '@middy/core': `import middy from '@middy/core'; export const x = [middy];`,
  'jose (createRemoteJWKSet, errors)': `import { createRemoteJWKSet, customFetch, errors } from 'jose'; export const x = [createRemoteJWKSet, customFetch, errors];`,
  'zod/mini (what lib/config.ts uses)': `import * as z from 'zod/mini'; export const x = [z.object({ a: z.string() })];`,
  'zod classic API (for comparison; not used)': `import { z } from 'zod'; export const x = [z.object({ a: z.string() })];`,
  '@aws-sdk/client-dynamodb (client + PutItem)': `import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb'; export const x = [DynamoDBClient, PutItemCommand];`,
  'empty module (node + runner floor)': `export const x = 1;`,
};

export interface ColdStartResult {
  readonly options: BundleOptions;
  readonly handler: Bundle;
  readonly baseline: Bundle;
  readonly handlerMs: { importMs: number; totalMs: number };
  readonly baselineMs: { importMs: number; totalMs: number };
  readonly processes: number;
  readonly parts: { name: string; bytes: number; importMs: number }[];
  readonly partProcesses: number;
}

export interface ColdStartOptions {
  readonly processes: number;
  readonly partProcesses: number;
}

export async function runColdStart(opts: ColdStartOptions, log: (line: string) => void): Promise<ColdStartResult> {
  mkdirSync(OUT, { recursive: true });
  const options = bundleOptions();
  const runner = join(OUT, 'import-runner.mjs');
  writeFileSync(runner, RUNNER);
  const handler = await bundle('handler', join(ROOT, 'functions', 'authorizer', 'handler.ts'), options);
  const baseline = await bundle('baseline-dynamodb', join(ROOT, 'bench', 'cold-start-baseline.ts'), options);
  const env = childEnv();
  const [handlerMs, baselineMs] = alternate(runner, [handler.file, baseline.file], opts.processes, env);
  log(`  cold start: ${opts.processes} processes per bundle, alternating`);

  const partBundles: Bundle[] = [];
  for (const [i, [name, code]] of Object.entries(PARTS).entries()) {
    const entry = join(OUT, `part-${i}-entry.mjs`); // .mjs: tsc (which includes bench/) must not see it
    writeFileSync(entry, code);
    partBundles.push({ ...(await bundle(`part-${i}`, entry, options)), name });
  }
  const partMs = alternate(runner, partBundles.map((b) => b.file), opts.partProcesses, env);
  log(`  cold start breakdown: ${opts.partProcesses} processes per part`);
  return {
    options,
    handler,
    baseline,
    handlerMs: handlerMs!,
    baselineMs: baselineMs!,
    processes: opts.processes,
    parts: partBundles.map((b, i) => ({ name: b.name, bytes: b.bytes, importMs: partMs[i]!.importMs })),
    partProcesses: opts.partProcesses,
  };
}
