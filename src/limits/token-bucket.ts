/** Token buckets as pure functions over a small state, so the Durable Object and the fallback share them. */

export interface BucketPolicy {
  /** Its name in the RateLimit headers, e.g. `transform`. */
  name: string;
  /** Tokens the bucket holds when full. */
  capacity: number;
  /** Seconds in which an empty bucket refills completely. */
  window: number;
}

export interface BucketState {
  tokens: number;
  /** Milliseconds since the epoch of the last update. */
  updated: number;
}

export interface Decision {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  reset: number;
  /** Seconds until this request's cost would be affordable (0 when allowed). */
  retryAfter: number;
}

export function refill(state: BucketState | undefined, policy: BucketPolicy, now: number): BucketState {
  if (!state) return { tokens: policy.capacity, updated: now };
  const rate = policy.capacity / policy.window;
  const elapsed = Math.max(0, (now - state.updated) / 1000);
  return { tokens: Math.min(policy.capacity, state.tokens + elapsed * rate), updated: Math.max(now, state.updated) };
}

/** Takes `cost` tokens if the bucket has them. A cost above capacity is charged as the whole bucket. */
export function take(state: BucketState | undefined, policy: BucketPolicy, cost: number, now: number): { state: BucketState; decision: Decision } {
  const rate = policy.capacity / policy.window;
  const charge = Math.min(Math.max(0, cost), policy.capacity);
  const current = refill(state, policy, now);
  const allowed = current.tokens >= charge;
  const tokens = allowed ? current.tokens - charge : current.tokens;
  const next = { tokens, updated: current.updated };
  return {
    state: next,
    decision: {
      allowed,
      remaining: Math.floor(tokens),
      reset: Math.ceil((policy.capacity - tokens) / rate),
      retryAfter: allowed ? 0 : Math.max(1, Math.ceil((charge - tokens) / rate)),
    },
  };
}
