/**
 * The authorizer's configuration (design §2): one zod schema over the environment, parsed once at cold
 * start, frozen. A bad value stops the function with a message naming the variable.
 */
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { ENV, SUPPORTED_ALGORITHMS, type Algorithm } from './env-names.js';
import { buildRouteTable, type RouteTable } from './routes.js';

/** The validated, frozen configuration. */
export interface AuthorizerConfig {
  readonly issuer: string;
  readonly jwksUri: string;
  /** Stage name → accepted audiences (a token needs one of them). */
  readonly audienceByStage: ReadonlyMap<string, readonly string[]>;
  readonly audienceClaim: 'aud' | 'client_id';
  readonly algorithms: readonly Algorithm[];
  readonly clockSkewSeconds: number;
  readonly maxTokenLifetimeSeconds: number;
  /** Accepted `typ` values, lower-case without `application/`; `allowAbsent` admits a token without one. */
  readonly tokenTypes: { readonly allowAbsent: boolean; readonly values: ReadonlySet<string> };
  readonly scopeClaims: readonly string[];
  readonly routes: RouteTable;
  readonly replayProtection: 'single-use' | 'off';
  /** Set when `replayProtection` is `single-use`. */
  readonly replayTableName: string | undefined;
  readonly httpApiResponse: 'simple' | 'iam';
}

/** Upper bound of CLOCK_SKEW_SECONDS. */
export const MAX_CLOCK_SKEW_SECONDS = 300;
/** Upper bound of MAX_TOKEN_LIFETIME_SECONDS (30 days). */
export const MAX_LIFETIME_LIMIT_SECONDS = 30 * 86400;

const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** Normalizes a `typ` value for comparison: case-insensitive, `application/` optional (RFC 8725 §3.11). */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

const nonEmpty = z.string().trim().min(1, 'must not be empty');

function jsonOf<T extends z.ZodType>(schema: T) {
  return z.string().transform((text, ctx): z.infer<T> => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
      return z.NEVER;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const where = issue.path.length ? ` at ${issue.path.join('.')}` : '';
        ctx.addIssue({ code: 'custom', message: `${issue.message}${where}` });
      }
      return z.NEVER;
    }
    return parsed.data;
  });
}

function integerIn(min: number, max: number, fallback: number) {
  return z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text.trim() === '') return fallback;
      if (!/^\d+$/.test(text.trim())) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      const value = Number(text);
      if (value < min || value > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return value;
    });
}

function commaList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

const audience = z.union([
  z.string().min(1, 'audience must be a non-empty string'),
  z.array(z.string().min(1, 'audience must be a non-empty string')).min(1, 'audience list must not be empty'),
]);

const audienceByStage = jsonOf(
  z.record(z.string().min(1, 'stage name must not be empty'), audience)
    .refine((o) => Object.keys(o).length > 0, 'must name at least one stage'),
);

const routePermissions = jsonOf(
  z.array(z.strictObject({ route: z.string(), scopes: z.array(z.string()) }))
    .min(1, 'must list at least one route'),
).transform((entries, ctx) => {
  try {
    return buildRouteTable(entries);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const algorithms = z
  .string()
  .optional()
  .transform((text, ctx) => {
    const list = commaList(text ?? 'RS256,ES256');
    if (list.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'must list at least one algorithm' });
      return z.NEVER;
    }
    for (const alg of list) {
      if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(alg)) {
        const why = /^(none|HS\d+)$/i.test(alg) ? 'is refused (only asymmetric algorithms)' : 'is not supported';
        ctx.addIssue({ code: 'custom', message: `"${alg}" ${why}; use ${SUPPORTED_ALGORITHMS.join(', ')}` });
        return z.NEVER;
      }
    }
    return [...new Set(list)] as Algorithm[];
  });

const tokenTypes = z
  .string()
  .optional()
  .transform((text, ctx) => {
    const list = commaList(text ?? 'absent,JWT,at+jwt');
    if (list.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'must list at least one type (use "absent" for no typ header)' });
      return z.NEVER;
    }
    const allowAbsent = list.some((t) => t.toLowerCase() === 'absent');
    const values = new Set(list.filter((t) => t.toLowerCase() !== 'absent').map(normalizeTyp));
    return { allowAbsent, values: values as ReadonlySet<string> };
  });

