/** Which route an event names, from the method and path alone. Pure. */
import { describe, expect, it } from 'vitest';
import { routeOf } from '../../src/observe/event.js';

describe('routeOf', () => {
  it.each([
    ['GET', '/cdn-cgi/image/width=100/a.jpg', 'image'],
    ['GET', '/img/width=100/a.jpg', 'image'],
    ['GET', '/_next/image', 'image'],
    ['GET', '/_ipx/w_100/a.jpg', 'image'],
    ['GET', '/_image', 'image'],
    ['GET', '/originals/a.jpg', 'original'],
    ['PUT', '/masters/a.jpg', 'upload'],
    ['DELETE', '/masters/a.jpg', 'delete'],
    ['GET', '/masters/a.jpg', 'master'],
    ['GET', '/health', 'health'],
    ['POST', '/jobs/pregenerate', 'jobs'],
    ['GET', '/', 'other'],
    ['GET', '/_nextimage', 'other'],
  ])('%s %s → %s', (method, path, route) => {
    expect(routeOf(method, path, '/img')).toBe(route);
  });
});
