/**
 * `npm start -- --env-file <file>`: the user's own authorizer configuration on the local stack. `npm start`
 * never reads shell variables (the stack must behave the same on every machine), so this file is the one
 * documented way in. Its authorizer variables replace the local defaults; the local stack keeps the
 * pieces it runs itself (replay table, DynamoDB endpoint); the result passes the function's own
 * `parseConfig`, so a bad value stops the stack with the message the deployed function would log.
 */
import { parseConfig } from '../lib/config.js';
import { ENV } from '../lib/env-names.js';
import { readEnvFile } from './env-file.js';
import { LocalError } from './errors.js';

/** Variables the local stack owns: a value for them in the file would point the handler at nothing. */
const STACK_OWNED: readonly string[] = [ENV.replayTableName, ENV.replayProtection, 'AWS_ENDPOINT_URL_DYNAMODB'];
const AUTHORIZER_NAMES = new Set<string>(Object.values(ENV));

/** The merged environment and one note per thing the user should know about it. */
export interface UserEnv {
  readonly env: Record<string, string>;
  readonly notes: string[];
}

/**
 * Merges the file's authorizer variables (and `POWERTOOLS_*`) over `base`, then validates the result.
 * @throws UsageError when the file is missing; LocalError naming the file and the variable when the
 *   authorizer would refuse the configuration
 */
export function userAuthorizerEnv(base: Readonly<Record<string, string>>, file: string, fn?: string): UserEnv {
  const { env: fromFile, label } = readEnvFile(file, '--env-file', fn);
  const env: Record<string, string> = { ...base };
  const notes: string[] = [];
  const ignored: string[] = [];
  const used: string[] = [];
  for (const [name, value] of Object.entries(fromFile)) {
    if (STACK_OWNED.includes(name)) {
      if (value !== (base[name] ?? '')) ignored.push(name);
    } else if (AUTHORIZER_NAMES.has(name) || name.startsWith('POWERTOOLS_')) {
      env[name] = value;
      used.push(name);
    } else ignored.push(name);
  }
  if (used.length === 0) throw new LocalError(`--env-file ${label} sets none of the authorizer's variables (${[...AUTHORIZER_NAMES].slice(0, 4).join(', ')}, …)`);
  used.sort();
  ignored.sort();
  notes.push(`configuration from ${label}: ${used.join(', ')}`);
  if (ignored.length) notes.push(`ignored from ${file}: ${ignored.join(', ')} (the local stack runs its own replay table; use --replay for REPLAY_PROTECTION)`);
  if (env[ENV.issuer] !== base[ENV.issuer]) {
    notes.push(`JWT_ISSUER is ${env[ENV.issuer]}: tokens from npm run token (iss ${base[ENV.issuer]}) will be refused with ISSUER_MISMATCH`);
  }
  try {
    parseConfig(env);
  } catch (err) {
    throw new LocalError(`the authorizer refuses the configuration from ${file}: ${(err as Error).message}`);
  }
  return { env, notes };
}
