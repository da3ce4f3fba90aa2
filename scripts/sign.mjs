// `npm run sign -- <url> [--expires-in=<seconds>] [--exp=<unix seconds>] [--key=<id>]`: prints the URL signed with
// the current key of SIGNING_KEYS (from the environment, else .dev.vars), as the worker verifies it.
// It uses the client module itself (src/client), bundled by esbuild (already in node_modules, via vite and wrangler).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const input = args.find((a) => !a.startsWith('--'));

function fail(message) {
  console.error(`sign: ${message}`);
  process.exit(1);
}

if (!input) fail('usage: npm run sign -- <image URL> [--expires-in=<seconds>] [--exp=<unix seconds>] [--key=<id>]');

function signingKeys() {
  if (process.env.SIGNING_KEYS) return process.env.SIGNING_KEYS;
  const file = `${root}/.dev.vars`;
  if (existsSync(file)) {
    const line = /^SIGNING_KEYS=(.*)$/m.exec(readFileSync(file, 'utf8'))?.[1]?.trim();
    if (line) return line.replace(/^"(.*)"$/, '$1');
  }
  return fail('no SIGNING_KEYS in the environment or in .dev.vars (see .dev.vars.example)');
}

const bundle = await build({
  stdin: { contents: "export * from './src/client/index.ts'; export { readSigningKeys } from './src/options/signature.ts';", resolveDir: root, loader: 'ts' },
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  write: false,
  logLevel: 'error',
});
const client = await import(`data:text/javascript;base64,${Buffer.from(bundle.outputFiles[0].text).toString('base64')}`);

let keys;
try {
  keys = client.readSigningKeys(signingKeys());
} catch (error) {
  fail(error.message);
}
const wanted = flag('key');
const signer = wanted ? { id: wanted, secret: keys.byId.get(wanted) } : keys.current;
if (!signer?.secret) fail(wanted ? `SIGNING_KEYS has no key ${wanted}` : 'SIGNING_KEYS holds no key');

const url = new URL(input);
const prefix = /^IMAGE_PREFIX\s*=\s*"([^"]*)"/m.exec(readFileSync(`${root}/wrangler.toml`, 'utf8'))?.[1] ?? '/img';
const mount = ['/cdn-cgi/image', prefix.replace(/\/+$/, '')].find((m) => url.pathname.startsWith(`${m}/`));
if (!mount) fail(`the URL's path must start with /cdn-cgi/image/ or ${prefix}/`);
const rest = url.pathname.slice(mount.length + 1);
const slash = rest.indexOf('/');
if (slash <= 0) fail('expected <mount>/<options>/<key>');
// The worker signs the option segment as decoded once, and the key as the path names it.
const segment = decodeURIComponent(rest.slice(0, slash))
  .split(',')
  .filter((element) => !element.startsWith('sig=') && !element.startsWith('exp='))
  .join(',');
let source = rest.slice(slash + 1);
const absolute = /^https?:\/\/?[^/]*\/(.*)$/i.exec(decodeURIComponent(source));
const key = absolute ? decodeURIComponent(absolute[1]) : source.split('/').map(decodeURIComponent).join('/');
if (absolute) source = absolute[1];

const expiresIn = flag('expires-in');
const exp = flag('exp');
const expires = exp !== undefined ? Number(exp) : expiresIn !== undefined ? Math.floor(Date.now() / 1000) + Number(expiresIn) : undefined;
if (expires !== undefined && !(Number.isInteger(expires) && expires > 0)) fail('--exp and --expires-in take whole seconds');

const base = `${url.origin}${mount}`;
console.log(await client.signedImageUrl(base, key, segment, signer, expires === undefined ? {} : { expires }));
