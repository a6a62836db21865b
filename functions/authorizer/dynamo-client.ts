/**
 * The replay table's DynamoDB client, created once per cold start. Its own module, importing only the
 * SDK, so the cold-start benchmark's SDK-only baseline builds exactly this client.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** A DynamoDB client bounded well inside API Gateway's 10 s authorizer limit. */
export function boundedDynamoClient(): DynamoDBClient {
  return new DynamoDBClient({
    maxAttempts: 2,
    // Without throwOnRequestTimeout the SDK only logs a warning when requestTimeout passes and keeps waiting.
    requestHandler: { connectionTimeout: 500, requestTimeout: 1500, throwOnRequestTimeout: true },
  });
}
