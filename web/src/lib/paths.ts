import { base } from '$app/paths';

/** An app path under the base the bridge serves the app at (`/app`). */
export function href(path: string): string {
	return `${base}${path === '/' ? '' : path}` || '/';
}
