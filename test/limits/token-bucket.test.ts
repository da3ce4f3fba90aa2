import { describe, expect, it } from 'vitest';
import { take } from '../../src/limits/token-bucket.js';

const policy = { name: 'transform', capacity: 60, window: 60 }; // one token a second

describe('token bucket', () => {
  it('starts full and takes what it has', () => {
    const { state, decision } = take(undefined, policy, 10, 0);
    expect(decision).toEqual({ allowed: true, remaining: 50, reset: 10, retryAfter: 0 });
    expect(state.tokens).toBe(50);
  });

  it('refuses what it does not have, takes nothing, and says when it will', () => {
    const first = take(undefined, policy, 58, 0);
    const refused = take(first.state, policy, 5, 0);
    expect(refused.decision.allowed).toBe(false);
    expect(refused.decision.retryAfter).toBe(3); // 2 tokens left, 5 needed, 1 a second
    expect(refused.state.tokens).toBe(2);
    expect(take(refused.state, policy, 5, 3000).decision.allowed).toBe(true);
    expect(take(refused.state, policy, 5, 2999).decision.allowed).toBe(false);
  });

  it('refills over time, never past capacity', () => {
    const empty = take(undefined, policy, 60, 0).state;
    expect(take(empty, policy, 0, 30_000).decision.remaining).toBe(30);
    expect(take(empty, policy, 0, 600_000).decision.remaining).toBe(60);
  });

  it('charges a cost above capacity as the whole bucket', () => {
    expect(take(undefined, policy, 1000, 0).decision.allowed).toBe(true);
    expect(take(undefined, policy, 1000, 0).state.tokens).toBe(0);
  });

  it('ignores a clock that goes backwards', () => {
    const { state } = take(undefined, policy, 30, 10_000);
    expect(take(state, policy, 0, 5_000).decision.remaining).toBe(30);
  });
});
