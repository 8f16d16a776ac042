import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';

/** A TCP listener that accepts connections and never answers: a hung Redis, or a proxy with nothing behind it. */
export interface SilentServer {
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  close(): Promise<void>;
}

/** Starts a {@link SilentServer} on a free loopback port. */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
