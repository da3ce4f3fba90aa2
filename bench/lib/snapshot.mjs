// @ts-check
/**
 * A copy of the code under test in a temporary folder. wrangler's dev bundler watches its sources and
 * reloads the Worker (into a new runtime, on a new port) whenever one changes; on a machine where others
 * edit src/ meanwhile, the bench would measure a moving target, or lose its worker mid-run. So the bench
 * runs a snapshot taken when it starts, and records which commit and which changed files it holds.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Copies src/, wrangler.toml, bench/worker.ts and bench/wrangler.toml from `root` into `dir`, with
 * node_modules linked, and describes the source's state.
 * @param {string} root
 * @param {string} dir
 */
export function snapshotSources(root, dir) {
  mkdirSync(join(dir, 'bench'), { recursive: true });
  cpSync(join(root, 'src'), join(dir, 'src'), { recursive: true });
  for (const file of ['wrangler.toml', 'package.json', 'tsconfig.json', 'bench/worker.ts']) cpSync(join(root, file), join(dir, file));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  // The bench worker's config moves up beside the real one: wrangler keeps its scratch files in .wrangler/ next
  // to the config, and there (not inside bench/, which its bundler watches) removing them at exit goes unnoticed.
  const benchToml = readFileSync(join(root, 'bench/wrangler.toml'), 'utf8').replace(/^main\s*=\s*"worker\.ts"/m, 'main = "bench/worker.ts"');
  writeFileSync(join(dir, 'bench.wrangler.toml'), benchToml);
  const git = (/** @type {string[]} */ args) => {
    try {
      return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  return {
    dir,
    rootConfig: join(dir, 'wrangler.toml'),
    benchConfig: join(dir, 'bench.wrangler.toml'),
    commit: git(['rev-parse', '--short', 'HEAD']),
    changedInSrc: git(['status', '--porcelain', '--', 'src', 'wrangler.toml']).split('\n').filter(Boolean),
  };
}
