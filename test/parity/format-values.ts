/**
 * Strings for each string format the apiserver checks: well-formed ones, and strings on the border of
 * the format (a part out of range, a wrong separator, a length one past the limit, another case, a
 * multi-byte character where strfmt counts bytes). Judges compare verdicts, so a value need not know
 * which side of the border it falls on.
 */
import fc from 'fast-check';

const hex = (min: number, max = min): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: min, maxLength: max });
const digits = (min: number, max = min): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const sep = (...options: string[]): fc.Arbitrary<string> => fc.constantFrom(...options);

const date = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 })).map(([y, m, d]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`),
  fc.tuple(fc.integer({ min: 1, max: 2999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 })).map(([y, m, d]) => `${y}-${m}-${d}`),
);

const time = fc.tuple(fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 61 }), fc.constantFrom('', '.5', '.123', '.123456789', '.'))
  .map(([h, m, s, f]) => `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${f}`);
const zone = fc.constantFrom('Z', 'z', '+01:00', '-23:59', '+0100', '+24:00', '', ' Z');

const dateTime = fc.tuple(date, sep('T', 't', ' ', 'TT', ''), time, zone).map((parts) => parts.join(''));

const uuidLike = (version: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(hex(8), hex(4), version, hex(3), fc.constantFrom('8', '9', 'a', 'B', 'c', '0'), hex(3), hex(12, 13), sep('-', ''), fc.boolean())
    .map(([a, b, v, c, variant, d, e, dash, upper]) => {
      const s = [a, b, v + c, variant + d, e].join(dash);
      return upper ? s.toUpperCase() : s;
    });

const shortName = fc.string({ unit: fc.constantFrom(...'abcz09-A._'), minLength: 0, maxLength: 8 });
const label = (unit: fc.Arbitrary<string>, max: number): fc.Arbitrary<string> => fc.oneof(
  fc.string({ unit, minLength: 1, maxLength: 8 }),
  fc.string({ unit, minLength: max - 1, maxLength: max + 1 }),
);
const nameChars = fc.constantFrom(...'abz019-');

const hostnameChars = fc.constantFrom(...'abzAZ09-_', 'é', 'ß', '☃', '💡', '.');
const hostname = fc.oneof(
  fc.array(label(fc.constantFrom(...'abzAZ09-', 'é', '☃'), 63), { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.')),
  fc.tuple(fc.array(label(fc.constantFrom(...'abz09'), 63), { minLength: 3, maxLength: 5 }), fc.string({ unit: fc.constantFrom('a', 'é'), minLength: 1, maxLength: 64 }))
    .map(([labels, tld]) => [...labels, tld].join('.')),
  fc.string({ unit: hostnameChars, minLength: 0, maxLength: 12 }),
);

const uri = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true, validSchemes: ['http', 'https', 'ftp'] }),
  fc.constantFrom('/', '/path?q=1', 'relative/path', 'mailto:someone@example.com', 'urn:isbn:0451450523', 'http://[::1]:80/', 'http://[::1',
    'http://example.com/%zz', '*', '', ' ', 'http://a b', 'file:///etc/hosts', '//example.com', 'HTTP://EXAMPLE.COM', ':foo', 'a:b', '#frag', '?q'),
);

const base64 = fc.oneof(
  fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b).toString('base64url')),
  fc.uint8Array({ minLength: 1, maxLength: 12 }).map((b) => Buffer.from(b).toString('base64').replace(/=+$/, '')),
  fc.string({ unit: fc.constantFrom(...'ABab09+/=-_ '), minLength: 0, maxLength: 9 }),
);

const octet = fc.oneof(fc.integer({ min: 0, max: 255 }).map(String), fc.constantFrom('256', '00', '01', '-1', '300'));
const rgbcolor = fc.tuple(octet, octet, octet, sep('', ' ', '  ', '\t'), sep('rgb(', 'RGB(', 'rgb ('), sep(')', '', ' )'))
  .map(([r, g, b, s, open, close]) => `${open}${s}${r}${s},${s}${g},${b}${s}${close}`);

const isoDate = fc.date({ min: new Date('1900-01-01'), max: new Date('2999-12-31'), noInvalidDate: true });
const uuidOf = (version: string): fc.Arbitrary<string> => fc.tuple(fc.uuid(), fc.constantFrom('8', '9', 'a', 'b'))
  .map(([u, variant]) => `${u.slice(0, 14)}${version}${u.slice(15, 19)}${variant}${u.slice(20)}`);
const kubeName = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$/);

/** Strings each format accepts, by format name as schemas write it. */
export const WELL_FORMED: Readonly<Record<string, fc.Arbitrary<string>>> = {
  date: isoDate.map((d) => d.toISOString().slice(0, 10)),
  'date-time': isoDate.map((d) => d.toISOString()),
  datetime: isoDate.map((d) => d.toISOString()),
  uuid: fc.uuid(),
  uuid3: uuidOf('3'),
  uuid4: uuidOf('4'),
  uuid5: uuidOf('5'),
  hexcolor: hex(6).map((x) => `#${x}`),
  rgbcolor: fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map(([r, g, b]) => `rgb(${r}, ${g}, ${b})`),
  ssn: fc.tuple(digits(3), digits(2), digits(4)).map((parts) => parts.join('-')),
  bsonobjectid: hex(24),
  'k8s-short-name': kubeName,
  'k8s-long-name': fc.array(kubeName, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.')),
  hostname: fc.domain(),
  uri: fc.webUrl(),
  byte: fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b).toString('base64')),
};

