// Calibration: an Express 5 app with one route and the same JSON body (main-service's floor).
import express from 'express';
import { body, port } from './body.mjs';

const app = express();
app.disable('x-powered-by');
app.get('/hello', (_req, res) => {
  res.json(body);
});
app.listen(port, '127.0.0.1');
