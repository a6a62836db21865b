/**
 * Deploying a stage from configuration the user owns, not from our source: `config/<stage>.json` (or the
 * file given with `-c config=<path>`) holds the issuer, audiences, routes and the stage's operational
 * settings. It is checked at synth twice: its shape (unknown keys are typos and refused), then the
 * function's own `parseConfig` on the environment it produces, so a value the function would refuse
 * at cold start fails `cdk synth` with the same message, naming the variable and the file.
 *
 * Without a file the demo stages (`dev`, `staging`, `prod`) synthesize with their placeholder settings
 * and a notice, so `npm run synth` and the tests work offline on a fresh clone.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as z from 'zod';
import { parseConfig } from '../lib/config.js';
import { ENV, SUPPORTED_ALGORITHMS } from '../lib/env-names.js';
import { DPOP_ALGORITHM_NAMES, type DpopAlgorithm } from '../lib/dpop-config.js';
import { DEMO_ROUTES, type RoutePermission } from './routes.js';
import { STAGE_NAMES, STAGES, type StageSettings } from './stages.js';

/** API Gateway stage names: letters, digits, `-` and `_`, at most 128 characters. */
const STAGE_NAME = /^[A-Za-z0-9_-]{1,128}$/;

const nonEmpty = z.string().trim().min(1);
const audience = z.union([nonEmpty, z.array(nonEmpty).min(1)]);
const seconds = z.number().int().min(0);

