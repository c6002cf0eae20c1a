// Vigie in a child process, for the crash test: VIGIE_CONFIG (JSON) is the config; CHANGES=n makes
// it record n status changes on each component of COMPONENTS right after starting (reason "seq:<i>").
// Prints "started" and, after the changes, "changed". It is meant to be SIGKILLed.
import { createVigie } from '../../src/app.js';
import { configSchema } from '../../src/config/schema.js';

const config = configSchema.parse(JSON.parse(process.env.VIGIE_CONFIG!));
const vigie = await createVigie({ config });
await vigie.start();
process.stdout.write('started\n');
const n = Number(process.env.CHANGES ?? 0);
const components = (process.env.COMPONENTS ?? '').split(',').filter(Boolean);
for (let i = 1; i <= n; i++)
  for (const c of components)
    await vigie.store.recordComponentStatus({ componentId: c, status: i % 2 === 1 ? 'major_outage' : 'operational', at: Date.now(), reason: `seq:${i}` });
process.stdout.write('changed\n');
process.on('SIGTERM', () => {
  vigie.stop().then(() => process.exit(0), () => process.exit(1));
});