/**
 * Strings on the border of each format, most of which it refuses (formats admission refuses, in
 * formats-refused.json, have only these: the other judges still compare on them).
 */
export const BORDER: Readonly<Record<string, fc.Arbitrary<string>>> = {
  date,
  'date-time': dateTime,
  datetime: dateTime,
  uuid: uuidLike(fc.constantFrom('1', '4', 'x')),
  uuid3: uuidLike(fc.constantFrom('3', '4')),
  uuid4: uuidLike(fc.constantFrom('4', '5')),
  uuid5: uuidLike(fc.constantFrom('5', '3')),
  hexcolor: fc.tuple(sep('#', '', '##'), hex(2, 7)).map(([h, x]) => h + x),
  rgbcolor,
  ssn: fc.oneof(digits(8, 10), fc.tuple(digits(2, 4), sep('-', ' ', '', '_'), digits(2, 3), sep('-', ' ', ''), digits(3, 5)).map((parts) => parts.join(''))),
  bsonobjectid: fc.oneof(hex(23, 25), fc.tuple(hex(23), fc.constantFrom('g', 'G', ' ')).map(([a, b]) => a + b)),
  'k8s-short-name': fc.oneof(shortName, label(nameChars, 63)),
  'k8s-long-name': fc.oneof(
    fc.array(shortName, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.')),
    fc.array(label(nameChars, 63), { minLength: 3, maxLength: 5 }).map((parts) => parts.join('.')),
  ),
  hostname,
  uri,
  byte: base64,
  password: fc.string({ maxLength: 12 }),
  duration: fc.tuple(fc.nat(100), fc.constantFrom('s', 'm', 'h', 'ms', 'd', ' days', 'x', '')).map(([n, u]) => `${n}${u}`),
  email: fc.oneof(fc.emailAddress(), fc.constantFrom('Bob <bob@example.com>', 'bob@', '@example.com', '"a b"@example.com', 'a@b')),
  ipv4: fc.oneof(fc.ipV4(), fc.constantFrom('01.2.3.4', '1.2.3', '256.1.1.1', '::ffff:1.2.3.4')),
  ipv6: fc.oneof(fc.ipV6(), fc.constantFrom('::1', '1.2.3.4', 'fe80::1%eth0', ':::')),
  cidr: fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 33 })).map(([ip, n]) => `${ip}/${n}`),
  mac: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 5, maxLength: 8 }).map((b) => b.map((x) => x.toString(16).padStart(2, '0')).join(':')),
};