/** The file's shape. Every field but `issuer` and `audience` has a default (the demo stage's, or prod-like). */
const STAGE_FILE_SCHEMA = z.strictObject({
  $schema: z.optional(z.string()),
  issuer: nonEmpty,
  jwksUri: z.optional(nonEmpty),
  audience,
  audienceClaim: z.optional(z.enum(['aud', 'client_id'])),
  algorithms: z.optional(z.array(z.enum(SUPPORTED_ALGORITHMS)).min(1)),
  clockSkewSeconds: z.optional(seconds),
  maxTokenLifetimeSeconds: z.optional(seconds),
  tokenTypes: z.optional(z.array(nonEmpty).min(1)),
  scopeClaims: z.optional(z.array(nonEmpty).min(1)),
  routes: z.optional(z.array(z.strictObject({ route: nonEmpty, scopes: z.array(nonEmpty) })).min(1)),
  logLevel: z.optional(z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR'])),
  throttling: z.optional(z.strictObject({ rateLimit: z.number().positive(), burstLimit: z.number().int().positive() })),
  replayProtection: z.optional(z.enum(['single-use', 'off'])),
  resultsCacheTtlSeconds: z.optional(seconds.max(3600)),
  httpApiResponse: z.optional(z.enum(['simple', 'iam'])),
  restAuthorizerType: z.optional(z.enum(['TOKEN', 'REQUEST'])),
  removalPolicy: z.optional(z.enum(['retain', 'destroy'])),
  logRetentionDays: z.optional(z.nativeEnum(RetentionDays)),
  manageApiGatewayCloudWatchRole: z.optional(z.boolean()),
  provisionedConcurrency: z.optional(z.number().int().min(0)),
  dpop: z.optional(
    z.strictObject({
      mode: z.enum(['off', 'allowed', 'required']),
      algorithms: z.optional(z.array(z.enum(DPOP_ALGORITHM_NAMES as unknown as [DpopAlgorithm, ...DpopAlgorithm[]])).min(1)),
      proofMaxAgeSeconds: z.optional(z.number().int()),
      origins: z.optional(z.array(nonEmpty).min(1)),
    }),
  ),
  cors: z.optional(z.strictObject({ allowOrigins: z.array(nonEmpty).min(1), allowHeaders: z.optional(z.array(nonEmpty)), allowMethods: z.optional(z.array(nonEmpty)) })),
  env: z.optional(z.strictObject({ account: z.optional(z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id')), region: z.optional(nonEmpty) })),
});

/** What the app deploys for one stage, and where it came from. */
export interface LoadedStage {
  readonly settings: StageSettings;
  readonly routes: readonly RoutePermission[];
  /** The file read, or `undefined` for the demo placeholders. */
  readonly source: string | undefined;
  /** Printed on stderr at synth when the demo placeholders are used. */
  readonly notice: string | undefined;
}

/** Throws the synth-stopping error, always naming the file. */
function fail(file: string, message: string): never {
  throw new Error(`${file}: ${message}`);
}

/** Settings a stage without a demo counterpart starts from: prod-like (retain data, INFO logs). */
const NEW_STAGE_BASE: Omit<StageSettings, 'stageName' | 'audience'> = { ...STAGES.prod };

/**
 * The stage named with `-c stage=<name>`, configured from `-c config=<path>`, else `config/<name>.json`,
 * else (demo stages only) the placeholders in `stages.ts`.
 * @param root the directory `config/` is looked up in (the app's working directory)
 * @throws Error naming the file and the field, or the variable the function would refuse
 */
export function loadStage(stage: unknown, configPath: unknown, root = process.cwd()): LoadedStage {
  if (stage === undefined || stage === null || stage === '') {
    throw new Error(`No stage given. Choose one with -c stage=<name>, e.g. npx cdk synth -c stage=dev (demo stages: ${STAGE_NAMES.join(', ')}; any other stage needs config/<name>.json or -c config=<file>)`);
  }
  if (typeof stage !== 'string' || !STAGE_NAME.test(stage)) throw new Error(`Invalid stage "${String(stage)}": use letters, digits, - and _ (API Gateway stage names).`);
  if (configPath !== undefined && (typeof configPath !== 'string' || configPath.trim() === '')) throw new Error('-c config=<path> needs a file path');
  const file = configPath !== undefined ? resolve(root, configPath as string) : join(root, 'config', `${stage}.json`);
  const shown = configPath !== undefined ? (configPath as string) : `config/${stage}.json`;
  const demo = (STAGE_NAMES as readonly string[]).includes(stage) ? STAGES[stage as keyof typeof STAGES] : undefined;
  if (!existsSync(file)) {
    if (configPath !== undefined) throw new Error(`${shown}: no such file (given with -c config=${shown})`);
    if (!demo) throw new Error(`Unknown stage "${stage}": create config/${stage}.json (copy config/prod.example.json) or pass -c config=<file>. Demo stages: ${STAGE_NAMES.join(', ')}.`);
    return {
      settings: demo,
      routes: DEMO_ROUTES,
      source: undefined,
      notice:
        `notice: no config/${stage}.json, so stage ${stage} uses the demo placeholders (issuer ${demo.issuer}, audience ${String(demo.audience)}), ` +
        `which verify no real token. To deploy: cp config/${stage}.example.json config/${stage}.json, set your issuer and audience, then npx cdk diff -c stage=${stage}.`,
    };
  }
  return { ...fromFile(file, shown, stage, demo), source: shown, notice: undefined };
}

function fromFile(file: string, shown: string, stage: string, demo: StageSettings | undefined): { settings: StageSettings; routes: readonly RoutePermission[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    fail(shown, `cannot read it as JSON (${(err as Error).message})`);
  }
  const parsed = STAGE_FILE_SCHEMA.safeParse(raw);
  if (!parsed.success) {
    fail(shown, parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; '));
  }
  const c = parsed.data;
  const base = demo ?? NEW_STAGE_BASE;
  const settings: StageSettings = {
    ...base,
    stageName: stage,
    env: c.env ?? base.env,
    issuer: c.issuer,
    jwksUri: c.jwksUri,
    audience: c.audience,
    audienceClaim: c.audienceClaim ?? base.audienceClaim,
    algorithms: c.algorithms ?? base.algorithms,
    clockSkewSeconds: c.clockSkewSeconds ?? base.clockSkewSeconds,
    maxTokenLifetimeSeconds: c.maxTokenLifetimeSeconds ?? base.maxTokenLifetimeSeconds,
    tokenTypes: c.tokenTypes ?? base.tokenTypes,
    scopeClaims: c.scopeClaims ?? base.scopeClaims,
    logLevel: c.logLevel ?? base.logLevel,
    throttlingRateLimit: c.throttling?.rateLimit ?? base.throttlingRateLimit,
    throttlingBurstLimit: c.throttling?.burstLimit ?? base.throttlingBurstLimit,
    replayProtection: c.replayProtection ?? base.replayProtection,
    resultsCacheTtlSeconds: c.resultsCacheTtlSeconds ?? base.resultsCacheTtlSeconds,
    httpApiResponse: c.httpApiResponse ?? base.httpApiResponse,
    restAuthorizerType: c.restAuthorizerType ?? base.restAuthorizerType,
    removalPolicy: c.removalPolicy === undefined ? base.removalPolicy : c.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    logRetention: c.logRetentionDays ?? base.logRetention,
    manageApiGatewayCloudWatchRole: c.manageApiGatewayCloudWatchRole ?? base.manageApiGatewayCloudWatchRole,
    provisionedConcurrency: c.provisionedConcurrency ?? base.provisionedConcurrency,
    cors: c.cors ?? base.cors,
    // A file's own `dpop` replaces the demo stage's (`{"mode": "off"}` turns it off).
    dpop: c.dpop === undefined ? base.dpop : { mode: c.dpop.mode, algorithms: c.dpop.algorithms, proofMaxAge: c.dpop.proofMaxAgeSeconds, origins: c.dpop.origins },
  };
  const routes = c.routes ?? DEMO_ROUTES;
  checkWithFunction(shown, settings, routes);
  return { settings, routes };
}

/** The environment the construct will give the function, through the function's own parser. */
function checkWithFunction(shown: string, s: StageSettings, routes: readonly RoutePermission[]): void {
  const env: Record<string, string> = {
    [ENV.issuer]: s.issuer,
    [ENV.audienceByStage]: JSON.stringify({ [s.stageName]: s.audience }),
    [ENV.audienceClaim]: s.audienceClaim,
    [ENV.algorithms]: s.algorithms.join(','),
    [ENV.clockSkewSeconds]: String(s.clockSkewSeconds),
    [ENV.maxTokenLifetimeSeconds]: String(s.maxTokenLifetimeSeconds),
    [ENV.tokenTypes]: s.tokenTypes.join(','),
    [ENV.scopeClaims]: s.scopeClaims.join(','),
    [ENV.routePermissions]: JSON.stringify(routes),
    [ENV.replayProtection]: s.replayProtection,
    [ENV.httpApiResponse]: s.httpApiResponse,
  };
  if (s.jwksUri !== undefined) env[ENV.jwksUri] = s.jwksUri;
  const dpop = s.dpop && s.dpop.mode !== 'off' ? s.dpop : undefined;
  if (dpop) {
    env[ENV.dpopMode] = dpop.mode;
    if (dpop.algorithms) env[ENV.dpopAlgorithms] = dpop.algorithms.join(',');
    if (dpop.proofMaxAge !== undefined) env[ENV.dpopProofMaxAgeSeconds] = String(typeof dpop.proofMaxAge === 'number' ? dpop.proofMaxAge : dpop.proofMaxAge.toSeconds());
    if (dpop.origins) env[ENV.dpopOrigins] = dpop.origins.join(',');
  }
  if (s.replayProtection === 'single-use' || dpop) env[ENV.replayTableName] = 'replay-table';
  try {
    parseConfig(env);
  } catch (err) {
    fail(shown, `the function would refuse this configuration at cold start: ${(err as Error).message}`);
  }
}
