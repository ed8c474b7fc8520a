import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built into dist/, which main-service serves at `/`. No env values are inlined: the app only
// talks to its own origin, so the bundle carries no URLs or keys.
export default defineConfig({
  plugins: [react()],
  base: '/',
  envPrefix: 'STOREFRONT_PUBLIC_',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 400 },
  server: { proxy: { '/api': 'http://127.0.0.1:5000' } },
});
