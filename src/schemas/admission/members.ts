/**
 * A ConfigBundle's members as what a generated policy judges: every member whose `schema` names the
 * version gets the checks an entry's spec.data gets, generated once with the member's data as root
 * (MEMBER_DATA) and quantified here over the members, so an entry and a bundle member wrapping the
 * same data get the same verdict.
 *
 * Guarantees:
 * - `overMembers(v)` holds exactly when `v` holds for the data of every member naming `id`; members
 *   naming another id are not judged (and cost one string comparison each);
 * - its message names the first member for which `v` fails, by key and index, then the field as the
 *   entry's message names it: `member checkout/db (spec.members[1]): spec.members[1].data.port:
 *   must be of type integer` (the operator's Stalled message names a member the same way); the
 *   static fallback, used only if that expression errs, names every member (`spec.members[*]`).
 * Cost: every validation of a member policy has a message expression (it must find the member), and
 * the apiserver evaluates every message expression on every request it matches (validating/
 * validator.go): a bundle naming the version pays its members' checks about twice, an entry's single-
 * valued checks once. Bundles without a member of the version pay only the match condition.
 * Assumptions: the apiserver validated the bundle against its CRD before admission, so every member
 * has a string `key` and `schema` and an object `data`, and keys are unique (indexOf finds the one).
 */
import { stringLiteral } from './cel.ts';
import type { DataRoot } from './sites.ts';
import type { Validation } from './validations.ts';

/**
 * A member's data, read through the comprehension variable `member` (so nothing can be a policy
 * variable); `dyn()` for the type check, as for an entry's spec.data (sites.ts ENTRY_DATA): the
 * ConfigBundle CRD declares no field of a member's data.
 */
export const MEMBER_DATA: DataRoot = { expression: 'dyn(member.data)', path: 'data', bindable: false };
const MEMBERS = 'object.spec.members';

/** The match condition: the bundle has a member naming `id`. */
export function namesMember(id: string): string {
  return `has(object.spec) && has(object.spec.members) && ${MEMBERS}.exists(member, member.schema == ${stringLiteral(id)})`;
}

/** `v`, generated with MEMBER_DATA as root, over every member naming `id`. */
export function overMembers(v: Validation, id: string): Validation {
  const named = `member.schema == ${stringLiteral(id)}`;
  const index = `string(${MEMBERS}.indexOf(member))`;
  const field = v.messageExpression ?? stringLiteral(v.message);
  const firstFailing = `${MEMBERS}.filter(member, ${named} && !(${v.expression}))[0]`;
  return {
    expression: `${MEMBERS}.all(member, !(${named}) || (${v.expression}))`,
    messageExpression: `[${firstFailing}].map(member, "member " + member.key + " (spec.members[" + ${index} + "]): spec.members[" + ${index} + "]." + ${field})[0]`,
    message: `spec.members[*].${v.message}`,
    reason: v.reason,
  };
}
