/**
 * A CEL lexer just precise enough to bound what an expression can cost (fast-path-cost.ts): it splits
 * CEL source into tokens (identifiers, numbers, string and bytes literals, operators and punctuation).
 *
 * Guarantees: every AST node of a CEL expression starts at a token of its source that no other node
 * starts at, or is one of the nodes a macro call (`x.all(v, e)`, six tokens and the body's) expands to,
 * at most six per call; so a count of tokens bounds a count of nodes (`nodeBound`). A string literal
 * is one token whatever its length, and its `chars` is at least the length of the value it denotes.
 * Errors: none thrown; anything it does not recognise (a backquoted identifier, a stray character)
 * makes `tokenize` return undefined, and callers then assume nothing about the expression.
 */

export type Token =
  | { readonly kind: 'identifier'; readonly text: string }
  | { readonly kind: 'number' }
  | { readonly kind: 'string'; readonly chars: number }
  | { readonly kind: 'operator'; readonly text: string };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*/;
const NUMBER = /^(0[xX][0-9a-fA-F]+[uU]?|([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?[uU]?)/;
const OPERATOR = /^(==|!=|<=|>=|&&|\|\||[-+*/%!<>?:.,()[\]{}])/;
/** A string or bytes literal: optional r/b prefixes, then '...', "...", '''...''' or """...""". */
const STRING_START = /^([rRbB]{0,2})('''|"""|'|")/;

export function tokenize(source: string): Token[] | undefined {
  const tokens: Token[] = [];
  let rest = source;
  while (rest.length > 0) {
    const space = /^\s+/.exec(rest);
    if (space !== null) {
      rest = rest.slice(space[0].length);
      continue;
    }
    const start = STRING_START.exec(rest);
    if (start !== null) {
      const raw = /[rR]/.test(start[1] as string);
      const end = closingQuote(rest, start[0].length, start[2] as string, raw);
      if (end === undefined) return undefined;
      tokens.push({ kind: 'string', chars: end - start[0].length });
      rest = rest.slice(end + (start[2] as string).length);
      continue;
    }
    const identifier = IDENTIFIER.exec(rest);
    const number = identifier === null ? NUMBER.exec(rest) : null;
    const operator = identifier === null && number === null ? OPERATOR.exec(rest) : null;
    if (identifier !== null) tokens.push({ kind: 'identifier', text: identifier[0] });
    else if (number !== null) tokens.push({ kind: 'number' });
    else if (operator !== null) tokens.push({ kind: 'operator', text: operator[0] });
    else return undefined;
    rest = rest.slice((identifier ?? number ?? operator)?.[0].length ?? 0);
  }
  return tokens;
}

/** Index of the closing quote of a literal whose body starts at `from`, or undefined. */
function closingQuote(text: string, from: number, quote: string, raw: boolean): number | undefined {
  for (let i = from; i < text.length; i++) {
    if (!raw && text[i] === '\\') {
      i++;
      continue;
    }
    if (text.startsWith(quote, i)) return i;
    if (quote.length === 1 && text[i] === '\n') return undefined;
  }
  return undefined;
}

/** An upper bound of the AST nodes of an expression with these tokens (see the guarantees above). */
export function nodeBound(tokens: readonly Token[]): number {
  return 2 * tokens.length;
}
