/**
 * `npm run revoke` (design §10): reads the function's own environment, checks it with the function's
 * own parser, builds the record with `lib/revocation.ts` (the module the authorizer's query comes from)
 * and writes it. Every failure is one line naming what is missing; see docs/revocation.md.
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { parseConfig, type AuthorizerConfig } from '../lib/config.js';
import { issuersOf, REVOCATION_ATTRIBUTES as A, revocationItem, type RevocationItem } from '../lib/revocation.js';
import { readEnvFile } from './env-file.js';
import { LocalError } from './errors.js';
import { parseBefore, parseRevokeArgs, type RevokeArgs } from './revoke-args.js';

/** A failure the operator can fix; exit 2, one line. */
export class RevokeError extends LocalError {
  override readonly name = 'RevokeError';
  override readonly exitCode = 2;
}

/** What the command needs from its process. */
export interface RevokeIo {
  /** The shell's environment (`process.env`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Epoch seconds. */
  readonly now: number;
}

/** What was done, for the one line the command prints. */
export interface RevokeOutcome {
  readonly written: boolean;
  readonly message: string;
  readonly record: RevocationItem;
  readonly table: string;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/** The authorizer's environment and the AWS settings (the file's, else the shell's). */
function environments(args: RevokeArgs, shell: RevokeIo['env']) {
  if (args.envFile === undefined) return { authorizer: shell, aws: shell, source: 'this shell’s environment' };
  let file: { env: Record<string, string>; source: string };
  try {
    const found = readEnvFile(args.envFile, '--env-file', args.fn);
    file = { env: found.env, source: found.label };
  } catch (err) {
    // Every failure of this command exits 2, the file's problems included.
    throw err instanceof LocalError && err.exitCode !== 2 ? new RevokeError(err.message) : err;
  }
  const { env, source } = file;
  return { authorizer: env, aws: { ...shell, ...env }, source };
}

function configOf(env: RevokeIo['env'], source: string): AuthorizerConfig {
  let config: AuthorizerConfig;
  try {
    config = parseConfig(env);
  } catch (err) {
    if ((err as Error)?.name !== 'ConfigError') throw err;
    throw new RevokeError(`${source}: ${(err as Error).message} (pass the function's environment, e.g. --env-file events/env.json)`);
  }
  if (config.revocation !== 'on') {
    throw new RevokeError(`${source} has REVOCATION=off: the authorizer would ignore the record. Deploy with REVOCATION=on first`);
  }
  return config;
}

function issuerOf(config: AuthorizerConfig, wanted: string | undefined): string {
  const issuers = issuersOf(config);
  if (wanted === undefined) {
    if (issuers.length === 1) return issuers[0]!;
    throw new RevokeError(`the environment trusts ${issuers.length} issuers; choose one with --issuer (${issuers.join(', ')})`);
  }
  if (!issuers.includes(wanted)) throw new RevokeError(`unknown issuer "${wanted}": the environment trusts ${issuers.join(', ')}`);
  return wanted;
}

/** Region, endpoint and credentials as the AWS SDK would read them, from `settings`. */
function clientFor(settings: RevokeIo['env']): { client: DynamoDBClient; where: string } {
  const region = settings['AWS_REGION'] || settings['AWS_DEFAULT_REGION'];
  if (!region) throw new RevokeError('no AWS region: set AWS_REGION to the table’s region');
  const endpoint = settings['AWS_ENDPOINT_URL_DYNAMODB'] || settings['AWS_ENDPOINT_URL'] || undefined;
  const id = settings['AWS_ACCESS_KEY_ID'];
  const secret = settings['AWS_SECRET_ACCESS_KEY'];
  const client = new DynamoDBClient({
    region,
    endpoint,
    // Explicit keys when the settings carry them (an env file's); otherwise the SDK's default chain.
    credentials: id && secret ? { accessKeyId: id, secretAccessKey: secret, sessionToken: settings['AWS_SESSION_TOKEN'] || undefined } : undefined,
    profile: settings['AWS_PROFILE'] || undefined,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 3000, requestTimeout: 10_000, throwOnRequestTimeout: true },
  });
  return { client, where: endpoint ? `${endpoint} (${region})` : region };
}

