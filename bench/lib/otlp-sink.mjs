// A local stand-in for an OTLP/HTTP collector: accepts every export, counts requests and bytes, and
// keeps nothing. Enough to make the services' exporters do their real work during scenario 6.
import http from 'node:http';

export async function startOtlpSink() {
  const counts = { requests: 0, bytes: 0, byPath: {} };
  const server = http.createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk) => {
      bytes += chunk.length;
    });
    req.on('end', () => {
      counts.requests++;
      counts.bytes += bytes;
      counts.byPath[req.url] = (counts.byPath[req.url] ?? 0) + 1;
      const json = (req.headers['content-type'] ?? '').includes('json');
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : undefined);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    counts,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}
