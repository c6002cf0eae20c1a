// A Vigie for the history tests: the 2024 ChatGPT outages of the demo in its store, a Siri integration
// that depends on ChatGPT, and Meta the same evening, on a manual clock (nothing is checked).
import { type Vigie, createVigie } from '../../src/app.js';
import { configSchema } from '../../src/config/schema.js';
import { ManualClock } from '../../src/core/time.js';
import { seedPastOutages } from '../../src/demo/past-outages.js';
import { IncidentStore } from '../../src/store/incidents.js';
import { incident } from './history.js';

export const NOW = Date.parse('2024-12-27T00:00:00Z');

export async function historySite(engine: { options: { path?: string; url?: string } }): Promise<{ vigie: Vigie; base: string }> {
  const config = configSchema.parse({
    site: { title: 'Vigie', port: 0 },
    store: engine.options.path ? { path: engine.options.path } : {},
    history: { time_zone: 'UTC' },
    services: [
      { id: 'meta', name: 'Meta', components: [{ id: 'facebook', name: 'Facebook' }] },
      {
        id: 'chatgpt',
        name: 'ChatGPT',
        // The catalogue names the vendor; the URL points at loopback so nothing could ever leave the machine.
        vendor: { catalogue: 'openai', url: 'http://127.0.0.1:9/feed.rss' },
        slo: { target: 99.9, window: '30d' },
        components: [{ id: 'web', name: 'Web' }, { id: 'app', name: 'App' }, { id: 'api', name: 'API' }],
      },
      { id: 'siri', name: 'Siri', depends_on: ['chatgpt'], components: [{ id: 'chatgpt-extension', name: 'ChatGPT extension', depends_on: ['chatgpt/api'] }] },
    ],
  });
  const vigie = await createVigie({ config, clock: new ManualClock(NOW), ...(engine.options.url ? { databaseUrl: engine.options.url } : {}) });
  await seedPastOutages(vigie.store, () => true, NOW);
  const db = new IncidentStore(vigie.store);
  for (const i of [
    incident({ id: 'meta1211', service: 'meta', components: { 'meta/facebook': 'major_outage' }, start: '2024-12-11T20:50:00Z', end: '2024-12-11T22:26:00Z' }),
    incident({ id: 'siri1211', service: 'siri', components: { 'siri/chatgpt-extension': 'partial_outage' }, start: '2024-12-11T23:10:00Z', end: '2024-12-12T05:09:00Z' }),
    incident({ id: 'us1226', service: 'chatgpt', components: { 'chatgpt/web': 'major_outage', 'chatgpt/app': 'major_outage' }, start: '2024-12-26T18:30:00Z', opened: '2024-12-26T18:33:00Z', ack: '2024-12-26T21:05:00Z', end: '2024-12-26T21:45:00Z', cause: 'network' }),
  ]) {
    const { id, components, updates, ...create } = i;
    await db.write({ id, create, components, update: { ...updates[0]!, author: 'vigie' } });
  }
  const base = await vigie.start();
  return { vigie, base };
}

