import { invalidField } from './errors';

/*
 * The URL rule of webhook endpoints (SPEC.md §11): `https` unless WEBHOOK_ALLOW_HTTP, and no
 * private, loopback, link-local or unspecified address unless WEBHOOK_ALLOW_PRIVATE. Pure: it
 * judges the URL as the WHATWG parser normalises it (`http://2130706433/` is 127.0.0.1). A
 * name that resolves to such an address is the dispatcher's to refuse when it connects.
 */

/** WebhookUrlPolicy is what the configuration allows (WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOW_PRIVATE). */
export interface WebhookUrlPolicy {
  allowHttp: boolean;
  allowPrivate: boolean;
}

/** IPV4_PRIVATE lists [first octets, prefix bits] of the refused IPv4 ranges. */
const IPV4_PRIVATE: readonly (readonly [number[], number])[] = [
  [[0], 8], // unspecified, "this network"
  [[10], 8],
  [[127], 8],
  [[169, 254], 16],
  [[172, 16], 12],
  [[192, 168], 16],
];

/** parseIpv4 reads a dotted quad (the only IPv4 form a WHATWG URL host has) into 4 octets. */
function parseIpv4(host: string): number[] | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!match) return undefined;
  const octets = match.slice(1).map(Number);
  return octets.every((o) => o <= 255) ? octets : undefined;
}

/** isPrivateIpv4 tells whether 4 octets lie in IPV4_PRIVATE. */
function isPrivateIpv4(octets: readonly number[]): boolean {
  const value = octets.reduce((acc, o) => acc * 256 + o, 0);
  return IPV4_PRIVATE.some(([start, bits]) => {
    const base = [0, 1, 2, 3].reduce((acc, i) => acc * 256 + (start[i] ?? 0), 0);
    const size = 2 ** (32 - bits);
    return value >= base && value < base + size;
  });
}

/**
 * parseIpv6 expands an IPv6 literal (brackets removed) into 8 16-bit groups. A URL host is
 * always in the WHATWG serialisation (hex groups, `::` at most once, no dotted IPv4 tail).
 */
function parseIpv6(host: string): number[] | undefined {
  const halves = host.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':'));
  const head = groupsOf(halves[0]!);
  const rest = halves.length === 2 ? groupsOf(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const hex = [...head, ...Array<string>(missing).fill('0'), ...rest];
  if (!hex.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  return hex.map((g) => parseInt(g, 16));
}

/** isPrivateIpv6 tells whether 8 groups are loopback, unspecified, ULA, link- or site-local. */
function isPrivateIpv6(g: readonly number[]): boolean {
  const first = g[0]!;
  if ((first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xffc0) === 0xfec0)
    return true;
  const embedded = [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff];
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  // ::/96 (unspecified, ::1, IPv4-compatible) and ::ffff:0:0/96 (IPv4-mapped) carry an IPv4.
  if (zeros(6) || (zeros(5) && g[5] === 0xffff)) return zeros(6) || isPrivateIpv4(embedded);
  // 64:ff9b::/96 (NAT64) reaches the IPv4 it embeds.
  if (first === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0))
    return isPrivateIpv4(embedded);
  return false;
}

/** isPrivateHost tells whether a URL's hostname names this machine or a private network. */
function isPrivateHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host.startsWith('[') && host.endsWith(']')) {
    const groups = parseIpv6(host.slice(1, -1));
    return groups === undefined || isPrivateIpv6(groups);
  }
  const octets = parseIpv4(host);
  return octets !== undefined && isPrivateIpv4(octets);
}

/**
 * assertWebhookUrl checks an endpoint URL against `policy` and returns it as the WHATWG
 * parser writes it (`href`), the form to store and to POST to.
 * @throws DomainError `validation_failed` (422) on `url`: not an absolute URL, not https
 *   (nor http under allowHttp), with user info, or a private address without allowPrivate.
 */
export function assertWebhookUrl(url: string, policy: WebhookUrlPolicy): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidField('url', 'must be an absolute URL');
  }
  const schemes = policy.allowHttp ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(parsed.protocol))
    throw invalidField('url', `must use ${policy.allowHttp ? 'https or http' : 'https'}`);
  if (parsed.username !== '' || parsed.password !== '')
    throw invalidField('url', 'must not carry a user name or password');
  if (parsed.hostname === '') throw invalidField('url', 'must name a host');
  if (!policy.allowPrivate && isPrivateHost(parsed.hostname))
    throw invalidField('url', 'must not name a loopback, private or link-local address');
  return parsed.href;
}

/**
 * isPrivateAddress tells whether a resolved IP address (as `dns.lookup` gives it) is loopback,
 * private, link-local or unspecified: the dispatcher's check when it connects.
 */
export function isPrivateAddress(address: string): boolean {
  if (!address.includes(':')) return isPrivateHost(address);
  // The WHATWG serialisation writes a dotted IPv4 tail (::ffff:1.2.3.4) as hex groups.
  return isPrivateHost(new URL(`http://[${address}]/`).hostname);
}
