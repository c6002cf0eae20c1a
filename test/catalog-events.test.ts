// The console's event stream holds little per client: one that stops reading is dropped once the
// socket's own buffer is past the bound, whatever the rate of changes; a reader gets the changes.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import Fastify from 'fastify';
import { MonitorBoard } from '../src/catalog/board.js';
import { Catalog } from '../src/catalog/catalog.js';
import { configSchema } from '../src/config/schema.js';
import { MONITOR_EVENTS_PATH, MonitorEvents } from '../src/web/routes/monitor-events.js';
import { waitFor } from './helpers/wait.js';

test('a client that stops reading is dropped; memory stays bounded', async () => {
  const board = new MonitorBoard();
  const catalog = new Catalog({ db: undefined as never, now: Date.now, board, apply: async () => {} }, configSchema.parse({}), []);
  const events = new MonitorEvents({ board, catalog, maxBufferedBytes: 64 * 1024, batchMs: 50 });
  const app = Fastify();
  events.register(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as net.AddressInfo).port;
  const connect = (read: boolean) =>
    new Promise<{ socket: net.Socket; got: () => string }>((resolve) => {
      let text = '';
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write(`GET ${MONITOR_EVENTS_PATH} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n`);
        if (!read) socket.pause();
        resolve({ socket, got: () => text });
      });
      socket.on('data', (d) => (text += d.toString()));
      socket.on('error', () => {});
    });
  const reader = await connect(true);
  let stalled: Awaited<ReturnType<typeof connect>> | undefined;
  try {
    await waitFor('the reader\'s stream open', () => events.size === 1);
    board.observe({ monitorId: 's/c/m', region: 'local', at: 1, ok: false, degraded: false, phases: { totalMs: 1 }, error: { kind: 'timeout', message: 'timed out' } }, 'down');
    await waitFor('the reader got the status event', () => reader.got().includes('event: status'));
    assert.match(reader.got(), /event: hello/);
    assert.match(reader.got(), /"id":"s\/c\/m","status":"down","from":"unknown"/);
    reader.socket.destroy();
    await waitFor('the reader gone', () => events.size === 0);

    stalled = await connect(false);
    await waitFor('the stalled stream open', () => events.size === 1);
    // Far more than any socket buffer holds: the client that does not read must go.
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 200_000 && events.size === 1; i++) {
      board.observe({ monitorId: `s/c/m${i % 100}`, region: 'local', at: i + 1, ok: i % 2 === 0, degraded: false, phases: { totalMs: 1 }, ...(i % 2 ? { error: { kind: 'timeout' as const, message: 'x'.repeat(1000) } } : {}) }, i % 2 === 0 ? 'up' : 'down');
      if (i % 200 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await waitFor('the stalled client dropped', () => events.size === 0);
    assert.ok(process.memoryUsage().heapUsed - before < 64 * 1024 * 1024, 'nothing piled up in memory');
  } finally {
    reader.socket.destroy();
    stalled?.socket.destroy();
    await app.close();
  }
});
