/** The worker under another configuration (signing, allowlists, presets), through its own fetch. */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import app from '../../src/index.js';
import { ORIGIN } from './worker.js';

export const k1 = { id: 'k1', secret: 'old-signing-secret-0123456789abcdefgh' };
export const k2 = { id: 'k2', secret: 'new-signing-secret-0123456789abcdefgh' };
/** Both keys, the new one current: the middle of a rotation. */
export const SIGNING_KEYS = `${k2.id}:${k2.secret},${k1.id}:${k1.secret}`;

export async function getWith(vars: Record<string, unknown>, path: string, headers: Record<string, string> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(path.startsWith('http') ? path : ORIGIN + path, { headers, redirect: 'manual' });
  const response = await app.fetch(request, { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}
