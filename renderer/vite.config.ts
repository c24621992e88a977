// Builds the studio's renderer once; both hosts (Electron and the web host) serve renderer/dist as is.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = new URL('.', import.meta.url).pathname;

export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: {
    outDir: new URL('./dist', import.meta.url).pathname,
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
});
