import { exports } from 'cloudflare:workers';
import { env } from 'cloudflare:test';
import { expect, it } from 'vitest';
it('answers health', async () => {
  const res = await exports.default.fetch('http://x/health');
  expect(res.status).toBe(200);
  await env.MASTERS.put('a', 'b');
  expect(await (await env.MASTERS.get('a'))!.text()).toBe('b');
});
