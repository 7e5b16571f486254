import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		// A single-page app: the bridge serves build/ under /app/ and answers every unknown
		// path there with index.html (bridge_api/http/webapp.py).
		adapter: adapter({ fallback: 'index.html', strict: false }),
		paths: { base: '/app' },
		output: { bundleStrategy: 'split' }
	}
};

export default config;
