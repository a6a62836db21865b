/** Renders bench/RESULTS.md from the measurements. */
import { cpus, totalmem, platform, release, arch } from 'node:os';
import { BREAKDOWN_LAYERS, type BreakdownResult } from './breakdown.js';
import type { ColdStartResult } from './cold-start.js';
import { topPackages } from './cold-start.js';
import { renderFirstRequest, type FirstRequestResult } from './first-request.js';
import type { FloodScenario } from './jwks-flood.js';
import { ISSUER_VARIANTS, type IssuersResult } from './issuers.js';
import { revocationSection, type RevocationResult } from './revocation.js';
import type { SingleUseResult } from './single-use.js';
import { SINGLE_USE_VARIANTS } from './single-use.js';
import { fmt, int, median, type Summary } from './stats.js';
import type { WarmResult } from './warm.js';
import { WARM_VARIANTS } from './warm.js';

/** Targets of issue 6. */
export const TARGETS = { ES256: 1.3, RS256: 1.6, singleUse: 1.1, coldStart: 1.15, issuers: 1.05 } as const;

const verdict = (ok: boolean) => (ok ? '**PASS**' : '**FAIL**');

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `| ${head.map((_h, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export interface Report {
  readonly startedAt: Date;
  readonly durationSec: number;
  readonly loadBefore: readonly number[];
  readonly warm: WarmResult[];
  readonly warmRounds: number;
  readonly breakdown: BreakdownResult;
  readonly singleUse: SingleUseResult;
  readonly revocation: RevocationResult;
  readonly coldStart: ColdStartResult;
  readonly flood: FloodScenario[];
  readonly firstRequest: FirstRequestResult;
  readonly issuers: IssuersResult;
  readonly sink: { writes: number; bytes: number };
}

/** A target's outcome, also printed on the console. */
export interface TargetLine {
  readonly name: string;
  readonly target: string;
  readonly measured: string;
  readonly pass: boolean;
}

export function targetLines(r: Report): TargetLine[] {
  const lines: TargetLine[] = [];
  for (const w of r.warm) {
    const raw = w.results.get(WARM_VARIANTS[0])!;
    const ours = w.results.get(WARM_VARIANTS[1])!;
    const aws = w.results.get(WARM_VARIANTS[3])!;
    const limit = w.alg === 'ES256' ? TARGETS.ES256 : w.alg === 'RS256' ? TARGETS.RS256 : undefined;
    if (limit !== undefined) {
      lines.push({ name: `${w.alg} warm decision vs raw verify (p50)`, target: `≤ ${limit}×`, measured: `${fmt(ours.p50 / raw.p50, 2)}×`, pass: ours.p50 / raw.p50 <= limit });
      lines.push({
        name: `${w.alg} warm decision vs raw verify (throughput)`,
        target: `≤ ${limit}×`,
        measured: `${fmt(raw.opsPerSec / ours.opsPerSec, 2)}×`,
        pass: raw.opsPerSec / ours.opsPerSec <= limit,
      });
    }
    lines.push({
      name: `${w.alg} warm decision below aws-jwt-verify bare verify (p50 and ops/s)`,
      target: `< ${fmt(aws.p50)} µs, > ${int(aws.opsPerSec)} ops/s`,
      measured: `${fmt(ours.p50)} µs, ${int(ours.opsPerSec)} ops/s`,
      pass: ours.p50 < aws.p50 && ours.opsPerSec > aws.opsPerSec,
    });
  }
  const bare = r.singleUse.results.get(SINGLE_USE_VARIANTS[0])!;
  for (const [variant, alg] of [[SINGLE_USE_VARIANTS[1], 'ES256'], [SINGLE_USE_VARIANTS[2], 'RS256']] as const) {
    const su = r.singleUse.results.get(variant)!;
    lines.push({ name: `${alg} single-use decision vs bare PutItem (p50)`, target: `≤ ${TARGETS.singleUse}×`, measured: `${fmt(su.p50 / bare.p50, 2)}×`, pass: su.p50 / bare.p50 <= TARGETS.singleUse });
    lines.push({
      name: `${alg} single-use decision vs bare PutItem (throughput)`,
      target: `≤ ${TARGETS.singleUse}×`,
      measured: `${fmt(bare.opsPerSec / su.opsPerSec, 2)}×`,
      pass: bare.opsPerSec / su.opsPerSec <= TARGETS.singleUse,
    });
  }
  for (const c of r.singleUse.counts) {
    lines.push({
      name: `DynamoDB requests per ${c.label}`,
      target: `${c.expected}`,
      measured: `${fmt(c.middleware, 2)} (server ${fmt(c.server, 2)})`,
      pass: c.middleware === c.expected && c.server === c.expected,
    });
  }
  const cs = r.coldStart;
  lines.push({
    name: 'cold start: handler import vs DynamoDB-only import',
    target: `≤ ${TARGETS.coldStart}×`,
    measured: `${fmt(cs.handlerMs.importMs / cs.baselineMs.importMs, 2)}×`,
    pass: cs.handlerMs.importMs / cs.baselineMs.importMs <= TARGETS.coldStart,
  });
  for (const f of r.flood) {
    lines.push({
      name: `JWKS flood, ${f.label}: fetches`,
      target: `≤ ${f.budget} (1 per 30 s window)`,
      measured: `${f.fetchesTotal}`,
      pass: f.fetchesTotal <= f.budget && f.allRejected401 && f.validAfterwards,
    });
  }
  lines.push({
    name: 'warm decision, 20 issuers vs one (paired p50)',
    target: `≤ ${TARGETS.issuers}×`,
    measured: `${fmt(r.issuers.pairedP50Ratio, 3)}×`,
    pass: r.issuers.pairedP50Ratio <= TARGETS.issuers,
  });
  return lines;
}

function summaryRow(name: string, s: Summary, base: Summary): string[] {
  return [name, int(s.opsPerSec), fmt(s.p50), fmt(s.p99), `${fmt(s.p50 / base.p50, 2)}×`, `${fmt(base.opsPerSec / s.opsPerSec, 2)}×`];
}

export function renderReport(r: Report): string {
  const cpu = cpus();
  const out: string[] = [];
  out.push('# Benchmark results (`npm run bench`)', '');
  out.push(`Generated by \`bench/run.ts\` on ${r.startedAt.toISOString()} in ${fmt(r.durationSec, 0)} s. Regenerate with \`npm run bench\`; every number below comes from one run.`, '');
  out.push('## Machine', '');
  out.push(
    table(
      ['Property', 'Value'],
      [
        ['CPU', `${cpu[0]?.model ?? 'unknown'}${cpu[0]?.speed ? ` @ ${cpu[0].speed} MHz` : ''}`],
        ['Logical cores', String(cpu.length)],
        ['Memory', `${fmt(totalmem() / 2 ** 30, 1)} GiB`],
        ['OS', `${platform()} ${release()} ${arch()}`],
        ['Node.js', process.version],
        ['OpenSSL', process.versions.openssl ?? '?'],
        ['Load average before run (1/5/15 min)', r.loadBefore.map((l) => fmt(l, 2)).join(' / ')],
        ['Date', r.startedAt.toISOString()],
      ],
    ),
    '',
  );
  out.push('## Targets', '');
  out.push(table(['Target', 'Limit', 'Measured', 'Verdict'], targetLines(r).map((t) => [t.name, t.target, t.measured, verdict(t.pass)])), '');

  out.push('## 1. Warm decision (JWKS cached, `REPLAY_PROTECTION=off`)', '');
  out.push(
    `"ours" is the real \`createAuthorizer\` handler (middy, the decision log line with its EMF metrics serialized and written to a no-op stream, REST TOKEN event in, IAM policy out); the JWKS came from a loopback HTTP server and was fetched before timing. ` +
      `Baselines verify the same tokens: raw \`crypto.verify\` with a pre-imported KeyObject on the pre-split signing input; jose \`jwtVerify\` with \`createLocalJWKSet\` (issuer, audience, algorithms, clockTolerance 30, requiredClaims exp/iat/sub/jti, maxTokenAge 86400); ` +
      `aws-jwt-verify \`JwtVerifier.verifySync\` after \`cacheJwks\` (issuer, audience, graceSeconds 30, a customJwtCheck for sub/jti/iat/lifetime). ` +
      `Per-op latency from one pair of \`process.hrtime.bigint()\` reads per op; ${r.warmRounds} rounds, variants rotated each round, each value the median of the per-round values. Ratios are against raw (p50: ours/raw; throughput: raw ops/s / ours ops/s).`,
    '',
  );
  for (const w of r.warm) {
    const raw = w.results.get(WARM_VARIANTS[0])!;
    const first = [...w.results.values()][0]!;
    out.push(`### ${w.alg} (${int(first.opsPerRound)} ops per variant per round)`, '');
    out.push(table(['Variant', 'ops/s', 'p50 µs', 'p99 µs', 'p50 × raw', 'throughput × raw'], WARM_VARIANTS.map((n) => summaryRow(n, w.results.get(n)!, raw))), '');
  }

  out.push('### Where the warm time goes (RS256)', '');
  out.push(
    `The same RS256 tokens through cumulative layers of the real code, each including the ones above it: ${r.breakdown.results.get(BREAKDOWN_LAYERS[0])!.rounds} rotated rounds of ${int(r.breakdown.results.get(BREAKDOWN_LAYERS[0])!.opsPerRound)} ops, medians. ` +
      'The increment is what a layer adds here, including the cost of alternating JavaScript and OpenSSL work (each piece costs about twice as much here as alone in a tight loop). Repeat runs move single increments by a few µs.',
    '',
  );
  {
    // Increments are paired per round (both layers timed moments apart), then the median: the machine's
    // speed changes between rounds cancel. Each layer's time is raw plus the increments up to it.
    const rows: string[][] = [];
    const rawLayer = r.breakdown.results.get(BREAKDOWN_LAYERS[0])!;
    let previous: Summary | undefined;
    let total = rawLayer.p50;
    for (const name of BREAKDOWN_LAYERS) {
      const s = r.breakdown.results.get(name)!;
      const prev = previous;
      const increment = prev ? median(s.roundP50s.map((p, i) => p - prev.roundP50s[i]!)) : undefined;
      if (increment !== undefined) total += increment;
      rows.push([name, fmt(total), increment === undefined ? '' : `${increment >= 0 ? '+' : ''}${fmt(increment)}`, `${fmt(total / rawLayer.p50, 2)}×`]);
      previous = s;
    }
    out.push(table(['Layer', 'p50 µs (raw + increments)', 'increment µs (median of per-round differences)', '× raw'], rows), '');
  }

  out.push('## 2. Single-use decision against dynalite', '');
  const bare = r.singleUse.results.get(SINGLE_USE_VARIANTS[0])!;
  out.push(
    `dynalite runs in this process on a random loopback port (table \`pk\` string). Both variants use clients from the production factory \`boundedDynamoClient()\`, pointed at dynalite with AWS_ENDPOINT_URL_DYNAMODB, and the condition \`attribute_not_exists(pk) OR expiresAt < :now\`; every allowed decision uses a fresh pre-minted token (ES256 in one variant, RS256 in the other; the request counts below use ES256). ` +
      `${bare.rounds} rounds of ${bare.opsPerRound} ops, alternating. Requests are counted by a client middleware in the finalizeRequest step (inside the retry loop) and by the dynalite HTTP server.`,
    '',
  );
  out.push(table(['Variant', 'ops/s', 'p50 µs', 'p99 µs', 'p50 × bare', 'throughput × bare'], SINGLE_USE_VARIANTS.map((n) => summaryRow(n, r.singleUse.results.get(n)!, bare))), '');
  out.push(
    table(
      ['Decision', 'Decisions', 'Requests / decision (middleware)', 'Requests / decision (server)', 'Expected', 'p50 µs', 'Verdict'],
      r.singleUse.counts.map((c) => [c.label, String(c.decisions), fmt(c.middleware, 2), fmt(c.server, 2), String(c.expected), fmt(c.p50), verdict(c.middleware === c.expected && c.server === c.expected)]),
    ),
    '',
  );
  out.push('A replayed token is denied by the conditional write itself, so it costs its one request by design; every denial decided before the replay step costs none.', '');

  out.push(...revocationSection(r.revocation, table, fmt));

  const cs = r.coldStart;
  out.push('## 3. Cold start', '');
  out.push(
    `Bundling options from ${cs.options.source}: esbuild, bundle, platform node, format esm, target ${cs.options.target}, minify ${cs.options.minify}, sourcemap ${cs.options.sourcemap}, sourcesContent ${cs.options.sourcesContent}, ` +
      `mainFields ${cs.options.mainFields ? cs.options.mainFields.join(',') : 'esbuild default'}, ` +
      `banner ${cs.options.banner ? '`createRequire` require shim' : 'none'}, externals ${cs.options.external.length ? cs.options.external.map((e) => `\`${e}\``).join(', ') : 'none (everything bundled)'}` +
      '; run without NODE_OPTIONS=--enable-source-maps, as the function is.' +
      (cs.options.notes.length ? ` Notes: ${cs.options.notes.join('; ')}.` : ''),
    '',
  );
  out.push(
    `Each sample is a fresh \`node\` process running a small script that reads \`performance.now()\` before and after \`await import(bundle)\` (handler env: JWT_ISSUER, JWKS_URI https, AUDIENCE_BY_STAGE, ROUTE_PERMISSIONS, REPLAY_TABLE_NAME, AWS_REGION; single-use mode, so the handler also constructs its DynamoDB client). ` +
      `${cs.processes} processes per bundle, A/B alternating, medians. "process" is \`performance.now()\` after the import, i.e. including Node's own start-up.`,
    '',
  );
  out.push(
    table(
      ['Bundle', 'bytes', 'sourcemap bytes', 'import ms (median)', 'process ms (median)'],
      [
        ['handler (functions/authorizer/handler.ts)', int(cs.handler.bytes), int(cs.handler.mapBytes), fmt(cs.handlerMs.importMs, 2), fmt(cs.handlerMs.totalMs, 2)],
        ['baseline (DynamoDBClient + PutItemCommand)', int(cs.baseline.bytes), int(cs.baseline.mapBytes), fmt(cs.baselineMs.importMs, 2), fmt(cs.baselineMs.totalMs, 2)],
        ['ratio handler / baseline', `${fmt(cs.handler.bytes / cs.baseline.bytes, 2)}×`, '', `${fmt(cs.handlerMs.importMs / cs.baselineMs.importMs, 2)}×`, `${fmt(cs.handlerMs.totalMs / cs.baselineMs.totalMs, 2)}×`],
      ],
    ),
    '',
  );
  out.push('Biggest inputs of the handler bundle (esbuild metafile, bytes in output, by package):', '');
  out.push(table(['Package', 'bytes in output'], topPackages(cs.handler.metafile).map((p) => [p.name, int(p.bytes)])), '');
  out.push(`Import time of each dependency bundled alone with the same options (${cs.partProcesses} fresh processes each, alternating; parts share code, so they do not add up):`, '');
  out.push(table(['Part', 'bytes', 'import ms (median)'], cs.parts.map((p) => [p.name, int(p.bytes), fmt(p.importMs, 2)])), '');

  out.push('## 4. JWKS under attack (unknown `kid` flood)', '');
  out.push(
    'Tokens with random unknown `kid`s (otherwise well-formed, ES256) go through the real handler in concurrent chunks; the loopback JWKS server counts every request. The budget is one fetch per started 30 s cooldown window since the authorizer\'s first fetch (the warm-up fetch counts).',
    '',
  );
  out.push(
    table(
      ['Scenario', 'tokens', 'concurrency', 'flood ms', 'fetches during flood', 'fetches total', 'budget', 'all 401', 'valid token still allowed', 'Verdict'],
      r.flood.map((f) => [
        f.label,
        int(f.tokens),
        String(f.concurrency),
        int(f.elapsedMs),
        String(f.fetchesDuringFlood),
        String(f.fetchesTotal),
        String(f.budget),
        f.allRejected401 ? 'yes' : 'no',
        f.validAfterwards ? 'yes' : 'no',
        verdict(f.fetchesTotal <= f.budget && f.allRejected401 && f.validAfterwards),
      ]),
    ),
    '',
  );
  out.push(...renderFirstRequest(r.firstRequest));
  out.push('## 6. Several issuers (`TRUSTED_ISSUERS`)', '');
  out.push(
    'The warm decision (ES256, `REPLAY_PROTECTION=off`) with one `JWT_ISSUER` and with 20 issuers in `TRUSTED_ISSUERS`, in one process, on tokens that differ only in `iss`; the last row spreads tokens over all 20 issuers (20 key caches, 20 header caches). The ratio is the median over rounds of the paired p50 ratio.',
    '',
  );
  const one = r.issuers.results.get(ISSUER_VARIANTS[0])!;
  out.push(table(['Variant', 'ops/s', 'p50 µs', 'p99 µs', 'p50 vs one', 'time vs one'], ISSUER_VARIANTS.map((v) => summaryRow(v, r.issuers.results.get(v)!, one))), '');
  out.push(`Paired p50 ratio, 20 issuers / one: ${fmt(r.issuers.pairedP50Ratio, 3)}×.`, '');
  out.push(`Null sink: ${int(r.sink.writes)} log/metric writes, ${int(r.sink.bytes)} bytes serialized and dropped during the run.`, '');
  return out.join('\n');
}

