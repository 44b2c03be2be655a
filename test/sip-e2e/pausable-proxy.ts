/**
 * A TCP proxy in front of Switchboard's routing endpoint that a test can stall: `pause()` keeps accepting
 * connections (the kernel completes the handshake, as for a stopped process) but forwards nothing either
 * way until `resume()`; `refuse()` closes every connection at once (Switchboard not running).
 */
import { connect, createServer, type Socket } from 'node:net';

export interface PausableProxy {
  url: string;
  pause(): void;
  refuse(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startPausableProxy(target: string): Promise<PausableProxy> {
  const t = new URL(target);
  let mode: 'pass' | 'pause' | 'refuse' = 'pass';
  const held: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    if (mode === 'refuse') {
      client.destroy();
      return;
    }
    const upstream = connect(Number(t.port), t.hostname);
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    const forward = (to: Socket) => (chunk: Buffer) => {
      const send = () => {
        if (!to.destroyed) to.write(chunk);
      };
      if (mode === 'pass') send();
      else if (mode === 'pause') held.push(send);
      else client.destroy();
    };
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}${t.pathname}`,
    pause() {
      mode = 'pause';
    },
    refuse() {
      mode = 'refuse';
      for (const s of sockets) s.destroy();
    },
    resume() {
      mode = 'pass';
      for (const send of held.splice(0)) send();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
