/**
 * The cold-start baseline: the least a replay-protected authorizer must load, a DynamoDB client and the
 * PutItem command, constructed like `boundedDynamoClient()`. Bundled by bench/cold-start.ts, never imported.
 */
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';

export const client = new DynamoDBClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 500, requestTimeout: 1500, throwOnRequestTimeout: true } });
export const Command = PutItemCommand;
