/**
 * The IAM actions the function needs on its replay table, exactly (design §6, §10): each kind of request
 * the replay store sends (lib/dynamodb-plan.ts) maps to the actions DynamoDB authorizes it by.
 *
 * | request                                   | actions                                          |
 * | ----------------------------------------- | ------------------------------------------------ |
 * | conditional `PutItem` (one record)        | `dynamodb:PutItem`                               |
 * | `TransactWriteItems` (Put + ConditionCheck) | `dynamodb:PutItem`, `dynamodb:ConditionCheckItem` |
 * | `BatchGetItem` (revocation only)          | `dynamodb:BatchGetItem`                          |
 *
 * `TransactWriteItems` has no IAM action of its own: DynamoDB authorizes each item by its action.
 */

/** Which kinds of request the function sends to the table. */
export interface ReplayTableNeeds {
  /** Single-use records are written (a lone `PutItem`). @default true */
  readonly writes?: boolean;
  /** Several records, or records with revocation checks, in one `TransactWriteItems`. @default false */
  readonly transactions?: boolean;
  /** Revocation checked with no record to write: one `BatchGetItem`. @default false */
  readonly reads?: boolean;
}

/** The exact, sorted list of DynamoDB actions for these needs. */
export function replayTableActions({ writes = true, transactions = false, reads = false }: ReplayTableNeeds): string[] {
  const actions = new Set<string>();
  if (writes || transactions) actions.add('dynamodb:PutItem');
  if (transactions) actions.add('dynamodb:ConditionCheckItem');
  if (reads) actions.add('dynamodb:BatchGetItem');
  return [...actions].sort();
}

/** The modes that decide which requests a decision can make. */
export interface ReplayModes {
  readonly singleUse: boolean;
  readonly dpop: 'off' | 'allowed' | 'required';
  readonly revocation: boolean;
}

/**
 * Which requests the function can send under these modes: records are written when single-use is on or a
 * DPoP proof can arrive; several items make a transaction; revocation with no record to write is a read.
 */
export function replayTableNeeds({ singleUse, dpop, revocation }: ReplayModes): Required<ReplayTableNeeds> {
  const writes = singleUse || dpop !== 'off';
  return {
    writes,
    transactions: (singleUse && dpop !== 'off') || (revocation && writes),
    // With DPoP required every request writes a proof record, so the revocation check rides in the transaction.
    reads: revocation && !singleUse && dpop !== 'required',
  };
}
