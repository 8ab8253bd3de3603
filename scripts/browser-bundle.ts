import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

/** The package's browser entry points, from source: what an app's bundler pulls in for each import. */
export const browserEntries = {
  'runstream/client': 'src/client/index.ts',
  'runstream/events': 'src/protocol/index.ts',
  'runstream/react': 'src/react/index.ts',
} as const;

export interface BrowserBundle {
  entry: string;
  /** The bundle itself: an ES module a page can import. */
  code: string;
  minifiedBytes: number;
  gzipBytes: number;
  /** Packages in the bundle, largest first, with their minified share. */
  packages: { name: string; bytes: number }[];
}

/**
 * Bundles one entry for browsers with esbuild (platform browser, minified, ESM).
 * A Node built-in reached by any import fails the build; React stays external
 * (the app brings it).
 */
export async function bundleForBrowser(entry: keyof typeof browserEntries): Promise<BrowserBundle> {
  const result = await build({
    entryPoints: [join(root, browserEntries[entry])],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: ['react', 'react-dom'],
  });
  const code = result.outputFiles[0]!.contents;
  const packages = new Map<string, number>();
  for (const [path, input] of Object.entries(Object.values(result.metafile.outputs)[0]!.inputs)) {
    const name = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ?? 'runstream';
    packages.set(name, (packages.get(name) ?? 0) + input.bytesInOutput);
  }
  return {
    entry,
    code: new TextDecoder().decode(code),
    minifiedBytes: code.byteLength,
    gzipBytes: gzipSync(code, { level: 9 }).byteLength,
    packages: [...packages].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes),
  };
}
