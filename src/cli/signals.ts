// Graceful shutdown: the first SIGINT/SIGTERM stops cleanly, a second one forces the exit.
export function onShutdown(stop: () => Promise<void>, log: (msg: string) => void = (m) => process.stderr.write(m + '\n')): void {
  let stopping = false;
  const handler = (sig: NodeJS.Signals) => {
    if (stopping) {
      log(`${sig} again: exiting now`);
      process.exit(130);
    }
    stopping = true;
    log(`${sig}: stopping (finishing in-flight writes)…`);
    stop().then(
      () => process.exit(0),
      (err) => {
        log(`error while stopping: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
