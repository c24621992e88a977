// `npm run build:electron`: what electron-builder packages, built from this tree: renderer/dist (vite) and
// the Electron main process + preload bundles in out/electron/ (esbuild).
import { bundleElectron, ensureRenderer } from './launch.ts';

const renderer = await ensureRenderer((line) => console.log(line), process.argv.includes('--force'));
const bundle = await bundleElectron();
console.log(`renderer/dist ${renderer === 'built' ? 'built' : 'up to date'}; Electron bundles: ${bundle.main}, ${bundle.preload}, ${bundle.worker}`);
