/**
 * From a JSON pointer back to a line: the `yaml` package's CST keeps every node's source range, and a
 * `LineCounter` turns offsets into lines. JSON is YAML, so the same code serves `.json` documents.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Position } from './document.js';
import { parsePointer } from './pointer.js';

/** A function giving the position of the node at a pointer, or of its nearest ancestor present in the text. */
export function lineLocator(text: string): (pointer: string) => Position | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false });
  return (pointer) => {
    let node: unknown = doc.contents;
    let at: readonly number[] | undefined | null = (node as { range?: number[] } | null)?.range;
    for (const token of parsePointer(pointer)) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === token);
        if (!pair) break;
        // The key's line is where a reader looks for `get:` or `/orders:`.
        at = (pair.key as { range?: number[] }).range ?? at;
        node = pair.value;
      } else if (isSeq(node)) {
        const item = /^\d+$/.test(token) ? node.items[Number(token)] : undefined;
        if (!item) break;
        at = (item as { range?: number[] }).range ?? at;
        node = item;
      } else {
        break;
      }
    }
    if (!at) return undefined;
    const { line, col } = lineCounter.linePos(at[0]!);
    return { line, column: col };
  };
}
