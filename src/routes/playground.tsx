/** @jsxImportSource hono/jsx */
/**
 * GET / : the playground, server-rendered with Hono JSX. Browse the masters in R2 (paginated, by folder), pick one,
 * set options, and see the variant beside its AVIF, WebP and JPEG forms; copy its URL and a `<picture>` snippet
 * (from /srcset/); upload with the token typed into the page. Browsing and building URLs work without JavaScript;
 * /playground.js adds sizes, dimensions and Server-Timing (from the images' own Resource Timing), the snippet, copy
 * buttons and the upload. URLs use IMAGE_PREFIX, which `wrangler dev` serves from any origin (not /cdn-cgi/).
 */
import type { Context } from 'hono';
import type { FC } from 'hono/jsx';
import type { AppEnv } from '../app-env.js';
import { imageUrl, keyPath } from '../client/index.js';
import { ImageError } from '../http/problem.js';
import { validateKey } from '../options/key.js';
import { parseOptions } from '../options/parse.js';
import { FIELDS, formValues, segmentOf } from './playground/options.js';
import { PLAYGROUND_CSS } from './playground/style.js';

/** Masters per page of the listing. */
export const PAGE_SIZE = 24;
const MASTERS = 'masters/';

interface Listing {
  folders: string[];
  files: Array<{ key: string; size: number }>;
  next?: string;
}

/** A folder prefix from the query: '' or a path ending in `/`, validated as a key would be. */
function readPrefix(raw: string | undefined): string {
  if (!raw) return '';
  const prefix = raw.endsWith('/') ? raw : raw + '/';
  validateKey(prefix.slice(0, -1));
  return prefix;
}

async function listMasters(bucket: R2Bucket, prefix: string, cursor: string | undefined): Promise<Listing> {
  const list = (at: string | undefined) => bucket.list({ prefix: MASTERS + prefix, delimiter: '/', limit: PAGE_SIZE, cursor: at });
  let page: R2Objects;
  try {
    page = await list(cursor);
  } catch {
    page = await list(undefined);
  }
  // A stale or forged cursor (an error, or an empty page): start the folder again rather than show nothing.
  if (cursor && page.objects.length === 0 && page.delimitedPrefixes.length === 0) page = await list(undefined);
  return {
    folders: page.delimitedPrefixes.map((p) => p.slice(MASTERS.length)),
    files: page.objects.map((o) => ({ key: o.key.slice(MASTERS.length), size: o.size })),
    next: page.truncated ? page.cursor : undefined,
  };
}

function href(params: Record<string, string | undefined>): string {
  const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
  const text = query.toString();
  return text === '' ? '/' : `/?${text}`;
}

function kib(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}

const Browser: FC<{ prefix: string; listing: Listing; selected?: string; prefixBase: string }> = ({ prefix, listing, selected, prefixBase }) => {
  const parts = prefix.split('/').filter((p) => p !== '');
  return (
    <nav class="browser" aria-label="masters">
      <h2>Masters</h2>
      <p class="crumbs">
        <a href="/">masters/</a>
        {parts.map((part, i) => (
          <a href={href({ prefix: parts.slice(0, i + 1).join('/') + '/' })}>{part}/</a>
        ))}
      </p>
      <ul>
        {listing.folders.map((folder) => (
          <li class="folder">
            <a href={href({ prefix: folder })}>📁 {folder.slice(prefix.length)}</a>
          </li>
        ))}
        {listing.files.map((file) => (
          <li class={file.key === selected ? 'file selected' : 'file'}>
            <a href={href({ prefix, key: file.key })}>
              <img src={imageUrl(prefixBase, file.key, 'width=64,height=64,fit=cover,format=auto')} width={64} height={64} alt="" loading="lazy" decoding="async" />
              <span>{file.key.slice(prefix.length)}</span>
              <small>{kib(file.size)}</small>
            </a>
          </li>
        ))}
      </ul>
      {listing.folders.length === 0 && listing.files.length === 0 ? <p>No masters here yet: upload one below.</p> : null}
      {listing.next ? (
        <p>
          <a rel="next" href={href({ prefix, cursor: listing.next, key: selected })}>Next page →</a>
        </p>
      ) : null}
    </nav>
  );
};

const Variant: FC<{ id: string; label: string; src: string; width?: number }> = ({ id, label, src }) => (
  <figure class="variant">
    <a href={src}>
      <img id={id} src={src} alt={label} data-measure="" />
    </a>
    <figcaption>
      <strong>{label}</strong> <output data-for={id}>…</output>
    </figcaption>
  </figure>
);

