/**
 * The shared corpus of real images (../shared/corpus), when this checkout has it beside it. Tests that use
 * it skip with a message where it is absent: the suite must pass on its own fixtures alone.
 */
const files = import.meta.glob('../../../shared/corpus/**/*.{jpg,jpeg,png,webp,gif,avif}', { query: '?bytes', import: 'default' });

export const corpusAvailable = Object.keys(files).length > 0;

if (!corpusAvailable) console.warn('../shared/corpus is absent: corpus-backed tests are skipped');

/** The bytes of a corpus file, by its path inside the corpus (as CATALOG.tsv writes it). */
export async function corpusFile(path: string): Promise<Uint8Array> {
  const load = files[`../../../shared/corpus/${path}`];
  if (!load) throw new Error(`corpus file ${path} not found`);
  return (await load()) as Uint8Array;
}
