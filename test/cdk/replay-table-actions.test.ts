/** The construct grants exactly the DynamoDB actions each combination of modes needs. */
import { describe, expect, it } from 'vitest';
import { replayTableActions, replayTableNeeds } from '../../cdk/replay-table-actions.js';

describe('replayTableActions', () => {
  it('maps each request kind to the actions DynamoDB authorizes it by', () => {
    expect(replayTableActions({})).toEqual(['dynamodb:PutItem']);
    expect(replayTableActions({ transactions: true })).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:PutItem']);
    expect(replayTableActions({ writes: false, reads: true })).toEqual(['dynamodb:BatchGetItem']);
    expect(replayTableActions({ transactions: true, reads: true })).toEqual(['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:PutItem']);
    expect(replayTableActions({ writes: false })).toEqual([]);
  });
});

describe('replayTableNeeds', () => {
  const actions = (singleUse: boolean, dpop: 'off' | 'allowed' | 'required', revocation: boolean) =>
    replayTableActions(replayTableNeeds({ singleUse, dpop, revocation }));

  it.each([
    [true, 'off', false, ['dynamodb:PutItem']],
    [true, 'allowed', false, ['dynamodb:ConditionCheckItem', 'dynamodb:PutItem']],
    [true, 'required', false, ['dynamodb:ConditionCheckItem', 'dynamodb:PutItem']],
    [false, 'required', false, ['dynamodb:PutItem']],
    [false, 'allowed', false, ['dynamodb:PutItem']],
    [true, 'off', true, ['dynamodb:ConditionCheckItem', 'dynamodb:PutItem']],
    [false, 'off', true, ['dynamodb:BatchGetItem']],
    [false, 'allowed', true, ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:PutItem']],
    [false, 'required', true, ['dynamodb:ConditionCheckItem', 'dynamodb:PutItem']],
    [false, 'off', false, []],
  ] as const)('single-use %s, DPoP %s, revocation %s → %j', (singleUse, dpop, revocation, expected) => {
    expect(actions(singleUse, dpop, revocation)).toEqual(expected);
  });
});
