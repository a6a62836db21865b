/** How a plan becomes one DynamoDB request, and how the table's answer becomes a verdict. */
import { describe, expect, it } from 'vitest';
import { cancelledVerdict, planRequest, putConditionFailed, readVerdict, type TransactRole } from '../../lib/dynamodb-plan.js';

const NOW = 1_800_000_000;
const token = { kind: 'token', key: 't', expiresAt: NOW + 60 } as const;
const proof = { kind: 'proof', key: 'p', expiresAt: NOW + 60 } as const;
const revocation = { jtiKey: 'rj', subKey: 'rs', iat: NOW - 10 };

describe('planRequest', () => {
  it('picks the one request each plan shape needs', () => {
    expect(planRequest({ records: [] }, 'T', NOW, 'a').op).toBe('none');
    expect(planRequest({ records: [token] }, 'T', NOW, 'a').op).toBe('put');
    expect(planRequest({ records: [token, proof] }, 'T', NOW, 'a').op).toBe('transact');
    expect(planRequest({ records: [token], revocation }, 'T', NOW, 'a').op).toBe('transact');
    expect(planRequest({ records: [], revocation }, 'T', NOW, 'a').op).toBe('read');
  });

  it('marks a PutItem with the attempt id and asks for the old item on a failed condition', () => {
    const request = planRequest({ records: [token] }, 'T', NOW, 'attempt-1');
    expect(request).toMatchObject({ input: { Item: { attempt: { S: 'attempt-1' } }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } });
  });

  it('gives a transaction the decision id as ClientRequestToken, so an SDK retry is idempotent', () => {
    expect(planRequest({ records: [token, proof] }, 'T', NOW, 'attempt-2')).toMatchObject({ input: { ClientRequestToken: 'attempt-2' } });
  });

  it('reads both revocation keys with a consistent read', () => {
    expect(planRequest({ records: [], revocation }, 'T', NOW, 'a')).toMatchObject({
      input: { RequestItems: { T: { Keys: [{ pk: { S: 'rj' } }, { pk: { S: 'rs' } }], ConsistentRead: true } } },
    });
  });
});

describe('verdicts', () => {
  const roles: TransactRole[] = [{ role: 'record', kind: 'token' }, { role: 'record', kind: 'proof' }, { role: 'revocation' }, { role: 'revocation' }];
  const reasons = (...codes: string[]) => codes.map((Code) => ({ Code }));

  it('maps cancellation reasons: revocation wins, conflicts are replays, anything else is no verdict', () => {
    expect(cancelledVerdict(roles, reasons('None', 'None', 'None', 'ConditionalCheckFailed'))).toBe('revoked');
    expect(cancelledVerdict(roles, reasons('ConditionalCheckFailed', 'None', 'ConditionalCheckFailed', 'None'))).toBe('revoked');
    expect(cancelledVerdict(roles, reasons('None', 'ConditionalCheckFailed', 'None', 'None'))).toBe('proof-replayed');
    expect(cancelledVerdict(roles, reasons('TransactionConflict', 'None', 'None', 'None'))).toBe('token-replayed');
    expect(cancelledVerdict(roles, reasons('None', 'None', 'TransactionConflict', 'None'))).toBeUndefined();
    expect(cancelledVerdict(roles, reasons('ThrottlingError', 'None', 'None', 'None'))).toBeUndefined();
    expect(cancelledVerdict(roles, reasons('None'))).toBeUndefined();
    expect(cancelledVerdict(roles, undefined)).toBeUndefined();
  });

  it('a failed PutItem condition is ok only when the old item carries our own attempt id', () => {
    expect(putConditionFailed('token', { attempt: { S: 'mine' } }, 'mine')).toBe('ok');
    expect(putConditionFailed('token', { attempt: { S: 'other' } }, 'mine')).toBe('token-replayed');
    expect(putConditionFailed('proof', undefined, 'mine')).toBe('proof-replayed');
  });

  it('a subject record without a readable notBefore revokes (unknown denies)', () => {
    expect(readVerdict([{ pk: { S: 'rs' }, expiresAt: { N: String(NOW + 5) } }], revocation, NOW)).toBe('revoked');
    expect(readVerdict([{ pk: { S: 'rj' } }], revocation, NOW)).toBe('revoked');
    expect(readVerdict([{ pk: { S: 'other' }, expiresAt: { N: String(NOW + 5) } }], revocation, NOW)).toBe('ok');
  });
});
