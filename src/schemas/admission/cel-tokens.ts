/**
 * A CEL lexer just precise enough to bound what an expression can cost (fast-path-cost.ts): it splits
 * CEL source into tokens (identifiers, numbers, string and bytes literals, operators and punctuation).
 *
 * Guarantees: every AST node of a CEL expression starts at a token of its source that no other node
 * starts at, or is one of the nodes a macro call (`x.all(v, e)`, six tokens and the body's) expands to,
 * at most six per call; so a count of tokens bounds a count of nodes (`nodeBound`). A string literal
 * is one token whatever its length, and its `chars` is at least the length of the value it denotes.
 * Follows cel-go's lexer (parser/gen/CEL.g4) form by form: whitespace is tab, space, CR, LF and form
 * feed; a comment runs from `//` to the end of its line; a string is '...', "...", '''...''' or
 * """...""", raw with an r or R prefix (no escapes), bytes with a b or B prefix before the r; an
 * escape is one of CEL's (\a \b \f \n \r \t \v \" \' \\ \? \`, \xHH, \uHHHH, \UHHHHHHHH, \ooo); a
 * one-line string holds no CR or LF; numbers and identifiers are ASCII.
 * Errors: none thrown; anything else (a backquoted identifier, an unknown escape, a non-ASCII
 * identifier or space, a stray character) makes `tokenize` return undefined, and callers then assume
 * nothing about the expression: unknown means no bound, never a guess.
 */

export type Token =
  | { readonly kind: 'identifier'; readonly text: string }
  | { readonly kind: 'number' }
  | { readonly kind: 'string'; readonly chars: number }
  | { readonly kind: 'operator'; readonly text: string };

const SPACE = /^[\t\n\f\r ]+/;
const COMMENT = /^\/\/[^\n]*/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*/;
const EXPONENT = '([eE][+-]?[0-9]+)';
const NUMBER = new RegExp(`^(0x[0-9a-fA-F]+[uU]?|[0-9]+\\.[0-9]+${EXPONENT}?|[0-9]+${EXPONENT}|[0-9]+[uU]?|\\.[0-9]+${EXPONENT}?)`);
const OPERATOR = /^(==|!=|<=|>=|&&|\|\||[-+*/%!<>?:.,()[\]{}])/;
/** A string or bytes literal: an optional b, an optional r, then '...', "...", '''...''' or """...""". */
const STRING_START = /^([bB]?)([rR]?)('''|"""|'|")/;
/** What may follow a backslash in a string that is not raw. */
const ESCAPE = /^\\([abfnrtv"'\\?`]|[xX][0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-3][0-7]{2})/;
const UTF8 = new TextEncoder();

export function tokenize(source: string): Token[] | undefined {
  const tokens: Token[] = [];
  let rest = source;
  while (rest.length > 0) {
    const skipped = SPACE.exec(rest) ?? COMMENT.exec(rest);
    if (skipped !== null) {
      rest = rest.slice(skipped[0].length);
      continue;
    }
    const start = STRING_START.exec(rest);
    if (start !== null) {
      const quote = start[3] as string;
      const end = closingQuote(rest, start[0].length, quote, start[2] !== '');
      if (end === undefined) return undefined;
      // UTF-8 bytes of the source: at least the code points of a string, the bytes of a bytes literal.
      tokens.push({ kind: 'string', chars: UTF8.encode(rest.slice(start[0].length, end)).length });
      rest = rest.slice(end + quote.length);
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

/** Index of the closing quote of a literal whose body starts at `from`, or undefined when ill-formed. */
function closingQuote(text: string, from: number, quote: string, raw: boolean): number | undefined {
  for (let i = from; i < text.length; i++) {
    if (!raw && text[i] === '\\') {
      const escape = ESCAPE.exec(text.slice(i, i + 10));
      if (escape === null) return undefined;
      i += escape[0].length - 1;
      continue;
    }
    if (text.startsWith(quote, i)) return i;
    if (quote.length === 1 && (text[i] === '\n' || text[i] === '\r')) return undefined;
  }
  return undefined;
}

/** An upper bound of the AST nodes of an expression with these tokens (see the guarantees above). */
export function nodeBound(tokens: readonly Token[]): number {
  return 2 * tokens.length;
}