const scopeClaims = z
  .string()
  .optional()
  .transform((text, ctx) => {
    const list = commaList(text ?? 'scope,scp');
    if (list.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'must list at least one claim name' });
      return z.NEVER;
    }
    return list;
  });

/** The problem with a JWKS URL, or undefined when it is acceptable. */
function jwksUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a valid URL';
  }
  const loopback = LOOPBACK_HOSTS.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    return 'must use https: (http: is accepted only on loopback)';
  }
  if (url.username || url.password) return 'must not carry credentials';
  return undefined;
}

const schema = z
  .object({
    [ENV.issuer]: z.string({ error: 'is required' }).pipe(nonEmpty).refine((s) => !/\s/.test(s), 'must not contain whitespace'),
    [ENV.jwksUri]: z.string().optional(),
    [ENV.audienceByStage]: z.string({ error: 'is required' }).pipe(audienceByStage),
    [ENV.audienceClaim]: z.enum(['aud', 'client_id'], { error: 'must be "aud" or "client_id"' }).optional().default('aud'),
    [ENV.algorithms]: algorithms,
    [ENV.clockSkewSeconds]: integerIn(0, MAX_CLOCK_SKEW_SECONDS, 30),
    [ENV.maxTokenLifetimeSeconds]: integerIn(1, MAX_LIFETIME_LIMIT_SECONDS, 86400),
    [ENV.tokenTypes]: tokenTypes,
    [ENV.scopeClaims]: scopeClaims,
    [ENV.routePermissions]: z.string({ error: 'is required' }).pipe(routePermissions),
    [ENV.replayProtection]: z.enum(['single-use', 'off'], { error: 'must be "single-use" or "off"' }).optional().default('single-use'),
    [ENV.replayTableName]: z.string().optional(),
    [ENV.httpApiResponse]: z.enum(['simple', 'iam'], { error: 'must be "simple" or "iam"' }).optional().default('simple'),
  })
  .transform((env, ctx) => {
    const issuer = env[ENV.issuer];
    const jwksUri = env[ENV.jwksUri]?.trim() || `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json`;
    const jwksProblem = jwksUrlProblem(jwksUri);
    if (jwksProblem) ctx.addIssue({ code: 'custom', path: [ENV.jwksUri], message: jwksProblem });
    const replayProtection = env[ENV.replayProtection];
    const table = env[ENV.replayTableName]?.trim();
    if (replayProtection === 'single-use' && !table) {
      ctx.addIssue({ code: 'custom', path: [ENV.replayTableName], message: 'is required when REPLAY_PROTECTION is single-use' });
    } else if (table && !/^[A-Za-z0-9_.-]{3,255}$/.test(table)) {
      ctx.addIssue({ code: 'custom', path: [ENV.replayTableName], message: 'is not a valid DynamoDB table name' });
    }
    const audienceMap = new Map<string, readonly string[]>();
    for (const [stage, aud] of Object.entries(env[ENV.audienceByStage])) {
      audienceMap.set(stage, Object.freeze(typeof aud === 'string' ? [aud] : [...new Set(aud)]));
    }
    const config: AuthorizerConfig = {
      issuer,
      jwksUri: jwksProblem ? '' : new URL(jwksUri).href,
      audienceByStage: audienceMap,
      audienceClaim: env[ENV.audienceClaim],
      algorithms: Object.freeze(env[ENV.algorithms]),
      clockSkewSeconds: env[ENV.clockSkewSeconds],
      maxTokenLifetimeSeconds: env[ENV.maxTokenLifetimeSeconds],
      tokenTypes: Object.freeze(env[ENV.tokenTypes]),
      scopeClaims: Object.freeze(env[ENV.scopeClaims]),
      routes: env[ENV.routePermissions],
      replayProtection,
      replayTableName: replayProtection === 'single-use' ? table : undefined,
      httpApiResponse: env[ENV.httpApiResponse],
    };
    return Object.freeze(config);
  });

/**
 * Parses the environment into a frozen config, or throws one `ConfigError` naming every bad variable.
 * @example
 * const config = parseConfig(process.env);
 */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): AuthorizerConfig {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `${String(issue.path[0] ?? 'environment')}: ${issue.message}`);
  throw new ConfigError(`Invalid configuration: ${[...new Set(lines)].join('; ')}`);
}
