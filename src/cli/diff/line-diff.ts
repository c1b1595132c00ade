/**
 * A unified diff of two texts by lines (longest common subsequence), as `diff -u` and `kubectl diff`
 * print it: `-` lines only in the old text, `+` lines only in the new, `context` unchanged lines
 * around each change. Pure; meant for pretty-printed JSON values (hundreds of lines, not millions:
 * the table is lines(a) x lines(b)).
 */
type Op = { kind: ' ' | '-' | '+'; line: string };

function operations(a: readonly string[], b: readonly string[]): Op[] {
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const row = lcs[i] as number[];
      row[j] = a[i] === b[j] ? (lcs[i + 1] as number[])[j + 1]! + 1 : Math.max((lcs[i + 1] as number[])[j]!, row[j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i] as string });
      i++;
      j++;
    } else if (j < b.length && (i >= a.length || (lcs[i] as number[])[j + 1]! > (lcs[i + 1] as number[])[j]!)) {
      // Removals before additions on a tie, as diff -u prints a changed line.
      ops.push({ kind: '+', line: b[j] as string });
      j++;
    } else {
      ops.push({ kind: '-', line: a[i] as string });
      i++;
    }
  }
  return ops;
}

/** The changed lines with `context` lines around them; `@@` separates distant changes. Empty when equal. */
export function lineDiff(oldText: string, newText: string, context = 3): string[] {
  const ops = operations(oldText.split('\n'), newText.split('\n'));
  const keep = ops.map(() => false);
  ops.forEach((op, k) => {
    if (op.kind === ' ') return;
    for (let c = Math.max(0, k - context); c <= Math.min(ops.length - 1, k + context); c++) keep[c] = true;
  });
  const lines: string[] = [];
  let gap = false;
  ops.forEach((op, k) => {
    if (!keep[k]) {
      gap = true;
      return;
    }
    if (gap || lines.length === 0) lines.push('@@');
    gap = false;
    lines.push(`${op.kind}${op.line}`);
  });
  return lines;
}
