/** An uploader's side of /masters: authenticated requests, problem bodies, and a look straight into R2. */
import { env } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import { ORIGIN } from '../helpers/worker.js';

/** The token vitest.config.ts gives the worker as its UPLOAD_TOKEN secret. */
export const TOKEN = 'test-upload-token-0123456789';
export const auth = { Authorization: `Bearer ${TOKEN}` };

export interface MasterJson {
  key: string;
  etag: string;
  bytes: number;
  format: string;
  width: number;
  height: number;
  hasAlpha: boolean;
  animated: boolean;
  orientation: number;
  uploaded: string;
  urls: { original: string; example: string };
}

export function send(method: string, path: string, body?: BodyInit | null, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(new Request(ORIGIN + path, { method, body: body ?? null, headers }));
}

/** PUT /masters/<key> with the upload token (unless `headers` overrides Authorization). */
export function upload(key: string, body: BodyInit | null, headers: Record<string, string> = {}): Promise<Response> {
  return send('PUT', `/masters/${key}`, body, { ...auth, ...headers });
}

export function remove(key: string, headers: Record<string, string> = {}): Promise<Response> {
  return send('DELETE', `/masters/${key}`, null, { ...auth, ...headers });
}

export async function expectProblem(response: Response, status: number, code?: string, detail?: RegExp) {
  expect(response.status).toBe(status);
  expect(response.headers.get('Content-Type')).toBe('application/problem+json');
  const body = (await response.json()) as { type: string; title: string; status: number; detail: string };
  expect(body.status).toBe(status);
  expect(body.type).toMatch(/^urn:edge-image-worker:problem:/);
  if (code) expect(body.type).toBe(`urn:edge-image-worker:problem:${code}`);
  expect(body.title).toBeTruthy();
  if (detail) expect(body.detail).toMatch(detail);
  return body;
}

/** Every object key in the bucket. */
export async function r2Keys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.MASTERS.list({ cursor, limit: 1000 });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys.sort();
}

export async function sha256Hex(bytes: Uint8Array | ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** `bytes` followed by `extra` (e.g. a counter after a GIF's trailer: a different file, the same image). */
export function concat(bytes: Uint8Array, extra: Uint8Array | string): Uint8Array {
  const tail = typeof extra === 'string' ? new TextEncoder().encode(extra) : extra;
  const out = new Uint8Array(bytes.byteLength + tail.byteLength);
  out.set(bytes);
  out.set(tail, bytes.byteLength);
  return out;
}
