// @ts-check
/**
 * Section "vary": how much `Vary: Accept` fragments Workers Cache. Workers Cache keys a response that varies on
 * Accept by the request's Accept value verbatim, while the worker's own tiers key it by the negotiated format. The
 * real worker is asked for one `format=auto` variant with each Accept value that current browsers and common
 * clients send, and the distinct values are counted against the distinct formats they get.
 */

/**
 * Accept headers as sent today, for an image (`<img>`) unless marked as a navigation (the image URL opened in a tab).
 * Values as the browsers' own sources set them (Chromium's kDefaultImageAcceptHeader, Firefox's image.http.accept
 * default, WebKit's image Accept), and the usual non-browser clients.
 */
export const ACCEPT_VALUES = [
  ['Chrome, Edge, Opera, Samsung Internet (<img>)', 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8'],
  ['Firefox 128+ (<img>)', 'image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5'],
  ['Firefox 92–115 ESR (<img>)', 'image/avif,image/webp,*/*'],
  ['Safari 17+ (<img>)', 'image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5'],
  ['Safari 16 (<img>)', 'image/webp,image/avif,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5'],
  ['Safari 14–15 (<img>)', 'image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5'],
  ['Chromium 80–84 (<img>)', 'image/webp,image/apng,image/*,*/*;q=0.8'],
  ['Chrome (navigation)', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7'],
  ['Firefox, Safari (navigation)', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
  ['curl, fetch(), most bots', '*/*'],
  ['no Accept header', null],
];

/**
 * @typedef {object} VaryRow
 * @property {string} client
 * @property {string | null} accept
 * @property {string} contentType
 * @typedef {object} VaryResult
 * @property {string} path
 * @property {VaryRow[]} rows
 * @property {number} acceptValues       distinct Accept values: Workers Cache entries per URL
 * @property {number} formats            distinct negotiated formats: Cache API (and R2 tier) entries per URL
 * @property {number} fragmentation      acceptValues ÷ formats
 */

/**
 * @param {{ base: URL, path: string }} options
 * @returns {Promise<VaryResult>}
 */
export async function measureVary({ base, path }) {
  /** @type {VaryRow[]} */
  const rows = [];
  for (const [client, accept] of ACCEPT_VALUES) {
    /** @type {Record<string, string>} */
    const headers = accept === null ? {} : { Accept: accept };
    const response = await fetch(new URL(path, base), { headers });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${path} with Accept ${accept} answered ${response.status}`);
    if (response.headers.get('Vary') !== 'Accept') throw new Error(`${path} does not vary on Accept`);
    rows.push({ client: client ?? '', accept, contentType: response.headers.get('Content-Type') ?? '' });
  }
  const acceptValues = new Set(rows.map((r) => r.accept)).size;
  const formats = new Set(rows.map((r) => r.contentType)).size;
  return { path, rows, acceptValues, formats, fragmentation: Math.round((acceptValues / formats) * 100) / 100 };
}
