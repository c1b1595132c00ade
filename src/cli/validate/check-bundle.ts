/**
 * A ConfigBundle document, judged member by member as the operator judges each member (the entry's
 * own checks: the key, then the data against its schema), with every problem named under
 * `spec.members[i]`, and the fields each member's schema prunes (`spec.members[1].data.prot`) for
 * warnings. A bundle commits all its members or none, so one bad member makes it invalid.
 */
import { ConfigBundleSpecSchema } from '../../api/config-bundle.ts';
import { checkRelativeKey } from '../../domain/keys.ts';
import { rootAtMember } from '../../domain/bundle-members.ts';
import { type SchemaLookup, validateData } from '../../domain/validate.ts';
import type { Finding } from './check-documents.ts';
import type { LoadedDocument } from './documents.ts';

export function bundleProblems(
  document: LoadedDocument,
  spec: unknown,
  options: { readonly maxBytes: number; readonly engineSchemas: (id: string) => SchemaLookup },
  finding: (document: LoadedDocument, message: string) => Finding,
): { problems: Finding[]; keys: string[]; pruned: string[] } {
  const parsed = ConfigBundleSpecSchema.safeParse(spec ?? null);
  if (!parsed.success) return { problems: parsed.error.issues.map((issue) => finding(document, `${['spec', ...issue.path].join('.')}: ${issue.message}`)), keys: [], pruned: [] };
  const problems: Finding[] = [];
  const pruned: string[] = [];
  const seen = new Set<string>();
  parsed.data.members.forEach((member, i) => {
    const key = checkRelativeKey(member.key);
    if (!key.ok) problems.push(finding(document, `spec.members[${i}].key: ${key.problem}: ${JSON.stringify(member.key)}`));
    else if (seen.has(member.key)) problems.push(finding(document, `spec.members[${i}].key: Duplicate value: ${JSON.stringify(member.key)} (keys are unique within a bundle)`));
    seen.add(member.key);
    const validated = validateData(member.schema, member.data, options);
    if (!validated.ok) problems.push(...validated.issues.map((m) => finding(document, rootAtMember(m, i))));
    else pruned.push(...validated.pruned.map((path) => rootAtMember(path, i)));
  });
  return { problems, keys: [...seen], pruned };
}
