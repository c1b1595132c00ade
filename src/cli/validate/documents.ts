/**
 * Manifests as documents: YAML (multi-document, YAML 1.1 as kubectl reads it, so `on`/`off` are
 * booleans there too) or JSON, with where each document starts and a way to find the line of a field
 * named the way messages name it (`spec.data.routes[2].burst`, `data.flags["new-checkout"]`).
 * A list (`kind: List` as `kubectl get -o yaml` writes it, or any `<Kind>List` with `items`) is
 * taken as `kubectl apply -f` takes it: each item is an object of its own (lists in lists too).
 *
 * Pure: text in, documents out (files.ts reads the files).
 */
import { LineCounter, type Node, isMap, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';

export interface LoadedDocument {
  readonly file: string;
  /** 1-based position of the document in its file. */
  readonly index: number;
  /** Where the object sits in a list document (`items[2]`, `items[0].items[1]`); absent for a document of its own. */
  readonly item?: string;
  /** 1-based line where the document's content starts. */
  readonly line: number;
  /** The document as plain data; undefined when it did not parse (see syntaxErrors) or is empty. */
  readonly object: unknown;
  readonly syntaxErrors: readonly string[];
  /** The line of the field a message names, or of its nearest ancestor present in the document. */
  lineOf(field: string): number;
}

/** `spec.data.routes[2].burst` -> ['spec', 'data', 'routes', 2, 'burst']; `x["a.b"]` and `x[a]` name map keys. */
export function fieldSegments(field: string): (string | number)[] {
  const segments: (string | number)[] = [];
  const pattern = /([^.[\]]+)|\[("(?:[^"\\]|\\.)*"|[^\]]*)\]/g;
  for (const match of field.matchAll(pattern)) {
    if (match[1] !== undefined) segments.push(match[1]);
    else {
      const inside = match[2] as string;
      if (/^\d+$/.test(inside)) segments.push(Number(inside));
      else if (inside.startsWith('"')) segments.push(JSON.parse(inside) as string);
      else segments.push(inside);
    }
  }
  // The operator's own messages are rooted at `data` (the entry's spec.data).
  if (segments[0] === 'data') segments.unshift('spec');
  return segments;
}

function nodeLine(node: Node | null | undefined, counter: LineCounter): number | undefined {
  const offset = node?.range?.[0];
  return offset === undefined ? undefined : counter.linePos(offset).line;
}

/** The line of the node at `path` under `root`, or of its nearest ancestor present. */
function locate(root: unknown, path: readonly (string | number)[], counter: LineCounter, fallback: number): number {
  let node = root as Node | null | undefined;
  let line = nodeLine(node, counter) ?? fallback;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (pair === undefined) break;
      line = nodeLine(pair.key as Node, counter) ?? line;
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (item === undefined) break;
      line = nodeLine(item, counter) ?? line;
      node = item;
    } else {
      break;
    }
  }
  return line;
}

type Obj = Record<string, unknown>;

/** A list as kubectl takes one: a kind ending in `List` (`List` itself included) with an `items` array. */
function isList(object: unknown): object is Obj & { items: unknown[] } {
  if (object === null || typeof object !== 'object' || Array.isArray(object)) return false;
  const { kind, items } = object as Obj;
  return typeof kind === 'string' && kind.endsWith('List') && Array.isArray(items);
}

/** Every document of `text` (empty documents are left out: they are not objects), list items as documents. */
export function parseDocuments(file: string, text: string): LoadedDocument[] {
  const counter = new LineCounter();
  const documents = parseAllDocuments(text, { version: '1.1', lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const all = Array.isArray(documents) ? documents : [];
  const loaded: LoadedDocument[] = [];
  all.forEach((document, i) => {
    const start = nodeLine(document.contents, counter) ?? counter.linePos(document.range[0]).line;
    const errors = document.errors.map((e) => `line ${counter.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`);
    const object = errors.length === 0 ? (document.toJS({ maxAliasCount: 100 }) as unknown) : undefined;
    if (errors.length === 0 && (object === null || object === undefined)) return;
    const lineAt = (path: readonly (string | number)[]): number => locate(document.contents, path, counter, start);
    const add = (value: unknown, path: readonly (string | number)[]): void => {
      if (isList(value)) return value.items.forEach((item, n) => add(item, [...path, 'items', n]));
      const item = path.length === 0 ? {} : { item: path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').slice(1) };
      loaded.push({ file, index: i + 1, ...item, line: lineAt(path), object: value, syntaxErrors: errors, lineOf: (field) => lineAt([...path, ...fieldSegments(field)]) });
    };
    add(object, []);
  });
  return loaded;
}
