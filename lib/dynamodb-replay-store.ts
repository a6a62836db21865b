/**
 * The DynamoDB replay store: one conditional PutItem per allowed request. TTL deletes expired items late
 * (up to days), so the condition itself re-checks expiry instead of trusting TTL.
 */
import { ConditionalCheckFailedException, PutItemCommand, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AuthError } from './errors.js';
import type { ReplayStore, StorePlan, StoreVerdict } from './replay-store.js';

/**
 * The table this store writes: partition key `pk` (string), on-demand. TTL on `expiresAt` is set by the
 * CDK construct; local servers without TTL work too, because the write re-checks expiry.
 */
export function replayTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  };
}

/** A replay store on a DynamoDB table with partition key `pk` (string) and TTL attribute `expiresAt`. */
export class DynamoDbReplayStore implements ReplayStore {
  /**
   * @param client created once per cold start, with bounded timeouts and retries
   * @param tableName the replay table
   * @param timeoutMs deadline of one write, retries included: the SDK's requestTimeout does not cover a
   *   response body that trickles in, so the store bounds the whole call itself
   */
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly timeoutMs = 3500,
  ) {}

  async commit(plan: StorePlan, now: number): Promise<StoreVerdict> {
    const [record, ...more] = plan.records;
    // Several records and revocation checks need a transaction or a read (being built); until then, fail
    // closed, before the empty-plan answer, so a revocation query never comes back 'ok' unread.
    if (more.length > 0 || plan.revocation) throw new AuthError('REPLAY_STORE_UNAVAILABLE', 'this plan is not supported yet');
    if (!record) return 'ok';
    const first = await this.recordFirstUse(record.key, record.expiresAt, now);
    return first ? 'ok' : record.kind === 'token' ? 'token-replayed' : 'proof-replayed';
  }

  private async recordFirstUse(key: string, expiresAt: number, now: number): Promise<boolean> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const sent = this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { pk: { S: key }, expiresAt: { N: String(expiresAt) } },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': { N: String(now) } },
        }),
        { abortSignal: signal },
      );
      // Also stop waiting if whatever sits under `send` ignores the signal.
      const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
      aborted.catch(() => undefined);
      await Promise.race([sent, aborted]);
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || (err as { name?: unknown })?.name === 'ConditionalCheckFailedException') {
        return false;
      }
      throw new AuthError('REPLAY_STORE_UNAVAILABLE', 'replay table write failed', { cause: err });
    }
  }
}
