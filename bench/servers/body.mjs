// The calibration servers answer with the same JSON the product list returns, parsed once and
// serialised per request as the services do.
import { readFileSync } from 'node:fs';

export const body = JSON.parse(readFileSync(process.env.BODY_FILE, 'utf8'));
export const port = Number(process.env.PORT);
