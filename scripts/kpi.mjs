#!/usr/bin/env node
// `npm run kpi`: the KPI table (hit ratio, bytes saved, transform ms p50/p95/p99 by format and master size, 429/503
// rates, top masters by misses) from the worker's request-event log lines, as the README's Analytics Engine queries
// compute it in production. Run the worker with LOG_REQUESTS=all (e.g. `npm start -- --var LOG_REQUESTS:all`) and
// give this the log it printed:
//
//   npm run kpi -- wrangler.log [more.log …]      (no file: reads stdin)   --json: the numbers as JSON
//
// Lines without an event are ignored. Needs Node ≥ 22.18 (type stripping); npm scripts run the project's Node 24.
import fs from 'node:fs';
import { computeKpis, formatKpis, parseEventLog } from './lib/kpi.ts';

const args = process.argv.slice(2);
if (args.includes('-h') || args.includes('--help')) {
  console.log('usage: npm run kpi -- [--json] [log file …]   (reads stdin without files)');
  process.exit(0);
}
const json = args.includes('--json');
const files = args.filter((a) => a !== '--json');
const unknown = files.find((f) => f.startsWith('--'));
if (unknown) {
  console.error(`kpi: unknown option ${unknown}`);
  process.exit(2);
}
const text = files.length ? files.map((f) => fs.readFileSync(f, 'utf8')).join('\n') : fs.readFileSync(0, 'utf8');
const { events, skipped } = parseEventLog(text);
if (events.length === 0) {
  console.error('kpi: no request events in the input (is the worker running with LOG_REQUESTS=all?)');
  process.exit(1);
}
if (skipped) console.error(`kpi: ${skipped} event lines could not be read and were skipped`);
const kpis = computeKpis(events);
console.log(json ? JSON.stringify(kpis, null, 2) : formatKpis(kpis));
