/**
 * String formats in admission policies: the apiserver's format checks (CRD validation at
 * compatibility version 1.37: apiextensions-apiserver pkg/apiserver/validation/formats.go, implemented
 * by kube-openapi's strfmt) as CEL over a string, with the apiserver's verdict exactly, or refused.
 *
 * Guarantees, by format name as the apiserver normalizes it (dashes removed, case kept):
 * - uri, uuid, byte, date, datetime: the Kubernetes CEL format library (`format.uri()`, ...), whose
 *   validators call the very strfmt functions CRD validation calls (apiserver pkg/cel/library/format.go);
 * - uuid3, uuid4, uuid5, hexcolor, rgbcolor, ssn, bsonobjectid, k8s-short-name, k8s-long-name, hostname:
 *   the same regular expression (CEL's `matches` and strfmt both run Go's RE2) and the same length
 *   limits, counted in bytes where strfmt counts bytes;
 * - password: no check (strfmt accepts any string);
 * - a name the apiserver does not know, or any format on a non-string type: the apiserver strips it
 *   before validating (StripUnsupportedFormatsPostProcessorForVersion), so there is nothing to check.
 * Refused, because no CEL expression gives the same verdict: email (net/mail's address parser),
 * ipv4/ipv6/cidr (strfmt parses leniently, leading zeros included; CEL's ip() and cidr() are strict),
 * mac (net.ParseMAC), duration (time.ParseDuration plus strfmt's own units), isbn, isbn10, isbn13 and
 * creditcard (checksums).
 * Assumptions: the value is a string when the expression runs (the caller guards the type).
 */

/** What admission does with one `format`. */
export type FormatRule =
  | { readonly kind: 'unchecked' }
  | { readonly kind: 'checked' }
  | { readonly kind: 'refused'; readonly message: string };

const UUID3 = '(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$';
const UUID4 = '(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$';
const UUID5 = '(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$';
const HEXCOLOR = '^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$';
const OCTET = '(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])';
const RGBCOLOR = `^rgb\\(\\s*${OCTET}\\s*,\\s*${OCTET}\\s*,\\s*${OCTET}\\s*\\)$`;
const SSN = '^\\d{3}[- ]?\\d{2}[- ]?\\d{4}$';
const BSON_OBJECT_ID = '^[0-9a-fA-F]{24}$';
const SHORT_NAME = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const HOSTNAME = '^([a-zA-Z0-9\\p{S}\\p{L}]((-?[a-zA-Z0-9\\p{S}\\p{L}]{0,62})?)|([a-zA-Z0-9\\p{S}\\p{L}](([a-zA-Z0-9-\\p{S}\\p{L}]{0,61}[a-zA-Z0-9\\p{S}\\p{L}])?)(\\.)){1,}([a-zA-Z\\p{L}]){2,63})$';

/**
 * CEL that holds for a string `x` exactly when strfmt's validator of that (normalized) format name
 * accepts it. `literal` quotes a string as a CEL literal.
 */
const CHECKS: Record<string, (x: string, literal: (s: string) => string) => string> = {
  uri: (x) => `!format.uri().validate(${x}).hasValue()`,
  uuid: (x) => `!format.uuid().validate(${x}).hasValue()`,
  byte: (x) => `!format.byte().validate(${x}).hasValue()`,
  date: (x) => `!format.date().validate(${x}).hasValue()`,
  datetime: (x) => `!format.datetime().validate(${x}).hasValue()`,
  uuid3: (x, q) => `${x}.matches(${q(UUID3)})`,
  uuid4: (x, q) => `${x}.matches(${q(UUID4)})`,
  uuid5: (x, q) => `${x}.matches(${q(UUID5)})`,
  hexcolor: (x, q) => `${x}.matches(${q(HEXCOLOR)})`,
  rgbcolor: (x, q) => `${x}.matches(${q(RGBCOLOR)})`,
  // govalidator.IsSSN: exactly 11 bytes, then the pattern (ASCII only, so bytes are characters).
  ssn: (x, q) => `size(${x}) == 11 && ${x}.matches(${q(SSN)})`,
  bsonobjectid: (x, q) => `${x}.matches(${q(BSON_OBJECT_ID)})`,
  // strfmt.IsShortName / IsLongName: at most 63 / 253 bytes; the pattern is ASCII only.
  k8sshortname: (x, q) => `size(${x}) <= 63 && ${x}.matches(${q(`^${SHORT_NAME}$`)})`,
  k8slongname: (x, q) => `size(${x}) <= 253 && ${x}.matches(${q(`^${SHORT_NAME}(\\.${SHORT_NAME})*$`)})`,
  // strfmt.IsHostname: the pattern (letters and symbols of any script), at most 255 bytes, and every
  // dot-separated part at most 63 bytes.
  hostname: (x, q) => `${x}.matches(${q(HOSTNAME)}) && size(bytes(${x})) <= 255 && ${x}.split('.').all(p, size(bytes(p)) <= 63)`,
};

const REFUSED: Record<string, string> = {
  email: "Go's mail address parser (display names, quoted local parts, comments) has no exact CEL equivalent; use a pattern",
  ipv4: "the apiserver parses addresses leniently (leading zeros allowed) where CEL's ip() is strict; use a pattern or a rule with isIP()",
  ipv6: "the apiserver parses addresses leniently where CEL's ip() is strict; use a pattern or a rule with isIP()",
  cidr: "the apiserver parses prefixes leniently (leading zeros allowed) where CEL's cidr() is strict; use a pattern or a rule with isCIDR()",
  mac: "Go's MAC address parser has no exact CEL equivalent; use a pattern",
  duration: "the apiserver's duration parser (Go durations and its own units) has no exact CEL equivalent; use a pattern",
  isbn: 'the ISBN checksum has no exact CEL equivalent; use a pattern',
  isbn10: 'the ISBN checksum has no exact CEL equivalent; use a pattern',
  isbn13: 'the ISBN checksum has no exact CEL equivalent; use a pattern',
  creditcard: 'the card number checksum has no exact CEL equivalent; use a pattern',
};

/** How admission treats `format` on a node of `type` (undefined: int-or-string or untyped). */
export function formatRule(format: unknown, type: string | undefined): FormatRule {
  if (typeof format !== 'string') return { kind: 'refused', message: 'format must be a string' };
  // On numbers int32/int64/float/double are kept but check nothing; anything else is stripped.
  if (type !== undefined && type !== 'string') return { kind: 'unchecked' };
  const name = format.replaceAll('-', '');
  if (checkOf(name) !== undefined) return { kind: 'checked' };
  const refused = Object.hasOwn(REFUSED, name) ? REFUSED[name] : undefined;
  if (refused !== undefined) return { kind: 'refused', message: `format ${JSON.stringify(format)} is not supported: ${refused}` };
  return { kind: 'unchecked' }; // password (any string), or a name the apiserver strips
}

/** CEL holding for a string `x` exactly when the apiserver accepts it in `format` (a checked one). */
export function formatHolds(format: string, x: string, literal: (s: string) => string): string {
  const check = checkOf(format.replaceAll('-', ''));
  if (check === undefined) throw new Error(`format ${format} has no check`);
  return check(x, literal);
}

/** The check of a normalized format name: own keys only (`constructor`, `toString` are names the apiserver strips, not checks). */
function checkOf(name: string): ((x: string, literal: (s: string) => string) => string) | undefined {
  return Object.hasOwn(CHECKS, name) ? CHECKS[name] : undefined;
}
