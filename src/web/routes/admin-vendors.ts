// Admin API: the official status pages Vigie polls (a service's `vendor:`), each with its last
// reading: when, whether it was reached, what it said, and the problem reading it when there was one.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { VigieConfig } from '../../config/schema.js';
import { latestVendorSnapshot } from '../../store/vendor.js';
import type { Database } from '../../store/schema.js';
import { iso, isoTime, route } from './admin-common.js';

const t = isoTime.nullable();
const reading = z.strictObject({
  at: t.meta({ description: 'the latest poll that read this' }),
  first_seen_at: t.meta({ description: 'the first poll that read exactly this' }),
  polls: z.number().int(),
  reachable: z.boolean(),
  says_operational: z.boolean().nullable(),
  indicator: z.string().nullable(),
  description: z.string().nullable(),
  problem: z.string().nullable().meta({ description: 'why the page could not be fetched or read (unreachable, malformed); null when read' }),
  components: z.array(z.strictObject({ name: z.string(), status: z.string() })),
  open_incidents: z.array(z.strictObject({ name: z.string(), status: z.string(), url: z.string().nullable() })),
});

export function vendorAdminRoutes(o: { config: () => VigieConfig; db: Kysely<Database> }) {
  return [
    route({
      method: 'GET',
      url: '/vendors',
      operationId: 'listVendors',
      summary: "The vendors' official status pages Vigie polls, with each one's last reading and any problem reading it",
      tag: 'vendors',
      response: z.strictObject({
        vendors: z.array(z.strictObject({ service: z.string(), service_name: z.string(), kind: z.string(), url: z.string(), interval_s: z.number(), catalogue: z.string().nullable(), last: reading.nullable() })),
      }),
      handler: async () => {
        const services = o.config().services.filter((s) => s.vendor);
        const vendors = await Promise.all(
          services.map(async (s) => {
            const v = s.vendor!;
            const last = await latestVendorSnapshot(o.db, s.id);
            // A reading of an earlier address is not this page's.
            const fits = last && last.url === v.url;
            return {
              service: s.id,
              service_name: s.name,
              kind: v.kind,
              url: v.url,
              interval_s: v.interval / 1000,
              catalogue: v.catalogue ?? null,
              last: fits
                ? {
                    at: iso(last.lastSeenAt),
                    first_seen_at: iso(last.firstSeenAt),
                    polls: last.polls,
                    reachable: last.reachable,
                    says_operational: last.saysOperational,
                    indicator: last.indicator,
                    description: last.description,
                    problem: last.error,
                    components: last.components.map((c) => ({ name: c.name, status: c.status })),
                    open_incidents: last.incidents.filter((i) => i.open).map((i) => ({ name: i.name, status: i.status, url: i.url })),
                  }
                : null,
            };
          }),
        );
        return { vendors };
      },
    }),
  ];
}
