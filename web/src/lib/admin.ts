/** What the admin pages read from endpoints newer than the generated types. */
import type { ApiError } from './api/problem';

export interface AdminUser {
	id: number;
	email: string;
	full_name: string;
	role: 'investor' | 'manager' | 'admin';
	active?: boolean;
	created_at?: string;
	kyc?: { pan_masked: string; legal_name: string; date_of_birth: string; status: string; reason?: string | null } | null;
	free_cash?: string;
}

/** The rows of a list endpoint that answers a bare list or `{items: [...]}`. */
export function rowsOf<T>(body: T[] | { items: T[] }): T[] {
	if (Array.isArray(body)) return body;
	if (body && Array.isArray(body.items)) return body.items;
	return [body as unknown as T];
}

export function missing(error: ApiError | undefined): boolean {
	return error?.status === 404 || error?.status === 405;
}
