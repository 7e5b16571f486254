/** What the admin pages read from endpoints newer than the generated types. */
import type { ApiError } from './api/problem';
import type { Schemas } from './api/client';

export type AdminUser = Schemas['UserLineOut'];

/** The rows of a list endpoint that answers a bare list or `{items: [...]}`. */
export function rowsOf<T>(body: T[] | { items: T[] }): T[] {
	if (Array.isArray(body)) return body;
	if (body && Array.isArray(body.items)) return body.items;
	return [body as unknown as T];
}

export function missing(error: ApiError | undefined): boolean {
	return error?.status === 404 || error?.status === 405;
}
