/**
 * The DynamoDB replay store: exactly one request per decision (design §3, §8, §10), chosen by
 * `planRequest`. TTL deletes expired items late (up to days), so every condition re-checks expiry itself.
 */
import { randomUUID } from 'node:crypto';
import {
  BatchGetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  type AttributeValue,
  type CancellationReason,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { waitBudget } from './deadline.js';
import { cancelledVerdict, planRequest, putConditionFailed, readVerdict } from './dynamodb-plan.js';
import { AuthError } from './errors.js';
import type { CommitOptions, ReplayStore, StorePlan, StoreVerdict } from './replay-store.js';

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

/** Also stops waiting if whatever sits under `send` ignores the signal. */
function bounded<T>(sent: Promise<T>, signal: AbortSignal): Promise<T> {
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => undefined);
  sent.catch(() => undefined);
  return Promise.race([sent, aborted]);
}

const errorName = (err: unknown): unknown => (err as { name?: unknown } | null)?.name;

/** A replay store on a DynamoDB table with partition key `pk` (string) and TTL attribute `expiresAt`. */
export class DynamoDbReplayStore implements ReplayStore {
  /**
   * @param client created once per cold start, with bounded timeouts and retries
   * @param tableName the replay table
   * @param timeoutMs longest wait of one commit, retries included, shortened to the request's deadline: the
   *   SDK's requestTimeout does not cover a response body that trickles in, so the store bounds the whole
   *   call itself. A per-call `signal` may end it sooner.
   */
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly timeoutMs = 3500,
  ) {}

  async commit(plan: StorePlan, now: number, options: CommitOptions = {}): Promise<StoreVerdict> {
    // One id per decision: the SDK's retries of this request carry it, so they can recognise our own write.
    const attempt = randomUUID();
    const request = planRequest(plan, this.tableName, now, attempt);
    if (request.op === 'none') return 'ok';
    const budget = waitBudget(options.deadline, this.timeoutMs, Date.now());
    const signal = options.signal ? AbortSignal.any([AbortSignal.timeout(budget), options.signal]) : AbortSignal.timeout(budget);
    try {
      switch (request.op) {
        case 'put':
          try {
            await bounded(this.client.send(new PutItemCommand(request.input), { abortSignal: signal }), signal);
            return 'ok';
          } catch (err) {
            if (errorName(err) !== 'ConditionalCheckFailedException') throw err;
            return putConditionFailed(request.kind, (err as { Item?: Record<string, AttributeValue> }).Item, attempt);
          }
        case 'transact':
          try {
            await bounded(this.client.send(new TransactWriteItemsCommand(request.input), { abortSignal: signal }), signal);
            return 'ok';
          } catch (err) {
            if (errorName(err) !== 'TransactionCanceledException') throw err;
            const verdict = cancelledVerdict(request.roles, (err as { CancellationReasons?: CancellationReason[] }).CancellationReasons);
            if (!verdict) throw err;
            return verdict;
          }
        case 'read': {
          const out = await bounded(this.client.send(new BatchGetItemCommand(request.input), { abortSignal: signal }), signal);
          // A second request for unprocessed keys would break the one-round-trip rule: fail closed instead.
          if (out.UnprocessedKeys && Object.keys(out.UnprocessedKeys).length > 0) throw new Error('BatchGetItem left keys unprocessed');
          const items = out.Responses?.[this.tableName];
          if (!items) throw new Error('BatchGetItem answered without the table');
          return readVerdict(items, plan.revocation!, now);
        }
      }
    } catch (err) {
      throw new AuthError('REPLAY_STORE_UNAVAILABLE', `replay table ${request.op} failed`, { cause: err });
    }
  }
}
