// The replay's trace (scripts/replay.mjs): seeded choices of who asks for what, so that a run can be repeated.
// A request is { kind, method?, path, ip, headers, body?, remember?, newKey? }; `state` holds the catalogue of masters,
// the clients, and what each browser has seen (its ETags, for revalidation).
import path from 'node:path';

/** mulberry32: a small seeded PRNG, so that a trace can be replayed exactly. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick(random, weighted) {
  const total = weighted.reduce((s, [, w]) => s + w, 0);
  let x = random() * total;
  for (const [value, w] of weighted) if ((x -= w) < 0) return value;
  return weighted[weighted.length - 1][0];
}

/** Zipf(s) over ranks 1..n: rank k with weight 1/k^s. */
function zipf(random, n, s = 1.1) {
  const weights = Array.from({ length: n }, (_, k) => [k, 1 / (k + 1) ** s]);
  return pick(random, weights);
}

export const SAMPLES = [
  'samples/photos/dune.jpg', 'samples/photos/flower.jpg', 'samples/photos/storm.jpg', 'samples/photos/wood.jpg',
  'samples/photos/flower-portrait-exif6.jpg', 'samples/alpha/rose.png', 'samples/webp/rose.webp', 'samples/avif/flower.avif',
  'samples/avif/tiny.avif', 'samples/gif/traffic-light.gif',
];
/** What uploads copy: the photographs and the WebP (AVIF and GIF masters are served as seeded). */
export const UPLOADABLE = SAMPLES.slice(0, 7);

/** Accept headers of current browsers (as test/helpers/worker.ts has them), weighted by a plausible share. */
export const BROWSERS = [
  [{ name: 'chrome', accept: 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8', ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36' }, 62],
  [{ name: 'safari', accept: 'image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5', ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1' }, 22],
  [{ name: 'firefox', accept: 'image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5', ua: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0' }, 10],
  [{ name: 'old', accept: 'image/webp,*/*', ua: 'Mozilla/5.0 (Linux; Android 9) AppleWebKit/537.36 Chrome/90.0 Mobile Safari/537.36' }, 6],
];
export const BOTS = ['Googlebot-Image/1.0', 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', 'facebookexternalhit/1.1'];
/** Next.js deviceSizes that pages of one layout ask for, weighted towards phones (640–828) and laptops (1080–1200). */
const SRCSET = [[384, 5], [640, 30], [828, 25], [1080, 20], [1200, 10], [1920, 10]];

export function ipOf(random, taken, prefix = 198) {
  for (;;) {
    const ip = `${prefix}.${18 + Math.floor(random() * 2)}.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 254)}`;
    if (!taken.has(ip)) return taken.add(ip), ip;
  }
}

export function keyPath(key) {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** Makes the next request of the trace. `state` holds the catalogue, the clients and what each browser has seen. */
export function nextRequest(random, state) {
  const kind = pick(random, [['browser', 81], ['bot', 7], ['buster', 8], ['missing', 2], ['upload', 1]]);
  const key = () => state.catalogue[zipf(random, state.catalogue.length)];
  if (kind === 'browser') {
    const client = state.browsers[Math.floor(random() * state.browsers.length)];
    const style = pick(random, [['srcset', 70], ['thumb', 18], ['picture', 12]]);
    const k = key();
    const options =
      style === 'srcset' ? `width=${pick(random, SRCSET)},quality=75,format=auto`
      : style === 'thumb' ? ((size) => `width=${size},height=${size},fit=cover,format=auto`)(pick(random, [[160, 1], [320, 2]]))
      : `width=${pick(random, [[640, 2], [1280, 1]])},format=${pick(random, [['avif', 1], ['webp', 1]])}`;
    const p = `/cdn-cgi/image/${options}/${keyPath(k)}`;
    const seen = client.etags.get(p);
    const headers = { Accept: client.browser.accept, 'User-Agent': client.browser.ua };
    if (seen) headers['If-None-Match'] = seen;
    return { kind, path: p, ip: client.ip, headers, remember: client };
  }
  if (kind === 'bot') {
    const bot = BOTS[Math.floor(random() * BOTS.length)];
    const k = state.catalogue[Math.floor(random() * state.catalogue.length)];
    const p = random() < 0.25 ? `/originals/${keyPath(k)}` : `/cdn-cgi/image/width=${pick(random, [[640, 1], [1200, 1]])},format=auto/${keyPath(k)}`;
    return { kind, path: p, ip: state.botIps[BOTS.indexOf(bot)], headers: { Accept: '*/*', 'User-Agent': bot } };
  }
  if (kind === 'buster') {
    // One client adds random query strings (which the worker ignores), another random widths and qualities (which it
    // transforms, and charges).
    const k = key();
    const [ip, p] = random() < 0.25
      ? [state.busterIps[0], `/cdn-cgi/image/width=640,quality=75,format=auto/${keyPath(k)}?v=${Math.floor(random() * 1e9)}`]
      : [state.busterIps[1], `/cdn-cgi/image/width=${16 + Math.floor(random() * 1500)},quality=${1 + Math.floor(random() * 100)},format=webp/${keyPath(k)}`];
    return { kind, path: p, ip, headers: { Accept: '*/*', 'User-Agent': 'curl/8.5.0' } };
  }
  if (kind === 'missing') {
    return { kind, path: `/cdn-cgi/image/width=640,format=auto/gone/${Math.floor(random() * 50)}.jpg`, ip: state.browsers[0].ip, headers: { Accept: BROWSERS[0][0].accept } };
  }
  const source = UPLOADABLE[Math.floor(random() * UPLOADABLE.length)];
  const newKey = `replay/live/${state.uploads++}-${path.basename(source)}`;
  return { kind, method: 'PUT', path: `/masters/${keyPath(newKey)}`, ip: state.operatorIp, headers: { Authorization: `Bearer ${state.token}` }, body: state.bytes.get(source), newKey };
}

export function routeOf(p, method) {
  if (p.startsWith('/cdn-cgi/image/') || p.startsWith('/img/')) return 'image';
  if (p.startsWith('/originals/')) return 'original';
  if (p.startsWith('/masters/')) return method === 'PUT' ? 'upload' : method === 'DELETE' ? 'delete' : 'master';
  if (p === '/health') return 'health';
  return 'other';
}
