/**
 * Turns zod issues into sentences for people: `data.port: expected number, got string "5432"`.
 * Path first (as the user wrote it in the manifest), then the problem in plain words; no codes,
 * no stack traces. Parse with `{ reportInput: true }` so the offending value can be quoted.
 */
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** Most issues listed in one message; the rest are counted ("and 3 more"). */
export const MAX_LISTED_ISSUES = 10;

/** `data.pool.min`, `data.endpoints[0].url`, `data.flags["new-checkout"]`. */
export function formatPath(root: string, path: readonly PropertyKey[]): string {
  let text = root;
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(part)) text += `.${part}`;
    else text += `[${JSON.stringify(String(part))}]`;
  }
  return text;
}

/** A value as a person reads it in a message: type and, for scalars, the value itself (shortened). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `string ${quote(value)}`;
    case 'number':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    case 'object':
      return 'an object';
    case 'undefined':
      return 'nothing';
    default:
      return typeof value;
  }
}

function quote(text: string): string {
  const shown = text.length > 64 ? `${text.slice(0, 61)}...` : text;
  return JSON.stringify(shown);
}

function plural(n: number | bigint, one: string): string {
  return `${n} ${one}${n === 1 || n === 1n ? '' : 's'}`;
}

function sizeBound(issue: Extract<Issue, { code: 'too_small' | 'too_big' }>, word: 'least' | 'most'): string {
  const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
  const inclusive = issue.inclusive !== false;
  switch (issue.origin) {
    case 'string':
      return `must be at ${word} ${plural(bound, 'character')} long`;
    case 'array':
    case 'set':
      return `must have at ${word} ${plural(bound, 'item')}`;
    case 'object':
      return `must have at ${word} ${plural(bound, 'property')}`.replace('propertys', 'properties');
    default: {
      const relation = word === 'least' ? (inclusive ? 'at least' : 'greater than') : inclusive ? 'at most' : 'less than';
      return `must be ${relation} ${String(bound)}, got ${String(issue.input)}`;
    }
  }
}

/** The problem of one issue, without its path. */
export function describeIssue(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required';
      return `expected ${issue.expected === 'int' ? 'integer' : issue.expected}, got ${describeValue(issue.input)}`;
    case 'too_small':
      return sizeBound(issue, 'least');
    case 'too_big':
      return sizeBound(issue, 'most');
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(issue.input)}`;
    case 'unrecognized_keys':
      return `unknown ${issue.keys.length === 1 ? 'field' : 'fields'} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_format':
      // A schema's own message (e.g. "must be an http or https URL") wins over zod's generic one.
      if (!issue.message.startsWith('Invalid')) return `${issue.message}, got ${describeValue(issue.input)}`;
      if (issue.format === 'regex') return `${issue.message.replace(/^Invalid string: /, '')}, got ${describeValue(issue.input)}`;
      return `must be a valid ${issue.format === 'url' ? 'URL' : issue.format}, got ${describeValue(issue.input)}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}, got ${String(issue.input)}`;
    case 'invalid_union':
      return describeUnionIssue(issue);
    case 'invalid_key':
      return `invalid name: ${issue.issues.map(describeIssue).join(', ')}`;
    default:
      return issue.message;
  }
}

/**
 * A discriminated union reports the discriminator's path with the whole object as input; name the
 * allowed discriminator values and the one given.
 */
function describeUnionIssue(issue: Extract<Issue, { code: 'invalid_union' }>): string {
  if (issue.discriminator !== undefined && 'options' in issue && issue.options !== undefined) {
    const input = issue.input as Record<string, unknown> | undefined;
    const given = input !== null && typeof input === 'object' ? input[issue.discriminator] : undefined;
    if (given === undefined) return 'required';
    return `must be one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}, got ${describeValue(given)}`;
  }
  return 'does not match any of the allowed forms';
}

/** One line per issue, `path: problem`, rooted at `root` (e.g. `data`). */
export function formatIssues(root: string, issues: readonly Issue[]): string[] {
  return issues.map((issue) => `${formatPath(root, issue.path)}: ${describeIssue(issue)}`);
}

/** All lines in one message, `; `-separated, at most MAX_LISTED_ISSUES and a count of the rest. */
export function joinIssues(lines: readonly string[]): string {
  const listed = lines.slice(0, MAX_LISTED_ISSUES).join('; ');
  const rest = lines.length - MAX_LISTED_ISSUES;
  return rest > 0 ? `${listed}; and ${rest} more` : listed;
}
