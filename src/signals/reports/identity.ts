// Who is reporting, without keeping who they are: a keyed hash of the network address and user
// agent, under a salt derived from the configured secret and the current UTC day (so hashes rotate
// daily and a leaked table cannot be joined across days). Raw addresses go no further than this file.
import { createHmac } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

export interface Identified {
  /** 128-bit reporter hash, hex: what the store keeps. */
  reporter: string;
  /** The same, as a 48-bit number: what the in-memory limits key on. */
  reporterKey: number;
  /** 64-bit hash of the network prefix (/24 IPv4, /48 IPv6), hex. */
  prefix: string;
  prefixKey: number;
}

const DAY = 86_400_000;

export class Identity {
  private day = NaN;
  private salt: Buffer = Buffer.alloc(0);
  /** Prefix hashes of the day, bounded: a prefix is hashed once however many report from it. */
  private prefixes = new Map<string, { prefix: string; prefixKey: number }>();

  constructor(private readonly secret: Buffer) {}

  private saltFor(t: number): Buffer {
    const d = Math.floor(t / DAY);
    if (d !== this.day) {
      this.day = d;
      this.salt = createHmac('sha256', this.secret).update(`vigie-reporter-day:${d}`).digest();
      this.prefixes.clear();
    }
    return this.salt;
  }

  identify(address: string, userAgent: string, t: number): Identified {
    const salt = this.saltFor(t);
    const r = createHmac('sha256', salt).update(address).update('\n').update(userAgent).digest();
    const net = networkPrefix(address);
    let p = this.prefixes.get(net);
    if (p === undefined) {
      const d = createHmac('sha256', salt).update('prefix\n').update(net).digest();
      p = { prefix: d.toString('hex', 0, 8), prefixKey: d.readUIntBE(0, 6) };
      if (this.prefixes.size >= 65_536) this.prefixes.clear();
      this.prefixes.set(net, p);
    }
    return { reporter: r.toString('hex', 0, 16), reporterKey: r.readUIntBE(0, 6), prefix: p.prefix, prefixKey: p.prefixKey };
  }
}

/** "/24" of an IPv4 address, "/48" of an IPv6 one (IPv4-mapped IPv6 counts as IPv4); anything else as is. */
export function networkPrefix(address: string): string {
  let a = address;
  if (a.startsWith('::ffff:') && isIPv4(a.slice(7))) a = a.slice(7);
  if (isIPv4(a)) return a.slice(0, a.lastIndexOf('.')) + '.0/24';
  if (isIPv6(a)) {
    const zone = a.indexOf('%');
    if (zone >= 0) a = a.slice(0, zone);
    const [head = '', tail] = a.split('::');
    const h = head === '' ? [] : head.split(':');
    const t = tail === undefined || tail === '' ? [] : tail.split(':');
    const groups = tail === undefined ? h : [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
    return groups.slice(0, 3).map((g) => (parseInt(g, 16) || 0).toString(16)).join(':') + '::/48';
  }
  return address;
}

/**
 * The client's address: the socket's, or with trust_proxy the last X-Forwarded-For entry (the one our
 * own proxy added; earlier entries are whatever the client claimed).
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trustProxy: boolean): string {
  if (trustProxy && forwardedFor !== undefined) {
    const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
    const last = header.slice(header.lastIndexOf(',') + 1).trim();
    if (isIPv4(last) || isIPv6(last)) return last;
  }
  return socketAddress ?? 'unknown';
}
