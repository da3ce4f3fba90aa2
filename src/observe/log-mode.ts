/** Which requests get a JSON log line: `LOG_REQUESTS`, read once with the rest of the config. Pure. */

/** `LOG_REQUESTS`: `off`, `errors` (status ≥ 400), `all`, or a share of requests in (0, 1] (errors always). */
export type LogMode = { kind: 'off' } | { kind: 'errors' } | { kind: 'all' } | { kind: 'share'; share: number };

/** Reads `LOG_REQUESTS` (empty: `off`); throws on anything else, as every `[vars]` entry does. */
export function parseLogMode(raw: string | undefined): LogMode {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '' || value === 'off' || value === '0' || value === 'false') return { kind: 'off' };
  if (value === 'all' || value === '1' || value === 'true') return { kind: 'all' };
  if (value === 'errors') return { kind: 'errors' };
  const share = Number(value);
  if (/^0?\.\d+$/.test(value) && share > 0 && share <= 1) return { kind: 'share', share };
  throw new Error(`[vars] LOG_REQUESTS=${raw} must be off, errors, all, or a share of requests like 0.01`);
}
