/**
 * typeCheckOf: a ValidatingAdmissionPolicy as the apiserver answered an apply -> where the apiserver's
 * type check of that content stands. Pure.
 *
 * The type check is not kube-apiserver's: kube-controller-manager's ValidatingAdmissionPolicy status
 * controller (pkg/controller/validatingadmissionpolicystatus) checks each new generation against the
 * schemas of the matched kinds (the ConfigEntry CRD's, from the apiserver's OpenAPI) and writes
 * `status.observedGeneration` and `status.typeChecking.expressionWarnings`. So:
 *
 *   status.observedGeneration     typeChecking warnings   verdict
 *   absent or < generation        (not about this content) notYet: no controller ran on it (yet)
 *   >= generation                 none                    clean
 *   >= generation                 some                    warns: each names its expression
 *                                                          (`spec.validations[3].expression`) and
 *                                                          the check it belongs to (the validation's
 *                                                          static message names the schema path)
 *
 * Guarantees: never throws on any object; a warning of an older generation is never reported (it
 * judged content that is no longer applied).
 */

export type TypeCheck =
  | { readonly kind: 'clean' }
  | { readonly kind: 'notYet' }
  | { readonly kind: 'warns'; readonly warnings: readonly string[] };

interface PolicyShape {
  readonly metadata?: { readonly generation?: number };
  readonly spec?: { readonly validations?: readonly { readonly message?: string }[] };
  readonly status?: {
    readonly observedGeneration?: number;
    readonly typeChecking?: { readonly expressionWarnings?: readonly { readonly fieldRef?: string; readonly warning?: string }[] };
  };
}

/** How much of a validation's message a warning quotes (the path and the start of the check). */
const QUOTED = 160;

export function typeCheckOf(policy: unknown): TypeCheck {
  const { metadata, spec, status } = (policy ?? {}) as PolicyShape;
  const generation = metadata?.generation;
  const observed = status?.observedGeneration;
  if (typeof generation !== 'number' || typeof observed !== 'number' || observed < generation) return { kind: 'notYet' };
  const warnings = (status?.typeChecking?.expressionWarnings ?? []).map(({ fieldRef = '?', warning = '' }) => {
    const index = /^spec\.validations\[(\d+)\]/.exec(fieldRef)?.[1];
    const message = index === undefined ? undefined : spec?.validations?.[Number(index)]?.message;
    const check = message === undefined ? '' : ` (the check ${JSON.stringify(message.length > QUOTED ? `${message.slice(0, QUOTED)}...` : message)})`;
    return `${fieldRef}${check}: ${warning.trim()}`;
  });
  return warnings.length > 0 ? { kind: 'warns', warnings } : { kind: 'clean' };
}
