// A single-page app: nothing renders on the server, nothing is prerendered but the shell.
export const ssr = false;
export const prerender = false;
export const trailingSlash = 'never';
