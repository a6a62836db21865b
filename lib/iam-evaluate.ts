/**
 * Evaluates an authorizer policy the way API Gateway does for `execute-api:Invoke`: `*` matches any run
 * of characters (including `/`), `?` exactly one, an explicit Deny wins, and no Allow means deny.
 * Used by the tests, the local gateway and the policy builder's own checks.
 */

/** The parts of an IAM policy document the evaluator reads (the `aws-lambda` PolicyDocument fits). */
export interface PolicyLike {
  readonly Statement: readonly object[];
}

/**
 * A resource pattern split at its `*`s: the ARN must start with the first piece, end with the last, and
 * hold the middle pieces in order. A `?` inside a piece matches any one character.
 */
interface Compiled {
  readonly pieces: readonly string[];
  /** Whether any piece holds a `?` (then pieces are compared by hand, not with `indexOf`). */
  readonly anyChar: boolean;
  /** The least length a matching ARN has: the pieces' total. */
  readonly minLength: number;
}

const compiled = new Map<string, Compiled>();

/**
 * Work the matcher has done: characters compared or scanned, over all calls. Tests read it to bound the
 * cost of a decision without a clock; it only ever grows.
 */
export const matcherWork = { steps: 0 };

function compile(pattern: string): Compiled {
  let c = compiled.get(pattern);
  if (!c) {
    const pieces = pattern.split('*');
    c = { pieces, anyChar: pattern.includes('?'), minLength: pieces.reduce((n, p) => n + p.length, 0) };
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(pattern, c);
  }
  return c;
}

/** Whether `piece` (with `?` as any one character) matches `text` at `at`. */
function pieceAt(piece: string, text: string, at: number): boolean {
  for (let i = 0; i < piece.length; i++) {
    matcherWork.steps++;
    const p = piece.charCodeAt(i);
    if (p !== 63 /* ? */ && p !== text.charCodeAt(at + i)) return false;
  }
  return true;
}

/** The first index from `from` where `piece` matches and ends by `end`, or -1. */
function find(piece: string, anyChar: boolean, text: string, from: number, end: number): number {
  if (!anyChar) {
    const at = text.indexOf(piece, from);
    // indexOf is linear in the text scanned (V8 falls back to Boyer-Moore on repetitive input).
    matcherWork.steps += (at < 0 ? text.length - from : at - from) + piece.length;
    return at >= 0 && at + piece.length <= end ? at : -1;
  }
  for (let at = from; at + piece.length <= end; at++) if (pieceAt(piece, text, at)) return at;
  return -1;
}

/**
 * Whether an IAM resource pattern matches a concrete ARN: `*` any run of characters (including `/` and
 * none), `?` exactly one. Without backtracking: each middle piece is taken at its leftmost place, which is
 * always right for `*` (a later place only leaves less room for the pieces after it). The cost is the
 * ARN's length times the longest piece (only with `?`; plain pieces scan in linear time), never
 * exponential: a backtracking regular expression took seconds on a 4 KB path with three `*`s.
 */
export function arnPatternMatches(pattern: string, arn: string): boolean {
  const { pieces, anyChar, minLength } = compile(pattern);
  matcherWork.steps++;
  if (arn.length < minLength) return false;
  const first = pieces[0]!;
  if (pieces.length === 1) return arn.length === first.length && pieceAt(first, arn, 0);
  const last = pieces[pieces.length - 1]!;
  if (!pieceAt(first, arn, 0) || !pieceAt(last, arn, arn.length - last.length)) return false;
  let at = first.length;
  const end = arn.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i]!;
    const found = find(piece, anyChar, arn, at, end);
    if (found < 0) return false;
    at = found + piece.length;
  }
  return true;
}

function list(value: unknown): readonly string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function invokes(actions: readonly string[]): boolean {
  return actions.some((a) => arnPatternMatches(a.toLowerCase(), 'execute-api:invoke'));
}

/** Whether one statement applies to invoking `arn` (Action/NotAction, Resource/NotResource). */
function applies(statement: Record<string, unknown>, arn: string): boolean {
  const action = 'NotAction' in statement ? !invokes(list(statement['NotAction'])) : invokes(list(statement['Action']));
  if (!action) return false;
  if ('NotResource' in statement) return !list(statement['NotResource']).some((r) => arnPatternMatches(r, arn));
  return list(statement['Resource']).some((r) => arnPatternMatches(r, arn));
}

/** Whether the policy allows invoking `arn`: some Allow applies and no Deny does. */
export function policyAllows(policy: PolicyLike, arn: string): boolean {
  let allowed = false;
  for (const statement of policy.Statement as readonly Record<string, unknown>[]) {
    if (!applies(statement, arn)) continue;
    if (statement['Effect'] === 'Deny') return false;
    if (statement['Effect'] === 'Allow') allowed = true;
  }
  return allowed;
}
