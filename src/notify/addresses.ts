// Which addresses a public webhook subscription may reach. Anyone can subscribe a URL on the public
// page, so without this Vigie would POST, on their behalf, to services inside its own network
// (server-side request forgery). The URL's host is checked when subscribing, and every address it
// resolves to is checked again at each delivery, so a name that later points inside is refused too.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv6');

/** Loopback, private, link-local, multicast or reserved: not reachable from a public subscription. */
export function isPrivateAddress(ip: string): boolean {
  const v = isIP(ip);
  if (v === 4) return PRIVATE.check(ip, 'ipv4');
  if (v !== 6) return false;
  // An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? PRIVATE.check(mapped[1]!, 'ipv4') : PRIVATE.check(ip, 'ipv6');
}

/** A URL host that is a private address, or a name reserved for local use. */
export function isPrivateHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.local') || h.endsWith('.internal')) return true;
  return isPrivateAddress(h);
}

export type Lookup = (hostname: string, options: { all: true }, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

export class PrivateAddressError extends Error {
  readonly code = 'EPRIVATE';
  constructor(host: string, address: string) {
    super(`${host} resolves to ${address}, a private address: public subscriptions may not reach it`);
  }
}

/**
 * A `lookup` for net/tls connect that fails when any address of the name is private (one private
 * answer is enough to refuse: the connection could pick it).
 */
export function publicOnlyLookup(resolve: Lookup = dnsLookup as unknown as Lookup) {
  return (hostname: string, options: object, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void): void => {
    resolve(hostname, { all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const bad = addresses.find((a) => isPrivateAddress(a.address));
      if (bad) return callback(new PrivateAddressError(hostname, bad.address), '');
      if ((options as { all?: boolean }).all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname}: no address`), { code: 'ENOTFOUND' }), '');
      callback(null, first.address, first.family);
    });
  };
}
