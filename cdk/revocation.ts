/**
 * What revocation (design §10) adds to the construct beyond its DynamoDB actions (which
 * `replay-table-actions.ts` derives for every mode combination): a warning when a result cache would
 * delay revocations.
 */
import { Annotations, type Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

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
