/**
 * Validation of JwtAuthorizer props at synth time: each message names the prop, and the function's own
 * config parser runs on the environment the construct built, so nothing reaches a deployed cold start
 * that the function would refuse.
 */
import { Token } from 'aws-cdk-lib';
import { parseConfig } from '../lib/config.js';
import { ENV } from '../lib/env-names.js';

/** Throws a construct validation error with a uniform prefix. */
export function invalid(message: string): never {
  throw new Error(`JwtAuthorizer: ${message}`);
}

export function checkHttpsUrl(name: string, value: string): void {
  if (Token.isUnresolved(value)) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    invalid(`${name} "${value}" is not a valid URL`);
  }
  if (url.protocol !== 'https:') invalid(`${name} "${value}" must be an https: URL`);
  if (url.username || url.password) invalid(`${name} must not carry credentials`);
}

/**
 * Runs the function's own config parser on the environment the construct built, so whatever the
 * function would refuse at cold start fails the synth instead. Values only known at deploy time (a
 * token issuer, the table name) are replaced by stand-ins of the right shape.
 */
export function checkWithFunctionConfig(environment: Readonly<Record<string, string>>): void {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(environment)) {
    if (!Token.isUnresolved(value)) values[name] = value;
    else if (name === ENV.replayTableName) values[name] = 'replay-table';
    else if (name === ENV.issuer) values[name] = 'https://issuer.invalid';
    else return;
  }
  try {
    parseConfig(values);
  } catch (err) {
    invalid(`the function would refuse this configuration at cold start: ${(err as Error).message}`);
  }
}

export function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) invalid(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
}

export function checkList(name: string, list: readonly string[]): void {
  if (list.length === 0) invalid(`${name} must not be empty`);
  for (const item of list) {
    if (item.trim() === '' || /[\s,]/.test(item)) invalid(`${name}: "${item}" is empty or contains whitespace or a comma`);
  }
}

export function checkOneOf<T extends string>(name: string, value: T, allowed: readonly T[]): void {
  if (!allowed.includes(value)) invalid(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got '${String(value)}'`);
}
