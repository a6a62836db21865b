/**
 * The cold-start baseline: the least a replay-protected authorizer must load, the handler's own DynamoDB
 * client (functions/authorizer/dynamo-client.ts imports only the SDK) and the PutItem command. Bundled by
 * bench/cold-start.ts, never imported.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { boundedDynamoClient } from '../functions/authorizer/dynamo-client.js';

export const client = boundedDynamoClient();
export const Command = PutItemCommand;
