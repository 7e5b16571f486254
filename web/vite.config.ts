import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vitest/config';

// In development the app runs on :5173 and the bridge on :8000; every API path is proxied.
const api = [
	'/register', '/login', '/logout', '/token', '/me', '/admin', '/smallcase', '/smallcases',
	'/cash', '/invest', '/subscriptions', '/buy', '/sell', '/intents', '/portfolio',
	'/transactions', '/batches', '/kite', '/analytics', '/allocation-notes', '/openapi.json'
];

export default defineConfig({
	plugins: [tailwindcss(), sveltekit()],
	server: { proxy: Object.fromEntries(api.map((p) => [p, 'http://127.0.0.1:8000'])) },
	test: { include: ['src/**/*.test.ts'], environment: 'node' }
});
