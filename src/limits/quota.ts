/**
 * Charging work to the client that asks for it. Cache misses (transforms, by output megapixels) and uploads
 * (count and bytes) go to the client's `QuotaBucket` Durable Object; hits are never charged and make no call.
 * When the Durable Object cannot be reached, transforms fall back to a per-isolate bucket (fail open, logged)
 * and uploads are refused (fail closed).
 */
import { ImageError } from '../http/problem.js';
import { type Range, clientKey, isExempt } from './client.js';
import type { Charge } from './quota-object.js';
import { type BucketPolicy, type BucketState, type Decision, take } from './token-bucket.js';

export interface QuotaConfig {
  transformsPerMinute: number;
  uploadsPerHour: number;
  uploadBytesPerHour: number;
  exempt: Range[];
}

export function transformPolicy(q: QuotaConfig): BucketPolicy {
  return { name: 'transform', capacity: q.transformsPerMinute, window: 60 };
}

export function uploadPolicies(q: QuotaConfig): { uploads: BucketPolicy; bytes: BucketPolicy } {
  return {
    uploads: { name: 'uploads', capacity: q.uploadsPerHour, window: 3600 },
    bytes: { name: 'upload-bytes', capacity: q.uploadBytesPerHour, window: 3600 },
  };
}

/** What a transform costs: its output megapixels, rounded up, at least 1. */
export function transformCost(outputPixels: number): number {
  return Math.max(1, Math.ceil(outputPixels / 1_000_000));
}

/** The IETF RateLimit-Policy and RateLimit fields (draft-ietf-httpapi-ratelimit-headers) for these decisions. */
export function rateLimitHeaders(charges: Charge[], decisions: Decision[]): Record<string, string> {
  return {
    'RateLimit-Policy': charges.map((c) => `"${c.policy.name}";q=${c.policy.capacity};w=${c.policy.window}`).join(', '),
    RateLimit: charges.map((c, i) => `"${c.policy.name}";r=${decisions[i]!.remaining};t=${decisions[i]!.reset}`).join(', '),
  };
}

let lastWarning = -Infinity;

/** Per-isolate buckets, used only while the Durable Object is unreachable; bounded so it cannot grow. */
const fallback = new Map<string, BucketState>();
const FALLBACK_ENTRIES = 10_000;

function chargeLocally(client: string, charges: Charge[]): Decision[] {
  const now = Date.now();
  const results = charges.map((c) => take(fallback.get(`${client} ${c.policy.name}`), c.policy, c.cost, now));
  if (results.every((r) => r.decision.allowed)) {
    results.forEach((r, i) => {
      const key = `${client} ${charges[i]!.policy.name}`;
      fallback.delete(key);
      fallback.set(key, r.state);
      if (fallback.size > FALLBACK_ENTRIES) fallback.delete(fallback.keys().next().value!);
    });
  }
  return results.map((r) => r.decision);
}

export interface Client {
  /** The bucket key: IPv4, IPv6 /64, or `unknown`. */
  key: string;
  exempt: boolean;
}

export function clientOf(request: Request, q: QuotaConfig, hasUploadToken = false): Client {
  const ip = request.headers.get('CF-Connecting-IP');
  return { key: clientKey(ip), exempt: hasUploadToken || isExempt(ip, q.exempt) };
}

/**
 * Charges `charges` to the client, all or nothing. Returns the RateLimit headers to send; throws 429 with
 * `Retry-After` when over quota, or 503 when the quota store is down and `failOpen` is false.
 */
export async function chargeClient(env: Env, client: Client, charges: Charge[], failOpen: boolean): Promise<Record<string, string>> {
  if (client.exempt) return {};
  let decisions: Decision[];
  try {
    const stub = env.QUOTA.get(env.QUOTA.idFromName(client.key));
    const answer = await stub.charge(charges);
    if ('failed' in answer) throw new Error(answer.failed);
    decisions = answer;
  } catch (error) {
    if (!failOpen) {
      throw new ImageError(503, 'quota-unavailable', 'uploads are paused while the quota store is unreachable; try again shortly', { 'Retry-After': '10' });
    }
    // Once a minute per isolate: an outage must not turn every request into a log line.
    if (Date.now() - lastWarning > 60_000) {
      lastWarning = Date.now();
      console.warn('quota store unreachable, charging this isolate only:', String(error));
    }
    decisions = chargeLocally(client.key, charges);
  }
  const headers = rateLimitHeaders(charges, decisions);
  const refused = decisions.filter((d) => !d.allowed);
  if (refused.length > 0) {
    const retryAfter = Math.max(...refused.map((d) => d.retryAfter));
    const names = charges.filter((_, i) => !decisions[i]!.allowed).map((c) => c.policy.name).join(', ');
    throw new ImageError(429, 'quota-exceeded', `this client is over its ${names} quota; retry in ${retryAfter} s`, { ...headers, 'Retry-After': String(retryAfter) });
  }
  return headers;
}
