import http from 'node:http';
import type { AddressInfo } from 'node:net';

const COLOURS = ['#0b5cad', '#b5179e', '#2a9d8f', '#e76f51', '#6a4c93', '#1d6b36', '#d62828', '#f4a261'];

/**
 * Product pictures on this machine (tests reach no other host): `/img/<name>.svg` draws a tile in
 * a colour picked from the name, with the name on it.
 */
export async function startImageServer(): Promise<{ url(name: string): string; stop(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const name = decodeURIComponent(/^\/img\/([\w-]+)\.svg$/.exec(req.url ?? '')?.[1] ?? '');
    if (!name) {
      res.writeHead(404).end();
      return;
    }
    const colour = COLOURS[[...name].reduce((sum, c) => sum + c.charCodeAt(0), 0) % COLOURS.length];
    const label = name.replace(/-/g, ' ').slice(0, 18);
    res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'max-age=3600' });
    res.end(
      `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300" viewBox="0 0 400 300">` +
        `<rect width="400" height="300" fill="${colour}"/><circle cx="320" cy="70" r="40" fill="#ffffff" opacity="0.25"/>` +
        `<text x="200" y="165" font-family="sans-serif" font-size="32" fill="#ffffff" text-anchor="middle">${label}</text></svg>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (name) => `${base}/img/${encodeURIComponent(name.toLowerCase().replace(/[^a-z0-9]+/g, '-'))}.svg`,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
