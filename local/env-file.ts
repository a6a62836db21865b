/**
 * Environment files of the local tools: SAM's `env.json` format (`{ "<FunctionLogicalId>": { "VAR":
 * "value" } }`, as `events/env.json` and `sam local invoke --env-vars`), or dotenv lines (`VAR=value`,
 * as Node's own `util.parseEnv` reads them). Used by `npm run invoke` and `npm run revoke`.
 */
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { LocalError, UsageError } from './errors.js';

/** Reads and parses a JSON file; failures name the file and what it was for. */
export function readJson(file: string, what: string): unknown {
  return parseJson(readText(file, what), file, what);
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new LocalError(`cannot read ${what} ${file} (${(err as { code?: string }).code ?? (err as Error).message})`);
  }
}

function parseJson(text: string, file: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new LocalError(`${what} ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The variables of one function from a parsed SAM env.json (global `Parameters` first, then the function's). */
function samEnv(doc: unknown, file: string, fn: string | undefined): { env: Record<string, string>; name: string } {
  if (!isObj(doc)) throw new LocalError(`${file} must map function ids to variables: { "<FunctionLogicalId>": { "VAR": "value" } }`);
  const functions = Object.keys(doc).filter((k) => k !== 'Parameters' && isObj(doc[k]));
  let name = fn;
  if (name === undefined) {
    if (functions.length !== 1) throw new UsageError(`${file} names ${functions.length ? `several functions (${functions.join(', ')})` : 'no function'}; choose one with --function`);
    name = functions[0]!;
  } else if (!functions.includes(name)) {
    throw new UsageError(`${file} has no function "${name}"; it has ${functions.join(', ') || 'none'}`);
  }
  const merged = { ...(isObj(doc['Parameters']) ? doc['Parameters'] : {}), ...(doc[name] as Record<string, unknown>) };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(merged)) if (v !== null && v !== undefined) env[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return { env, name };
}

/** The variables of one function from a SAM env.json file. */
export function envFromFile(file: string, fn: string | undefined): { env: Record<string, string>; name: string } {
  return samEnv(readJson(file, 'environment file'), file, fn);
}

/**
 * The variables of a SAM env.json file (a JSON object) or a dotenv file (anything else).
 * @returns the variables and a label saying where they came from
 */
export function envFromAnyFile(file: string, fn: string | undefined): { env: Record<string, string>; source: string } {
  const text = readText(file, 'environment file');
  if (text.trimStart().startsWith('{')) {
    const { env, name } = samEnv(parseJson(text, file, 'environment file'), file, fn);
    return { env, source: `${file} (${name})` };
  }
  if (fn !== undefined) throw new UsageError(`--function applies to SAM env.json files; ${file} is a dotenv file`);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(parseEnv(text))) if (v !== undefined) env[k] = v;
  return { env, source: file };
}