const Editor: FC<{ keyName: string; prefix: string; values: Record<string, string>; prefixBase: string; error?: string }> = ({ keyName, prefix, values, prefixBase, error }) => {
  const segment = segmentOf(values);
  const url = imageUrl(prefixBase, keyName, segment);
  const srcset = `/srcset/${keyPath(keyName)}?widths=320,640,960,1280&sizes=${encodeURIComponent('(max-width: 640px) 100vw, 640px')}`;
  return (
    <section class="editor" aria-label="variant">
      <h2>{keyName}</h2>
      <form method="get" action="/">
        <input type="hidden" name="prefix" value={prefix} />
        <input type="hidden" name="key" value={keyName} />
        {FIELDS.map((field) => (
          <label>
            {field.label}
            {field.values ? (
              <select name={field.name}>
                {field.values.map((v) => (
                  <option value={v} selected={values[field.name] === v}>
                    {v === '' ? '—' : v}
                  </option>
                ))}
              </select>
            ) : (
              <input type="number" name={field.name} min={1} max={field.max} value={values[field.name]} />
            )}
          </label>
        ))}
        <button type="submit">Show</button>
      </form>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : (
        <>
          <p class="url">
            <input id="variant-url" readonly value={url} size={60} aria-label="variant URL" />
            <button type="button" data-copy="variant-url" hidden>
              Copy URL
            </button>
            <a href={imageUrl(prefixBase, keyName, 'format=json')}>metadata</a>
          </p>
          <Variant id="variant" label={`format=${values.f || 'auto'}`} src={url} />
          <h3>Side by side</h3>
          <div class="formats">
            {['avif', 'webp', 'jpeg'].map((format) => (
              <Variant id={`variant-${format}`} label={format.toUpperCase()} src={imageUrl(prefixBase, keyName, segmentOf(values, format))} />
            ))}
          </div>
          <h3>
            <code>&lt;picture&gt;</code>
          </h3>
          <p>
            From <a href={srcset}>{srcset}</a> (AVIF, WebP and JPEG at 320–1280 px).
          </p>
          <textarea id="picture" rows={6} cols={80} readonly data-srcset={srcset} aria-label="picture markup"></textarea>
          <button type="button" data-copy="picture" hidden>
            Copy &lt;picture&gt;
          </button>
        </>
      )}
    </section>
  );
};

const Upload: FC<{ prefix: string }> = ({ prefix }) => (
  <section class="upload" aria-label="upload">
    <h2>Upload a master</h2>
    <form id="upload">
      <fieldset id="upload-fields" disabled>
        <label>
          key <input name="key" required placeholder={`${prefix || 'mine/'}photo.jpg`} value={prefix} size={32} />
        </label>
        <label>
          image <input name="file" type="file" accept="image/*" required />
        </label>
        <label>
          upload token <input name="token" type="password" required autocomplete="off" size={24} />
        </label>
        <button type="submit">Upload</button>
      </fieldset>
      <noscript>Uploading needs JavaScript (it sends PUT /masters/&lt;key&gt; with the token as a bearer token).</noscript>
      <p>
        <small>The token stays in this page: it is sent with the upload only, never stored by the page or the server.</small>
      </p>
      <output id="upload-result"></output>
    </form>
  </section>
);

export async function servePlayground(c: Context<AppEnv>): Promise<Response> {
  const config = c.get('config');
  const query = c.req.query();
  let notice: string | undefined;
  let prefix = '';
  let selected: string | undefined;
  try {
    prefix = readPrefix(query.prefix);
    if (query.key) selected = validateKey(query.key);
  } catch (error) {
    if (!(error instanceof ImageError)) throw error;
    notice = error.detail;
  }
  const listing = await listMasters(c.env.MASTERS, prefix, query.cursor);
  const values = formValues(query);
  let optionError: string | undefined;
  try {
    parseOptions(segmentOf(values), config);
  } catch (error) {
    if (!(error instanceof ImageError)) throw error;
    optionError = error.detail;
  }
  const page = (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{selected ? `${selected} · ` : ''}edge-image-worker playground</title>
        <link rel="icon" href="/favicon.ico" />
        <style dangerouslySetInnerHTML={{ __html: PLAYGROUND_CSS }} />
      </head>
      <body>
        <header>
          <h1>edge-image-worker</h1>
          <p>
            Variants of the masters in R2 at <code>{config.imagePrefix}/&lt;options&gt;/&lt;key&gt;</code> (or{' '}
            <code>/cdn-cgi/image/…</code>).
          </p>
        </header>
        {notice ? (
          <p class="error" role="alert">
            {notice}
          </p>
        ) : null}
        <main>
          <Browser prefix={prefix} listing={listing} selected={selected} prefixBase={config.imagePrefix} />
          <div>
            {selected ? (
              <Editor keyName={selected} prefix={prefix} values={values} prefixBase={config.imagePrefix} error={optionError} />
            ) : (
              <p class="hint">Pick a master to build its variants.</p>
            )}
            <Upload prefix={prefix} />
          </div>
        </main>
        <script type="module" src="/playground.js"></script>
      </body>
    </html>
  );
  return c.html(`<!doctype html>\n${await page}`, 200, { 'Cache-Control': 'no-store' });
}
