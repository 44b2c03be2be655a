/**
 * A background job run now and then (retention sweeps, the recordings importer): never two runs at once (a tick
 * while one runs is skipped), the first run `firstMs` after start (or the first interval when absent), then every
 * `intervalMs`; the timers never keep the process alive, and stop() waits for a run in progress. A failed run is
 * logged, never thrown: the next tick tries again.
 */
export interface Periodic {
  start(): void;
  stop(): Promise<void>;
}

export function periodic(run: () => Promise<unknown>, o: { intervalMs: number; firstMs?: number; log: (msg: string, err?: unknown) => void }): Periodic {
  let timer: NodeJS.Timeout | undefined;
  let first: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  const tick = () => {
    if (running) return;
    running = run()
      .catch((err: unknown) => o.log('run failed', err))
      .finally(() => {
        running = undefined;
      });
  };
  return {
    start() {
      if (timer) return;
      if (o.firstMs !== undefined) {
        first = setTimeout(tick, o.firstMs);
        first.unref();
      }
      timer = setInterval(tick, o.intervalMs);
      timer.unref();
    },
    async stop() {
      if (first) clearTimeout(first);
      if (timer) clearInterval(timer);
      timer = undefined;
      first = undefined;
      await running;
    },
  };
}
