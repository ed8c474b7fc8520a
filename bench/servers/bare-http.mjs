// Calibration: the ceiling for a JSON GET on this machine, node:http with nothing in between.
import http from 'node:http';
import { body, port } from './body.mjs';

http
  .createServer((req, res) => {
    const json = JSON.stringify(body);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  })
  .listen(port, '127.0.0.1');
