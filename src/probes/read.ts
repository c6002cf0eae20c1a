// Reading from a raw socket until a predicate holds, the peer closes, or a cap is hit; the
// run's deadline stops it otherwise (the socket is destroyed when the run ends).
import type net from 'node:net';
import type { Run } from './run.js';

export const MAX_READ_BYTES = 64 * 1024;

export interface ReadOutcome {
  data: Buffer;
  matched: boolean;
  /** Why reading stopped without a match: "closed the connection", "sent more than 65536 bytes". */
  reason: string;
}

export function readUntil(run: Run, socket: net.Socket, done: (data: Buffer) => boolean, max = MAX_READ_BYTES): Promise<ReadOutcome> {
  return new Promise((resolve) => {
    let data = Buffer.alloc(0);
    const finish = (matched: boolean, reason = '') => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
      run.signal.removeEventListener('abort', onAbort);
      resolve({ data, matched, reason });
    };
    const onData = (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (done(data)) finish(true);
      else if (data.length > max) finish(false, `sent more than ${max} bytes`);
    };
    const onClose = () => finish(false, 'closed the connection');
    const onError = (err: Error) => finish(false, `broke the connection (${(err as { code?: string }).code ?? err.message})`);
    const onAbort = () => finish(false, 'ran out of time');
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onError);
    run.signal.addEventListener('abort', onAbort, { once: true });
  });
}
