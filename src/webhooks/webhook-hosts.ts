import { BlockList, isIP } from 'node:net';

/**
 * Where webhooks may go (RUNSTREAM_WEBHOOK_HOSTS): host names, IP addresses
 * and CIDR ranges. A host must be listed to be called at all; a private,
 * loopback, link-local or otherwise internal address is called only when the
 * address itself (or a range holding it) is listed: listing a name is not
 * enough, since its DNS answer may change after the check (rebinding).
 */
export interface WebhookHosts {
  names: ReadonlySet<string>;
  /** Listed addresses and ranges. */
  addresses: BlockList;
  /** Nothing listed: webhooks are off. */
  empty: boolean;
}

export function parseWebhookHosts(value: string | undefined): WebhookHosts {
  const names = new Set<string>();
  const addresses = new BlockList();
  let empty = true;
  for (const raw of (value ?? '').split(',')) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    empty = false;
    const [address, bits, ...rest] = entry.split('/');
    const family = isIP(stripBrackets(address ?? ''));
    if (bits !== undefined) {
      const prefix = Number(bits);
      const max = family === 6 ? 128 : 32;
      if (family === 0 || rest.length > 0 || !/^\d+$/.test(bits) || prefix > max) throw new Error(`holds "${entry}", which is not a CIDR range such as 10.0.0.0/8`);
      addresses.addSubnet(stripBrackets(address!), prefix, family === 6 ? 'ipv6' : 'ipv4');
    } else if (family !== 0) {
      addresses.addAddress(stripBrackets(entry), family === 6 ? 'ipv6' : 'ipv4');
      names.add(stripBrackets(entry));
    } else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(entry)) {
      names.add(entry);
    } else {
      throw new Error(`holds "${entry}", which is neither a host name, an IP address nor a CIDR range`);
    }
  }
  return { names, addresses, empty };
}

const stripBrackets = (host: string) => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);

/** Ranges no webhook may reach unless listed: loopback, private, link-local (cloud metadata), CGNAT, unspecified, multicast, ULA… */
const internal = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) internal.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) internal.addSubnet(network, prefix, 'ipv6');

/** An IPv4 address written as IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address it is. */
function normalized(address: string): { address: string; type: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1]!, type: 'ipv4' };
  return { address, type: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

export function isInternalAddress(address: string): boolean {
  const { address: plain, type } = normalized(address);
  return internal.check(plain, type);
}

/** Why a resolved address may not be called, or undefined when it may. */
export function addressRefusal(address: string, hosts: WebhookHosts): string | undefined {
  const { address: plain, type } = normalized(address);
  if (!isInternalAddress(plain) || hosts.addresses.check(plain, type)) return undefined;
  return `${address} is a private, loopback or link-local address; list it (or its range) in RUNSTREAM_WEBHOOK_HOSTS to allow it`;
}

/**
 * Why a webhook URL may not be called, or undefined: checked when a run is
 * enqueued (and again, on the resolved address, at every delivery).
 */
export function urlRefusal(value: string, hosts: WebhookHosts): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.username || url.password) return 'must not carry credentials';
  const host = stripBrackets(url.hostname.toLowerCase());
  if (hosts.empty) return 'webhooks are off: RUNSTREAM_WEBHOOK_HOSTS lists no hosts';
  const literal = isIP(host) !== 0 ? normalized(host) : undefined;
  const listed = hosts.names.has(host) || (literal !== undefined && hosts.addresses.check(literal.address, literal.type));
  if (!listed) return `host ${host} is not listed in RUNSTREAM_WEBHOOK_HOSTS`;
  if (literal) return addressRefusal(host, hosts);
  return undefined;
}
