// Vendor page kinds by name, as the probe registry: one parser per kind, one signature.
import { parseFeed } from './feed.js';
import { parseIncidentio } from './incidentio.js';
import { parseInstatus } from './instatus.js';
import { parseStatuspage } from './statuspage.js';
import type { VendorKind, VendorParser } from './types.js';

export const vendorParsers: Record<VendorKind, VendorParser> = {
  statuspage: parseStatuspage,
  incidentio: parseIncidentio,
  instatus: parseInstatus,
  feed: parseFeed,
};

export function parserFor(kind: VendorKind): VendorParser {
  const p = vendorParsers[kind];
  if (!p) throw new Error(`no vendor parser for kind "${String(kind)}"; known: ${Object.keys(vendorParsers).join(', ')}`);
  return p;
}
