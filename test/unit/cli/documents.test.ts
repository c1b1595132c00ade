import { describe, expect, it } from 'vitest';
import { fieldSegments, parseDocuments } from '../../../src/cli/validate/documents.ts';
import { fieldOf } from '../../../src/cli/validate/check-documents.ts';

describe('field paths as messages name them', () => {
  const cases: [string, (string | number)[]][] = [
    ['spec.data.port', ['spec', 'data', 'port']],
    ['spec.data.routes[2].burst', ['spec', 'data', 'routes', 2, 'burst']],
    ['data.flags["new-checkout"].rollout', ['spec', 'data', 'flags', 'new-checkout', 'rollout']],
    ['data.flags["a.b"]', ['spec', 'data', 'flags', 'a.b']],
    ['spec.data.labels[team]', ['spec', 'data', 'labels', 'team']],
    ['openAPIV3Schema.properties[port].type', ['openAPIV3Schema', 'properties', 'port', 'type']],
    ['metadata.name', ['metadata', 'name']],
  ];
  for (const [field, segments] of cases) it(`${field} -> ${JSON.stringify(segments)}`, () => expect(fieldSegments(field)).toEqual(segments));

  const messages: [string, string][] = [
    ['spec.data.port: Invalid value: "string": must be of type integer', 'spec.data.port'],
    ['data.flags["new-checkout"].defaultVariant: must name a variant', 'data.flags["new-checkout"].defaultVariant'],
    ['strict decoding error: unknown field "spec.data.x"', ''],
    ['<nil>: Invalid value: null: some validation rules were not checked', ''],
  ];
  for (const [message, field] of messages) it(`the field of ${JSON.stringify(message)} is ${JSON.stringify(field)}`, () => expect(fieldOf(message)).toBe(field));
});

const MANIFEST = `# a comment
apiVersion: cairn.dev/v1alpha1
kind: ConfigEntry
metadata:
  name: a
spec:
  schema: rate-limits@v1
  data:
    routes:
      - route: /x
        burst: 1
      - route: /y
        burst: on
---
---
apiVersion: v1
kind: Namespace
metadata: { name: n }
`;

describe('documents of a file', () => {
  const documents = parseDocuments('f.yaml', MANIFEST);

  it('skips empty documents and numbers the others by their place in the file', () => {
    expect(documents.map((d) => [d.index, d.line])).toEqual([[1, 2], [3, 16]]);
  });

  it('reads YAML 1.1 as kubectl does (on is a boolean)', () => {
    expect((documents[0]?.object as { spec: { data: { routes: { burst: unknown }[] } } }).spec.data.routes[1]?.burst).toBe(true);
  });

  const lines: [string, number][] = [
    ['spec.data.routes[1].burst', 13],
    ['spec.data.routes[0]', 10],
    ['data.routes[1].route', 12],
    ['spec.data.routes[1].methods', 12],
    ['spec.data.missing', 8],
    ['metadata.name', 5],
    ['', 2],
  ];
  for (const [field, line] of lines) it(`finds ${JSON.stringify(field)} at line ${line} (or its nearest ancestor)`, () => expect(documents[0]?.lineOf(field)).toBe(line));

  it('reports a syntax error with its line and no object', () => {
    const [broken] = parseDocuments('g.yaml', 'kind: ConfigEntry\nspec:\n  data: [1, 2\n');
    expect(broken?.object).toBeUndefined();
    expect(broken?.syntaxErrors[0]).toMatch(/^line \d+: /);
  });
});

// As `kubectl get configentries -o yaml` prints them: a v1 List; and a typed list holding a list.
const LIST = `apiVersion: v1
kind: List
metadata:
  resourceVersion: ""
items:
- apiVersion: cairn.dev/v1alpha1
  kind: ConfigEntry
  metadata:
    name: a
  spec:
    schema: database@v1
    data:
      port: 1
- apiVersion: cairn.dev/v1alpha1
  kind: ConfigEntryList
  items:
  - kind: ConfigEntry
    metadata:
      name: b
    spec:
      data:
        port: 2
---
kind: ConfigEntry
metadata: { name: c }
`;

describe('list documents, taken as kubectl apply -f takes them', () => {
  const documents = parseDocuments('list.yaml', LIST);

  it('are their items, each an object of its own named by its place in the list (lists in lists too)', () => {
    expect(documents.map((d) => [d.index, d.item, d.line, (d.object as { metadata: { name: string } }).metadata.name])).toEqual([
      [1, 'items[0]', 6, 'a'],
      [1, 'items[1].items[0]', 17, 'b'],
      [2, undefined, 24, 'c'],
    ]);
  });

  it('find a field inside their item', () => {
    expect([documents[0]?.lineOf('spec.data.port'), documents[1]?.lineOf('data.port'), documents[1]?.lineOf('spec.data.missing')]).toEqual([13, 22, 21]);
  });

  it('with no items hold no object; a kind ending in List without items is an object', () => {
    expect(parseDocuments('e.yaml', 'apiVersion: v1\nkind: List\nitems: []\n')).toEqual([]);
    expect(parseDocuments('w.yaml', 'kind: WaitList\nspec: {}\n').map((d) => d.item)).toEqual([undefined]);
  });
});
