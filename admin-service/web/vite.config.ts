import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built into dist/, which admin-service serves under /admin (with index.html for every client
// route). No env values are inlined: the console only calls its own origin.
export default defineConfig({
  plugins: [react()],
  base: '/admin/',
  envPrefix: 'CONSOLE_PUBLIC_',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 400 },
  server: { proxy: { '/api': 'http://127.0.0.1:8000' } },
});
