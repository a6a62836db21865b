/**
 * `npm run bench`: runs every section in one process (cold starts in child processes) and writes
 * the git-ignored bench/.results/RESULTS.md, or the committed bench/RESULTS.md with `--update-results`
 * (or BENCH_UPDATE_RESULTS=1). `--quick` shortens every section for a smoke test (its numbers are not meaningful).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBreakdown } from './breakdown.js';
import { sinkStats } from './common.js';
import { runColdStart } from './cold-start.js';
import { runFirstRequest } from './first-request.js';
import { runIssuers } from './issuers.js';
import { runJwksFlood } from './jwks-flood.js';
import { renderReport, targetLines } from './report.js';
import { resultsFile } from './results-path.js';
import { renderReplayLoad, runReplayLoad } from './replay-load.js';
import { runRevocation } from './revocation.js';
import { runSingleUse } from './single-use.js';
import { runWarm } from './warm.js';
import { dpopLines, runDpopBench } from './dpop.js';

// Constructed clients and loggers read these; nothing may reach a real endpoint or the terminal.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
process.env['AWS_ACCESS_KEY_ID'] = 'test';
process.env['AWS_SECRET_ACCESS_KEY'] = 'test';
process.env['AWS_REGION'] = 'us-east-1';
delete process.env['POWERTOOLS_DEV'];
delete process.env['POWERTOOLS_METRICS_DISABLED'];
delete process.env['POWERTOOLS_LOG_LEVEL'];

const quick = process.argv.includes('--quick');
const log = (line: string) => process.stderr.write(`${line}\n`);
const startedAt = new Date();
const t0 = performance.now();
const loadBefore = loadavg();

log(`bench: ${quick ? 'QUICK smoke run' : 'full run'} on Node ${process.version}`);
// Many short rounds rather than a few long ones: the shared machine's speed drifts by a third within
// seconds, and rotating variants often spreads that drift evenly over them.
const warmRounds = quick ? 3 : 25;
const warm = await runWarm({ rounds: warmRounds, batchMs: quick ? 60 : 70 }, log);
const dpop = await runDpopBench({ rounds: quick ? 3 : 25, opsPerRound: quick ? 200 : 1000 }, log);
const breakdown = await runBreakdown({ rounds: quick ? 3 : 41, opsPerRound: quick ? 100 : 400 }, log);
const singleUse = await runSingleUse({ rounds: quick ? 3 : 9, opsPerRound: quick ? 60 : 200 }, log);
const revocation = await runRevocation({ rounds: quick ? 3 : 9, opsPerRound: quick ? 60 : 200 }, log);
const coldStart = await runColdStart({ processes: quick ? 4 : 41, partProcesses: quick ? 2 : 11 }, log);
const flood = await runJwksFlood({ tokens: 1000, concurrency: 50 }, log);
const firstRequest = await runFirstRequest({ processes: quick ? 3 : 15, jwksDelayMs: 80, gapsMs: [0, 150, 1000] }, log);
const replayLoad = await runReplayLoad({ tokens: quick ? 100 : 500, concurrency: 50 }, log);
const issuers = await runIssuers({ rounds: quick ? 3 : 25, opsPerRound: quick ? 100 : 1000 }, log);

const report = {
  startedAt,
  durationSec: (performance.now() - t0) / 1000,
  loadBefore,
  warm,
  warmRounds,
  breakdown,
  singleUse,
  revocation,
  coldStart,
  flood,
  firstRequest,
  issuers,
  sink: { ...sinkStats },
};
const { file, committed } = resultsFile(dirname(fileURLToPath(import.meta.url)), process.argv.slice(2), process.env);
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, renderReport(report) + renderReplayLoad(replayLoad));
for (const t of targetLines(report)) log(`${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.measured} (target ${t.target})`);
for (const line of dpopLines(dpop)) log(`DPoP  ${line}`);
log(`${replayLoad.pass ? 'PASS' : 'FAIL'}  replay load: ${replayLoad.firstAllowed}/${replayLoad.tokens} first uses allowed, ${replayLoad.replayRefused}/${replayLoad.tokens} replays refused`);
log(`bench: wrote ${file} in ${report.durationSec.toFixed(0)} s${committed ? '' : ' (git-ignored; npm run bench -- --update-results rewrites the committed bench/RESULTS.md)'}`);
