import { browserEntries, bundleForBrowser } from '../scripts/browser-bundle.js';

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/**
 * What each browser entry point costs an app: esbuild bundle, minified, and
 * gzipped (level 9), React external. Also which packages make up each bundle.
 */
export default async function bundleBench(): Promise<void> {
  console.log('| entry | minified | minified + gzip | largest parts (minified) |');
  console.log('|---|---|---|---|');
  for (const entry of Object.keys(browserEntries) as (keyof typeof browserEntries)[]) {
    const bundle = await bundleForBrowser(entry);
    const parts = bundle.packages.slice(0, 3).map((part) => `${part.name} ${kib(part.bytes)}`).join(', ');
    console.log(`| ${entry} | ${kib(bundle.minifiedBytes)} | ${kib(bundle.gzipBytes)} | ${parts} |`);
  }
}
