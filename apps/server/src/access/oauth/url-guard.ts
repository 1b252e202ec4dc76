import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';

// Outbound fetches of URLs that configuration or a client gives (an identity provider's jwks_uri today) must not
// reach the server's own network: loopback, private ranges, link-local and cloud metadata services (reliability
// matrix row 21; HAPI CVE-2026-34359/60/61). The check runs before any connection: on the URL's host if it is an
// address, else on every address its name resolves to; the connection then goes to the address that was checked
// (so a name that resolves elsewhere a second time, "DNS rebinding", cannot slip through), and redirects are not
// followed.

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Name resolution, injected so that tests use a stub and never touch DNS. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

export class UrlRefusedError extends Error {
  override name = 'UrlRefusedError';
}

export interface UrlGuardOptions {
  resolve?: Resolver;
  /** Plain http (tests, or an explicit setting): https only otherwise. */
  allowHttp?: boolean;
  /** Private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) for an operator's own identity provider. */
  allowPrivateNetwork?: boolean;
}

/** A URL that passed the guard and the address the connection must go to. */
export interface GuardedUrl {
  url: URL;
  address: ResolvedAddress;
}

const ALWAYS = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, including 169.254.169.254 (AWS, GCP, Azure, OpenStack metadata)
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255
] as const) {
  ALWAYS.addSubnet(net, prefix, 'ipv4');
}
ALWAYS.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata (inside 100.64/10)
ALWAYS.addAddress('168.63.129.16', 'ipv4'); // Azure platform endpoint (a public address)
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  ALWAYS.addSubnet(net, prefix, 'ipv6');
}
ALWAYS.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6 (inside fc00::/7)

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['100.64.0.0', 10], // carrier-grade NAT
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
PRIVATE.addSubnet('fc00::', 7, 'ipv6'); // unique local

// Names that mean "this machine" or a metadata service whatever DNS says.
const REFUSED_NAMES = [/^localhost$/, /\.localhost$/, /^metadata$/, /\.internal$/, /^instance-data$/, /\.local$/];

/** The IPv4 address an IPv6 address carries (IPv4-mapped, IPv4-compatible or NAT64), if any. */
function embeddedIPv4(address: string): string | undefined {
  const groups = expandIPv6(address);
  if (!groups) return undefined;
  const tail = () => {
    const hi = groups[6]!;
    const lo = groups[7]!;
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  };
  const zeros = (n: number) => groups.slice(0, n).every((g) => g === 0);
  if (zeros(5) && groups[5] === 0xffff) return tail(); // ::ffff:a.b.c.d
  if (zeros(6) && (groups[6] !== 0 || groups[7]! > 1)) return tail(); // ::a.b.c.d (deprecated)
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0)) return tail(); // NAT64
  return undefined;
}

function expandIPv6(address: string): number[] | undefined {
  let a = address.replace(/^\[|\]$/g, '').split('%')[0]!;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (v4) {
    const p = v4[1]!.split('.').map(Number);
    a = a.slice(0, -v4[1]!.length) + `${((p[0]! << 8) | p[1]!).toString(16)}:${((p[2]! << 8) | p[3]!).toString(16)}`;
  }
  const [head, tail] = a.split('::');
  const parse = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const h = parse(head);
  const t = parse(tail);
  const groups = a.includes('::') ? [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t] : h;
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

/** Why an address may not be connected to, or undefined when it may. */
export function refusedAddressReason(address: string, options: { allowPrivateNetwork?: boolean } = {}) {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  if (family === 6) {
    const v4 = embeddedIPv4(address);
    if (v4) return refusedAddressReason(v4, options);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (ALWAYS.check(address, type)) return 'a loopback, link-local, metadata or reserved address';
  if (!options.allowPrivateNetwork && PRIVATE.check(address, type)) return 'a private network address';
  return undefined;
}

/** The guard: `check(url)` resolves to the URL and the address to connect to, or throws UrlRefusedError. */
export function createUrlGuard(options: UrlGuardOptions = {}) {
  const resolve = options.resolve ?? systemResolver;
  return {
    async check(raw: string): Promise<GuardedUrl> {
      const url = URL.parse(raw);
      if (!url) throw new UrlRefusedError('not an absolute URL');
      if (url.protocol !== 'https:' && !(options.allowHttp && url.protocol === 'http:')) {
        throw new UrlRefusedError(`${url.protocol} URLs are refused: https only`);
      }
      // https://trusted.example@evil.example/ names evil.example: refuse credentials in URLs outright.
      if (url.username || url.password) throw new UrlRefusedError('URLs with credentials are refused');
      // The WHATWG parser has already turned 0x7f.1, 2130706433 and 127.1 into 127.0.0.1.
      const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
      if (isIP(host)) {
        const reason = refusedAddressReason(host, options);
        if (reason) throw new UrlRefusedError(`${host} is ${reason}`);
        return { url, address: { address: host, family: isIP(host) === 6 ? 6 : 4 } };
      }
      const name = host.replace(/\.$/, '');
      if (REFUSED_NAMES.some((re) => re.test(name))) throw new UrlRefusedError(`${name} names a local service`);
      let addresses: ResolvedAddress[];
      try {
        addresses = await resolve(name);
      } catch {
        throw new UrlRefusedError(`${name} does not resolve`);
      }
      if (addresses.length === 0) throw new UrlRefusedError(`${name} does not resolve`);
      for (const a of addresses) {
        const reason = refusedAddressReason(a.address, options);
        if (reason) throw new UrlRefusedError(`${name} resolves to ${reason}`);
      }
      return { url, address: addresses[0]! };
    },
  };
}

export type UrlGuard = ReturnType<typeof createUrlGuard>;

/** Sends a GET to an address the guard allowed; injected so that tests never open a socket. */
export type Transport = (
  target: GuardedUrl,
  options: { timeoutMs: number; maxBytes: number },
) => Promise<{
  status: number;
  body: string;
}>;

/** GET over node:http(s), connecting to the checked address only (the host name still names TLS and Host). */
export const pinnedTransport: Transport = ({ url, address }, { timeoutMs, maxBytes }) =>
  new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      {
        method: 'GET',
        headers: { accept: 'application/json' },
        timeout: timeoutMs,
        lookup: (_host, opts, callback) => {
          if (opts.all) callback(null, [{ address: address.address, family: address.family }]);
          else callback(null, address.address, address.family);
        },
      },
      (response) => {
        let size = 0;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) request.destroy(new Error('response too large'));
          else chunks.push(chunk);
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.end();
  });

/** Fetches JSON from a URL the guard allows; redirects are not followed (a redirect could lead anywhere). */
export async function fetchGuardedJson(
  raw: string,
  guard: UrlGuard,
  transport: Transport = pinnedTransport,
  options: { timeoutMs?: number; maxBytes?: number } = {},
): Promise<unknown> {
  const target = await guard.check(raw);
  const { status, body } = await transport(target, {
    timeoutMs: options.timeoutMs ?? 5000,
    maxBytes: options.maxBytes ?? 512 * 1024,
  });
  if (status < 200 || status > 299) throw new Error(`${target.url.host} answered ${status}`);
  return JSON.parse(body) as unknown;
}
