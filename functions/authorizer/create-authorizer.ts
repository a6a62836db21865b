/**
 * The composition root: builds config and clients once per cold start and wires the library into a
 * middy handler with Powertools logging and metrics. `handler.ts` calls it with `process.env`.
 */
import middy from '@middy/core';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import { parseConfig, type AuthorizerConfig } from '../../lib/config.js';
import { decide, type Decision } from '../../lib/decide.js';
import { DynamoDbReplayStore } from '../../lib/dynamodb-replay-store.js';
import { RemoteKeySource, type KeySource } from '../../lib/key-source.js';
import { RoutePolicyCache } from '../../lib/build-policy.js';
import { jtiFingerprint, type ReplayStore } from '../../lib/replay-store.js';
import { respond, type AuthorizerResponse, type ResponseNotes } from '../../lib/respond.js';

/** Everything a test or the local gateway may replace; the environment is the only required input. */
export interface AuthorizerOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly keys?: KeySource;
  readonly replayStore?: ReplayStore;
  readonly dynamoClient?: DynamoDBClient;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** Milliseconds since the epoch. @default Date.now */
  readonly clock?: () => number;
}

/** The Lambda handler type: an authorizer event in, a policy or simple response out. */
export type AuthorizerHandler = ((event: unknown, context: Context) => Promise<AuthorizerResponse>) & {
  readonly config: AuthorizerConfig;
};

/** A DynamoDB client bounded well inside API Gateway's 10 s authorizer limit. */
export function boundedDynamoClient(): DynamoDBClient {
  return new DynamoDBClient({
    maxAttempts: 2,
    // Without throwOnRequestTimeout the SDK only logs a warning when requestTimeout passes and keeps waiting.
    requestHandler: { connectionTimeout: 500, requestTimeout: 1500, throwOnRequestTimeout: true },
  });
}

type Outcome = 'allow' | 'unauthorized' | 'forbidden' | 'internal';

function outcomeOf(decision: Decision): Outcome {
  return decision.error ? decision.error.kind : 'allow';
}

/** Only the shape of an unexpected error goes to the log: messages may quote input. */
function causeOf(decision: Decision): Record<string, string> | undefined {
  const cause = decision.error?.cause;
  if (!cause || typeof cause !== 'object') return undefined;
  const { name, code, $metadata } = cause as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } };
  const out: Record<string, string> = {};
  if (typeof name === 'string') out['name'] = name.slice(0, 100);
  if (typeof code === 'string') out['code'] = code.slice(0, 100);
  if ($metadata?.httpStatusCode) out['status'] = String($metadata.httpStatusCode);
  return out;
}

/**
 * Builds the authorizer. Throws `ConfigError` (naming the variable) when the environment is invalid,
 * which stops the Lambda at init.
 * @example
 * export const handler = createAuthorizer({ env: process.env });
 */
export function createAuthorizer(options: AuthorizerOptions): AuthorizerHandler {
  const config = parseConfig(options.env);
  const logger = options.logger ?? new Logger({ serviceName: options.env['POWERTOOLS_SERVICE_NAME'] ?? 'jwt-authorizer' });
  const metrics =
    options.metrics ??
    new Metrics({
      namespace: options.env['POWERTOOLS_METRICS_NAMESPACE'] ?? 'JwtAuthorizer',
      serviceName: options.env['POWERTOOLS_SERVICE_NAME'] ?? 'jwt-authorizer',
    });
  const keys = options.keys ?? new RemoteKeySource(config.jwksUri);
  let replayStore = options.replayStore;
  if (!replayStore && config.replayProtection === 'single-use') {
    replayStore = new DynamoDbReplayStore(options.dynamoClient ?? boundedDynamoClient(), config.replayTableName!);
  }
  const deps = { config, keys, replayStore };
  const policies = new RoutePolicyCache(config.routes);
  const clock = options.clock ?? Date.now;

  const authorize = async (event: unknown): Promise<AuthorizerResponse> => {
    const decision = await decide(event, deps, Math.floor(clock() / 1000));
    const notes: ResponseNotes = {};
    let response: AuthorizerResponse | undefined;
    let thrown: unknown;
    try {
      response = respond(decision, config, policies, notes);
    } catch (err) {
      thrown = err;
    }
    const outcome: Outcome = thrown && !decision.error ? 'internal' : outcomeOf(decision);
    const reason = decision.error?.code ?? (thrown ? 'INTERNAL' : 'OK');
    const line = {
      outcome,
      reason,
      eventKind: decision.request?.kind,
      stage: decision.request?.arn.stage,
      route: decision.route?.key,
      kid: decision.kid,
      apiRequestId: decision.request?.requestId,
      sub: decision.token?.sub,
      jtiHash: decision.replayKey ? jtiFingerprint(decision.replayKey) : undefined,
      underGranted: notes.underGranted?.length ? notes.underGranted : undefined,
      cause: outcome === 'internal' ? causeOf(decision) : undefined,
    };
    if (outcome === 'internal') logger.error('authorizer decision', line);
    else logger.info('authorizer decision', line);
    metrics.addDimensions({ outcome, reason });
    metrics.addMetric('Decision', MetricUnit.Count, 1);
    if (thrown) throw thrown;
    return response!;
  };

  // logEvent: false overrides POWERTOOLS_LOGGER_LOG_EVENT: the event carries the bearer token.
  const handler = middy(authorize).use(injectLambdaContext(logger, { logEvent: false })).use(logMetrics(metrics));
  return Object.assign((event: unknown, context: Context) => handler(event, context), { config });
}
