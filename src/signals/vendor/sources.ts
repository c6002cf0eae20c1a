// The vendor pages a config asks to poll: one per service that names one.
import type { VigieConfig } from '../../config/schema.js';
import type { VendorSource } from './poller.js';

export function vendorSources(config: VigieConfig): VendorSource[] {
  return config.services.flatMap((s) =>
    s.vendor ? [{ serviceId: s.id, kind: s.vendor.kind, url: s.vendor.url, intervalMs: s.vendor.interval, ...(s.vendor.timeout !== undefined ? { timeoutMs: s.vendor.timeout } : {}) }] : [],
  );
}
