/**
 * Turns a decision's `StorePlan` into the one DynamoDB request it needs (design §3, §8, §10), and reads
 * the table's answer back into a verdict. Pure: no client, no clock.
 *
 * | plan                                   | request                                   |
 * | -------------------------------------- | ----------------------------------------- |
 * | nothing                                | none                                      |
 * | one record, no revocation              | conditional `PutItem`                     |
 * | several records, or records + revocation | `TransactWriteItems` (Put + ConditionCheck) |
 * | revocation only                        | `BatchGetItem`, consistent read           |
 */
import type {
  AttributeValue,
  BatchGetItemCommandInput,
  CancellationReason,
  PutItemCommandInput,
  TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { RevocationQuery, StorePlan, StoreVerdict, UseRecord } from './replay-store.js';

/** A use record may be written when absent, or when present but expired (TTL deletes late, up to days). */
export const RECORD_CONDITION = 'attribute_not_exists(pk) OR expiresAt < :now';
/** A `jti` revocation record refuses the token while it is live. */
export const REVOKED_JTI_CONDITION = 'attribute_not_exists(pk) OR expiresAt < :now';
/** A subject revocation record refuses tokens issued before `notBefore`; `iat` equal to it is not revoked. */
export const REVOKED_SUB_CONDITION = 'attribute_not_exists(pk) OR expiresAt < :now OR notBefore <= :iat';

/** What each item of a transaction stands for, in `TransactItems` order. */
export type TransactRole = { readonly role: 'record'; readonly kind: UseRecord['kind'] } | { readonly role: 'revocation' };

export type DynamoRequest =
  | { readonly op: 'none' }
  | { readonly op: 'put'; readonly input: PutItemCommandInput; readonly kind: UseRecord['kind'] }
  | { readonly op: 'transact'; readonly input: TransactWriteItemsCommandInput; readonly roles: readonly TransactRole[] }
  | { readonly op: 'read'; readonly input: BatchGetItemCommandInput };

const num = (n: number): AttributeValue => ({ N: String(n) });

function recordItem(record: UseRecord, attempt: string): Record<string, AttributeValue> {
  // `attempt` marks the item as this decision's, so a retried write can recognise its own earlier attempt.
  return { pk: { S: record.key }, expiresAt: num(record.expiresAt), attempt: { S: attempt } };
}

/**
 * The one request for this plan.
 * @param attempt a random id unique to this decision (at most 36 characters: it is also the transaction's
 *   `ClientRequestToken`, which makes an SDK retry of an applied transaction succeed instead of failing)
 */
export function planRequest(plan: StorePlan, tableName: string, now: number, attempt: string): DynamoRequest {
  const { records, revocation } = plan;
  const [only] = records;
  if (records.length === 0 && !revocation) return { op: 'none' };
  if (records.length === 0 && revocation) {
    return {
      op: 'read',
      input: {
        RequestItems: {
          [tableName]: { Keys: [{ pk: { S: revocation.jtiKey } }, { pk: { S: revocation.subKey } }], ConsistentRead: true },
        },
      },
    };
  }
  if (only && records.length === 1 && !revocation) {
    return {
      op: 'put',
      kind: only.kind,
      input: {
        TableName: tableName,
        Item: recordItem(only, attempt),
        ConditionExpression: RECORD_CONDITION,
        ExpressionAttributeValues: { ':now': num(now) },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }
  const roles: TransactRole[] = [];
  const items: NonNullable<TransactWriteItemsCommandInput['TransactItems']> = [];
  for (const record of records) {
    roles.push({ role: 'record', kind: record.kind });
    items.push({
      Put: { TableName: tableName, Item: recordItem(record, attempt), ConditionExpression: RECORD_CONDITION, ExpressionAttributeValues: { ':now': num(now) } },
    });
  }
  if (revocation) {
    roles.push({ role: 'revocation' }, { role: 'revocation' });
    items.push(
      {
        ConditionCheck: {
          TableName: tableName,
          Key: { pk: { S: revocation.jtiKey } },
          ConditionExpression: REVOKED_JTI_CONDITION,
          ExpressionAttributeValues: { ':now': num(now) },
        },
      },
      {
        ConditionCheck: {
          TableName: tableName,
          Key: { pk: { S: revocation.subKey } },
          ConditionExpression: REVOKED_SUB_CONDITION,
          ExpressionAttributeValues: { ':now': num(now), ':iat': num(revocation.iat) },
        },
      },
    );
  }
  return { op: 'transact', roles, input: { TransactItems: items, ClientRequestToken: attempt } };
}

const replayed = (kind: UseRecord['kind']): StoreVerdict => (kind === 'token' ? 'token-replayed' : 'proof-replayed');

/** The verdict of a failed `PutItem` condition: our own earlier attempt (an SDK retry) is still a first use. */
export function putConditionFailed(kind: UseRecord['kind'], oldItem: Record<string, AttributeValue> | undefined, attempt: string): StoreVerdict {
  return oldItem?.['attempt']?.S === attempt ? 'ok' : replayed(kind);
}

/**
 * The verdict of a cancelled transaction, or `undefined` when the cancellation is not the table's answer
 * about these items (throttling, validation, ...), which the caller turns into a 500. Revocation wins over
 * a replay; a concurrent write of the same record (`TransactionConflict`) is a replay (§10).
 */
export function cancelledVerdict(roles: readonly TransactRole[], reasons: readonly CancellationReason[] | undefined): StoreVerdict | undefined {
  if (!reasons || reasons.length !== roles.length) return undefined;
  let verdict: StoreVerdict | undefined;
  for (const [i, reason] of reasons.entries()) {
    const role = roles[i]!;
    const code = reason.Code;
    if (code === 'ConditionalCheckFailed' && role.role === 'revocation') return 'revoked';
    if ((code === 'ConditionalCheckFailed' || code === 'TransactionConflict') && role.role === 'record') verdict ??= replayed(role.kind);
  }
  return verdict;
}

function numberOf(item: Record<string, AttributeValue> | undefined, name: string): number | undefined {
  const raw = item?.[name]?.N;
  return raw === undefined ? undefined : Number(raw);
}

/** A revocation record is live unless it says it has expired; one without a readable `expiresAt` stays live. */
function live(item: Record<string, AttributeValue>, now: number): boolean {
  const expiresAt = numberOf(item, 'expiresAt');
  return !(expiresAt !== undefined && expiresAt < now);
}

/** The verdict of the revocation read, by the same rules as the transaction's condition checks. */
export function readVerdict(items: readonly Record<string, AttributeValue>[], revocation: RevocationQuery, now: number): StoreVerdict {
  for (const item of items) {
    const pk = item['pk']?.S;
    if (!live(item, now)) continue;
    if (pk === revocation.jtiKey) return 'revoked';
    if (pk === revocation.subKey) {
      const notBefore = numberOf(item, 'notBefore');
      // A subject record without a readable notBefore revokes, as its condition check does: unknown denies.
      if (notBefore === undefined || Number.isNaN(notBefore) || revocation.iat < notBefore) return 'revoked';
    }
  }
  return 'ok';
}
