/**
 * What revocation (design §10) adds to the construct: the table even with replay protection off, and
 * exactly the DynamoDB actions the store's one round trip needs on that table.
 * - With single-use replay protection the token's record and the revocation checks go in one
 *   TransactWriteItems: its Put needs `dynamodb:PutItem` (already granted for replay) and its
 *   ConditionChecks need `dynamodb:ConditionCheckItem`.
 * - With replay protection off there is nothing to write: one `BatchGetItem` (ConsistentRead) reads both
 *   records, which needs `dynamodb:BatchGetItem`.
 */
import { Annotations, type Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/** The DynamoDB actions revocation adds, by whether the request also writes a single-use record. */
export function revocationActions(replayProtection: 'single-use' | 'off'): string[] {
  return replayProtection === 'single-use' ? ['dynamodb:ConditionCheckItem'] : ['dynamodb:BatchGetItem'];
}

/** The statement granting revocation's actions on the one table. */
export function revocationStatement(table: dynamodb.ITable, replayProtection: 'single-use' | 'off'): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: replayProtection === 'single-use' ? 'RevocationConditionChecks' : 'RevocationRead',
    actions: revocationActions(replayProtection),
    resources: [table.tableArn],
  });
}

/** A synth warning: API Gateway's result cache answers without the function, so revocation waits for it. */
export function warnAboutCache(scope: Construct, cacheTtl: Duration): void {
  const seconds = cacheTtl.toSeconds();
  if (seconds === 0) return;
  Annotations.of(scope).addWarningV2(
    'jwt-authorizer:revocation-cache',
    `revocation is on with an authorizer result cache of ${seconds} s: a revoked token keeps working for up to ${seconds} s ` +
      'wherever API Gateway has a cached Allow for it. Set resultsCacheTtl to 0 for immediate revocation.',
  );
}
