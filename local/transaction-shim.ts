/**
 * LOCAL ONLY, never for production. dynalite (the local stack's DynamoDB-compatible server) has no
 * transactions and ignores `ReturnValuesOnConditionCheckFailure`; this loopback HTTP shim in front of it
 * adds both for the requests the replay store sends, so `npm start` runs every mode on Node.js alone:
 * - `TransactWriteItems` with `Put` and `ConditionCheck` items: conditions evaluated on items read first,
 *   then the puts applied; atomic only with respect to traffic through this shim (one in-process lock
 *   serializes every request), answering `TransactionCanceledException` with `CancellationReasons` as
 *   DynamoDB does, and honouring `ClientRequestToken` (a repeat within 10 minutes succeeds again).
 * - `PutItem` with `ReturnValuesOnConditionCheckFailure: ALL_OLD`: on a failed condition the current item
 *   is read back and returned in the error, as DynamoDB does.
 * Everything else passes through unchanged. Tests hold it to the same expectations as DynamoDB Local.
 */
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { satisfies } from './condition-eval.js';

type AttributeValue = { S?: string; N?: string; [type: string]: unknown };
type Item = Record<string, AttributeValue>;
interface Answer {
  readonly status: number;
  readonly body: Buffer;
  readonly headers: Record<string, string>;
}
interface ConditionFields {
  TableName: string;
  ConditionExpression?: string;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
  ExpressionAttributeNames?: Record<string, string>;
}
interface TransactItem {
  Put?: ConditionFields & { Item: Item };
  ConditionCheck?: ConditionFields & { Key: Item; ConditionExpression: string };
  [other: string]: unknown;
}

const PREFIX = 'DynamoDB_20120810.';
const JSON_TYPE = 'application/x-amz-json-1.0';
const IDEMPOTENCY_MS = 10 * 60_000;

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

const json = (status: number, body: unknown): Answer => ({ status, body: Buffer.from(JSON.stringify(body)), headers: { 'content-type': JSON_TYPE } });
const clientError = (type: string, message: string, extra: object = {}): Answer =>
  json(400, { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message, ...extra });

/** Starts the shim on `host:port` in front of dynalite at `target`. */
export async function startTransactionShim(target: string, host: string, port: number, listen: (server: Server, port: number) => Promise<number>) {
  const upstream = new URL(target);
  const tokens = new Map<string, { digest: string; at: number }>();
  let lock: Promise<unknown> = Promise.resolve();

  const forward = (operation: string, body: Buffer, headers: IncomingMessage['headers'] = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const out = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: 'POST',
          path: '/',
          // dynalite checks that a signature is present, not that it is valid: keep the caller's headers.
          headers: { ...headers, 'x-amz-target': PREFIX + operation, 'content-type': JSON_TYPE, 'content-length': String(body.length), host: upstream.host },
        },
        (res) => {
          void readBody(res).then((answer) => {
            const kept: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string' && !['content-length', 'connection', 'transfer-encoding'].includes(k)) kept[k] = v;
            resolve({ status: res.statusCode ?? 502, body: answer, headers: kept });
          }, reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });

  const call = async (operation: string, input: unknown, headers: IncomingMessage['headers']): Promise<{ answer: Answer; output: Record<string, unknown> }> => {
    const answer = await forward(operation, Buffer.from(JSON.stringify(input)), headers);
    return { answer, output: JSON.parse(answer.body.toString() || '{}') as Record<string, unknown> };
  };

  const putItem = async (body: Buffer, headers: IncomingMessage['headers']): Promise<Answer> => {
    const input = JSON.parse(body.toString()) as ConditionFields & { Item: Item; ReturnValuesOnConditionCheckFailure?: string };
    const answer = await forward('PutItem', body, headers);
    if (input.ReturnValuesOnConditionCheckFailure !== 'ALL_OLD' || answer.status !== 400 || !answer.body.toString().includes('ConditionalCheckFailedException')) return answer;
    const { answer: read, output } = await call('GetItem', { TableName: input.TableName, Key: { pk: input.Item['pk'] }, ConsistentRead: true }, headers);
    if (read.status !== 200) return read;
    return clientError('ConditionalCheckFailedException', 'The conditional request failed', output['Item'] ? { Item: output['Item'] } : {});
  };

  const transactWriteItems = async (body: Buffer, headers: IncomingMessage['headers']): Promise<Answer> => {
    const input = JSON.parse(body.toString()) as { TransactItems?: TransactItem[]; ClientRequestToken?: string };
    const items = input.TransactItems ?? [];
    const digest = createHash('sha256').update(JSON.stringify(items)).digest('base64url');
    const now = Date.now();
    for (const [token, seen] of tokens) if (now - seen.at > IDEMPOTENCY_MS) tokens.delete(token);
    const earlier = input.ClientRequestToken ? tokens.get(input.ClientRequestToken) : undefined;
    if (earlier) return earlier.digest === digest ? json(200, {}) : clientError('IdempotentParameterMismatchException', 'ClientRequestToken reused with other parameters');
    if (items.length === 0 || items.length > 100) return clientError('ValidationException', 'TransactItems must hold 1 to 100 items');
    const reasons: { Code: string; Message?: string }[] = [];
    for (const item of items) {
      const op = item.Put ?? item.ConditionCheck;
      if (!op || Object.keys(item).length !== 1) return clientError('ValidationException', 'the local transaction shim supports only Put and ConditionCheck items');
      const key = item.Put ? { pk: item.Put.Item['pk'] } : item.ConditionCheck!.Key;
      const { answer, output } = await call('GetItem', { TableName: op.TableName, Key: key, ConsistentRead: true }, headers);
      if (answer.status !== 200) return answer;
      let ok: boolean;
      try {
        ok = op.ConditionExpression === undefined || satisfies(op.ConditionExpression, output['Item'] as Item | undefined, op.ExpressionAttributeValues, op.ExpressionAttributeNames);
      } catch (err) {
        return clientError('ValidationException', (err as Error).message);
      }
      reasons.push(ok ? { Code: 'None' } : { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' });
    }
    if (reasons.some((r) => r.Code !== 'None')) {
      return clientError('TransactionCanceledException', `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`, {
        CancellationReasons: reasons,
      });
    }
    for (const item of items) {
      if (!item.Put) continue;
      const { answer } = await call('PutItem', { TableName: item.Put.TableName, Item: item.Put.Item }, headers);
      // Only a broken dynalite gets here; the puts before it stay (local only, said above).
      if (answer.status !== 200) return json(500, { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'local shim: a put failed mid-transaction' });
    }
    if (input.ClientRequestToken) tokens.set(input.ClientRequestToken, { digest, at: now });
    return json(200, {});
  };

  const handle = async (req: IncomingMessage): Promise<Answer> => {
    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(PREFIX) ? target.slice(PREFIX.length) : '';
    if (operation === 'TransactWriteItems') return transactWriteItems(body, req.headers);
    if (operation === 'PutItem') return putItem(body, req.headers);
    return forward(operation, body, req.headers);
  };

  const server = createServer((req, res) => {
    // One request at a time: what makes a shim transaction atomic with respect to the shim's own traffic.
    const turn = lock.then(() => handle(req));
    lock = turn.catch(() => undefined);
    turn.then(
      (answer) => res.writeHead(answer.status, answer.headers).end(answer.body),
      () => res.writeHead(500, { 'content-type': JSON_TYPE }).end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'local shim failed' })),
    );
  });
  const real = await listen(server, port);
  return { server, url: `http://${host}:${real}`, port: real };
}
