/**
 * Optional provisioned concurrency for the authorizer: a `live` alias with that many pre-initialised
 * execution environments, so the first requests after a quiet period skip the cold start. The API
 * Gateway authorizers then invoke the alias (provisioned concurrency applies only to an alias or a
 * version, never to `$LATEST`).
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { invalid } from './prop-checks.js';

/** The alias name the authorizers invoke when provisioned concurrency is on. */
const PROVISIONED_ALIAS_NAME = 'live';
/** Lambda's default per-region concurrency quota; more would always fail to deploy in a default account. */
const MAX_PROVISIONED_CONCURRENCY = 1_000;

/** Refuses anything but a whole number from 0 (off) to the default regional quota. */
export function checkProvisionedConcurrency(value: number | undefined): number {
  const n = value ?? 0;
  if (!Number.isInteger(n) || n < 0 || n > MAX_PROVISIONED_CONCURRENCY) {
    invalid(`provisionedConcurrency must be a whole number from 0 (off) to ${MAX_PROVISIONED_CONCURRENCY}, got ${value}`);
  }
  return n;
}

/** The function, or (with `count` > 0) a `live` alias with that provisioned concurrency, for the authorizers to invoke. */
export function authorizerTarget(fn: lambda.Function, count: number): { target: lambda.IFunction; alias: lambda.Alias | undefined } {
  if (count === 0) return { target: fn, alias: undefined };
  const alias = new lambda.Alias(fn, 'LiveAlias', {
    aliasName: PROVISIONED_ALIAS_NAME,
    version: fn.currentVersion,
    provisionedConcurrentExecutions: count,
    description: 'The version API Gateway invokes, with provisioned concurrency',
  });
  return { target: alias, alias };
}
