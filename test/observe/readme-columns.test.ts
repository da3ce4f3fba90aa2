/** The README's Analytics Engine column table and KPI queries name the columns the sink writes. */
import { describe, expect, it } from 'vitest';
import readme from '../../README.md?raw';
import wranglerToml from '../../wrangler.toml?raw';
import { BLOB_COLUMNS, DOUBLE_COLUMNS, columnOf } from '../../src/observe/sinks.js';

const camel = (snake: string) => snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

describe('the README', () => {
  it('lists every blob and double column as the sink writes it', () => {
    const rows = [...readme.matchAll(/^\| `((?:blob|double)\d+)` \| `([\w.]+)`/gm)].map((m) => [m[1], m[2]]);
    expect(rows).toHaveLength(BLOB_COLUMNS.length + DOUBLE_COLUMNS.length);
    for (const [column, field] of rows) expect(columnOf(field!), `${column} is ${field}`).toBe(column);
  });

  it('aliases columns in the KPI queries by the fields they hold', () => {
    const sql = [...readme.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]).join('\n');
    const dataset = /binding = "REQUEST_EVENTS"\ndataset = "(\w+)"/.exec(wranglerToml)?.[1];
    expect(dataset).toBe('edge_image_requests');
    expect(sql.match(/FROM (\w+)/g)!.every((from) => from === `FROM ${dataset}`)).toBe(true);
    const aliases = [...sql.matchAll(/\b((?:blob|double)\d+) AS (\w+)/g)];
    expect(aliases.length).toBeGreaterThanOrEqual(2);
    for (const [, column, alias] of aliases) expect(columnOf(camel(alias!)), `${column} AS ${alias}`).toBe(column);
    // The filters: route, outcome, coalesced, status and bytes are where the table says.
    expect([columnOf('route'), columnOf('outcome'), columnOf('coalesced'), columnOf('status'), columnOf('masterBytes'), columnOf('outputBytes'), columnOf('transformMs')]).toEqual(['blob1', 'blob2', 'double7', 'double1', 'double3', 'double2', 'double5']);
  });
});
