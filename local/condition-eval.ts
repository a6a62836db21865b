/**
 * LOCAL ONLY. Evaluates the small ConditionExpression grammar the replay store uses
 * (`attribute_not_exists(pk) OR expiresAt < :now OR notBefore <= :iat`) against an item, for the
 * transaction shim in front of dynalite. Anything outside the grammar throws, so the shim answers with a
 * ValidationException instead of guessing.
 */
type AttributeValue = { S?: string; N?: string; [type: string]: unknown };
type Item = Record<string, AttributeValue>;

const TERM = /^(?:attribute_(not_)?exists\((#?[A-Za-z0-9_]+)\)|(#?[A-Za-z0-9_]+)\s*(<=|>=|<>|<|>|=)\s*(:[A-Za-z0-9_]+))$/;

function compare(left: AttributeValue | undefined, op: string, right: AttributeValue | undefined): boolean {
  if (!left || !right) return false;
  // DynamoDB compares only values of the same type; another type makes the comparison false.
  let a: number | string;
  let b: number | string;
  if (left.N !== undefined && right.N !== undefined) [a, b] = [Number(left.N), Number(right.N)];
  else if (left.S !== undefined && right.S !== undefined) [a, b] = [left.S, right.S];
  else return false;
  switch (op) {
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    case '>=': return a >= b;
    case '=': return a === b;
    default: return a !== b;
  }
}

/**
 * Whether `item` (undefined when absent) satisfies `expression`, a disjunction (`OR`) of
 * `attribute_exists(x)`, `attribute_not_exists(x)` and comparisons of an attribute with a value.
 */
export function satisfies(
  expression: string,
  item: Item | undefined,
  values: Record<string, AttributeValue> = {},
  names: Record<string, string> = {},
): boolean {
  const name = (raw: string): string => (raw.startsWith('#') ? (names[raw] ?? raw) : raw);
  return expression.split(/\s+OR\s+/i).some((term) => {
    const m = TERM.exec(term.trim());
    if (!m) throw new Error(`the local transaction shim does not support the condition "${term.trim()}"`);
    if (m[2] !== undefined) {
      const present = item?.[name(m[2])] !== undefined;
      return m[1] ? !present : present;
    }
    if (!(m[5]! in values)) throw new Error(`the condition uses ${m[5]} without a value`);
    return compare(item?.[name(m[3]!)], m[4]!, values[m[5]!]);
  });
}
