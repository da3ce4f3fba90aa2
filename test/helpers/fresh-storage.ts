import { abortAllDurableObjects, reset } from 'cloudflare:test';
import { beforeAll } from 'vitest';

// Test files share one workerd and its compiled codec module (see vitest.config.ts), so each file starts from empty
// storage (R2, Cache API, Durable Objects) and fresh Durable Object instances, as it would in a runtime of its own.
beforeAll(async () => {
  await reset();
  await abortAllDurableObjects();
});
