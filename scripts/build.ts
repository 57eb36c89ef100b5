/**
 * Builds the package: type declarations and JS into dist/ (tsc), and the browser
 * client into dist/client/weft.min.js (esbuild), then prints the client's gzip size.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const CLIENT_BUDGET = 3 * 1024;
const LIVE_BUDGET = 2 * 1024;
const STREAM_BUDGET = 1024;
const clientOnly = process.argv.includes('--client');

if (!clientOnly) {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
await build({
  entryPoints: ['src/client/weft.ts'],
  outfile: 'dist/client/weft.min.js',
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  logLevel: 'warning',
});
await build({
  entryPoints: ['src/client/live.ts'],
  outfile: 'dist/client/weft-live.min.js',
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  logLevel: 'warning',
});
await build({
  entryPoints: ['src/client/stream.ts'],
  outfile: 'dist/client/weft-stream.min.js',
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  logLevel: 'warning',
});
const streamSize = gzipSync(readFileSync('dist/client/weft-stream.min.js')).length;
console.log(`weft stream client: dist/client/weft-stream.min.js ${streamSize} B gzip (budget ${STREAM_BUDGET} B)`);
if (streamSize > STREAM_BUDGET) {
  console.error('weft stream client is over its size budget');
  process.exit(1);
}
const liveSize = gzipSync(readFileSync('dist/client/weft-live.min.js')).length;
console.log(`weft live client: dist/client/weft-live.min.js ${liveSize} B gzip (budget ${LIVE_BUDGET} B)`);
if (liveSize > LIVE_BUDGET) {
  console.error('weft live client is over its size budget');
  process.exit(1);
}
const size = gzipSync(readFileSync('dist/client/weft.min.js')).length;
console.log(`weft client: dist/client/weft.min.js ${size} B gzip (budget ${CLIENT_BUDGET} B)`);
if (size > CLIENT_BUDGET) {
  console.error('weft client is over its size budget');
  process.exit(1);
}