/** One line for an SDK failure. */
function explain(err: unknown, table: string, where: string): RevokeError {
  const e = err as { name?: string; message?: string; code?: string; cause?: { code?: string } };
  const name = e?.name ?? 'Error';
  const code = e?.code ?? e?.cause?.code;
  if (name === 'ResourceNotFoundException') {
    return new RevokeError(`table "${table}" not found in ${where}: check REPLAY_TABLE_NAME, AWS_REGION and AWS_ENDPOINT_URL_DYNAMODB`);
  }
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(e?.message ?? '')) {
    return new RevokeError('no AWS credentials: set AWS_PROFILE (or run aws sso login) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  }
  if (['UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException', 'InvalidClientTokenId'].includes(name)) {
    return new RevokeError(`AWS refused the credentials (${name}): refresh them or choose another AWS_PROFILE`);
  }
  if (name === 'AccessDeniedException') {
    return new RevokeError(`not allowed to write table "${table}": the caller needs dynamodb:PutItem, dynamodb:UpdateItem and dynamodb:GetItem on it`);
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || name === 'TimeoutError') {
    return new RevokeError(`cannot reach DynamoDB at ${where} (${code ?? name}): is the endpoint right, and is the local stack (npm start) running?`);
  }
  return new RevokeError(`DynamoDB refused the write to "${table}" at ${where}: ${name}: ${(e?.message ?? '').slice(0, 200)}`);
}

/**
 * A `jti` record: a plain PutItem (a later revocation of the same token only moves its expiry).
 * A subject record: an UpdateItem that only ever raises `notBefore`, so a second revocation with an
 * earlier --before can never un-revoke tokens the first one covered; a record that has expired (TTL not
 * run yet) is replaced whatever it held.
 */
async function write(client: DynamoDBClient, table: string, record: RevocationItem, now: number): Promise<{ written: boolean; kept?: number }> {
  if (record.notBefore === undefined) {
    await client.send(new PutItemCommand({ TableName: table, Item: record.item }));
    return { written: true };
  }
  const { [A.key]: _key, ...rest } = record.item;
  const names = Object.keys(rest);
  try {
    await client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { [A.key]: record.item[A.key]! },
        UpdateExpression: `SET ${names.map((_, i) => `#a${i} = :a${i}`).join(', ')}`,
        ConditionExpression: 'attribute_not_exists(#pk) OR #nb <= :nb OR #exp < :now',
        ExpressionAttributeNames: { ...Object.fromEntries(names.map((n, i) => [`#a${i}`, n])), '#pk': A.key, '#nb': A.notBefore, '#exp': A.expiresAt },
        ExpressionAttributeValues: { ...Object.fromEntries(names.map((n, i) => [`:a${i}`, rest[n]!])), ':nb': { N: String(record.notBefore) }, ':now': { N: String(now) } },
      }),
    );
    return { written: true };
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException) && (err as Error)?.name !== 'ConditionalCheckFailedException') throw err;
  }
  const existing = await client.send(new GetItemCommand({ TableName: table, Key: { [A.key]: record.item[A.key]! }, ConsistentRead: true }));
  const kept = Number(existing.Item?.[A.notBefore]?.N);
  return { written: false, kept: Number.isFinite(kept) ? kept : Infinity };
}

/**
 * Runs `npm run revoke` with `argv` (the arguments after `--`). Throws `UsageError` (bad command line)
 * or `RevokeError` (anything else), both exit 2. Returns `'help'` for --help.
 */
export async function revoke(argv: readonly string[], io: RevokeIo): Promise<RevokeOutcome | 'help'> {
  const args = parseRevokeArgs(argv);
  if (args === 'help') return 'help';
  const env = environments(args, io.env);
  const config = configOf(env.authorizer, env.source);
  const issuer = issuerOf(config, args.issuer);
  const notBefore = parseBefore(args.before, io.now);
  const record = revocationItem(config, { kind: args.kind, issuer, value: args.value, notBefore, now: io.now });
  const table = config.replayTableName!;
  const what =
    args.kind === 'jti'
      ? `the token with jti "${args.value}" of ${issuer}`
      : `tokens of subject "${args.value}" of ${issuer} issued before ${iso(notBefore)} (iat < ${notBefore})`;
  if (record.expiresAt < io.now) {
    return { written: false, record, table, message: `nothing to write: ${what} have all expired (no such token is accepted after ${iso(record.expiresAt)})` };
  }
  const { client, where } = clientFor(env.aws);
  try {
    const result = await write(client, table, record, io.now);
    if (!result.written) {
      const kept = result.kept === Infinity ? 'every token (the record has no notBefore)' : `tokens issued before ${iso(result.kept!)}`;
      return { written: false, record, table, message: `left unchanged: table "${table}" already revokes ${kept} of that subject, which covers ${what}` };
    }
    return {
      written: true,
      record,
      table,
      message: `revoked ${what}: record ${record.key.slice(0, 16)}… in table "${table}" at ${where}, kept until ${iso(record.expiresAt)}`,
    };
  } catch (err) {
    if (err instanceof LocalError) throw err;
    throw explain(err, table, where);
  } finally {
    client.destroy();
  }
}
