/**
 * Durable Objects that keep quotas: `QuotaBucket`, one per client (IP or IPv6 /64), holding its token
 * buckets; and `TransformBreaker`, one for the whole deployment, counting transforms per minute so that a
 * flood of cache-busting misses can be shed while hits go on. Both are SQLite-backed; each RPC runs to
 * completion without awaiting, so concurrent calls are admitted exactly.
 */
import { DurableObject } from 'cloudflare:workers';
import { type BucketPolicy, type Decision, refill, take } from './token-bucket.js';

export interface Charge {
  policy: BucketPolicy;
  cost: number;
}

export class QuotaBucket extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS buckets (name TEXT PRIMARY KEY, tokens REAL NOT NULL, updated REAL NOT NULL)');
  }

  /**
   * Takes every charge or none of them; the decisions are in the order given. A failure inside the object
   * (its storage) is answered as a value rather than thrown, so the caller's fallback decides what happens
   * and the runtime does not log it as an uncaught exception.
   */
  charge(charges: Charge[]): Decision[] | { failed: string } {
    try {
      return this.chargeAll(charges);
    } catch (error) {
      return { failed: String(error) };
    }
  }

  private chargeAll(charges: Charge[]): Decision[] {
    const now = Date.now();
    const sql = this.ctx.storage.sql;
    const rows = charges.map(({ policy }) => sql.exec<{ tokens: number; updated: number }>('SELECT tokens, updated FROM buckets WHERE name = ?', policy.name).toArray()[0]);
    const results = charges.map(({ policy, cost }, i) => take(rows[i], policy, cost, now));
    const allowed = results.every((r) => r.decision.allowed);
    if (allowed) {
      results.forEach(({ state }, i) => {
        sql.exec(
          'INSERT INTO buckets (name, tokens, updated) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET tokens = excluded.tokens, updated = excluded.updated',
          charges[i]!.policy.name,
          state.tokens,
          state.updated,
        );
      });
      // Once every bucket would be full again, its row says nothing a missing row does not: forget the client.
      const longest = Math.max(...charges.map((c) => c.policy.window));
      void this.ctx.storage.setAlarm(now + longest * 1000);
    }
    if (allowed) return results.map((r) => r.decision);
    // A refused charge takes nothing, so a client over one limit is not also drained of the others.
    return results.map(({ decision }, i) =>
      decision.allowed ? { ...decision, allowed: false, remaining: Math.floor(refill(rows[i], charges[i]!.policy, now).tokens) } : decision,
    );
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}

/** Transforms per 10-second slot over the last minute, deployment-wide. */
export class TransformBreaker extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS slots (slot INTEGER PRIMARY KEY, count INTEGER NOT NULL)');
  }

  /** Adds `count` transforms now; answers the transforms of the last 60 s. */
  record(count: number): number {
    const slot = Math.floor(Date.now() / 10_000);
    const sql = this.ctx.storage.sql;
    sql.exec('DELETE FROM slots WHERE slot <= ?', slot - 6);
    if (count > 0) {
      sql.exec('INSERT INTO slots (slot, count) VALUES (?, ?) ON CONFLICT(slot) DO UPDATE SET count = count + excluded.count', slot, Math.floor(count));
    }
    return sql.exec<{ total: number | null }>('SELECT SUM(count) AS total FROM slots').one().total ?? 0;
  }
}
