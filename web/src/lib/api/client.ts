/**
 * The typed client of the bridge's API (types generated from its OpenAPI into schema.d.ts).
 *
 * The access token lives in this module's memory only; the refresh token is the bridge's
 * httpOnly SameSite=Strict cookie, used by `POST /token/refresh` with the readable CSRF
 * cookie echoed in `X-CSRF-Token` (docs/web-security.md). A request answered 401 is retried
 * once after a refresh. Every refusal becomes an `ApiError`.
 */
import createClient from 'openapi-fetch';
import type { paths } from './schema';
import { ApiError, networkError, toApiError } from './problem';

let accessToken: string | null = null;
let refreshing: Promise<boolean> | null = null;
let onSignedOut: () => void = () => {};

export function setAccessToken(token: string | null): void {
	accessToken = token;
}

export function hasAccessToken(): boolean {
	return accessToken !== null;
}

/**
 * The role the access token names, read without verifying it: only to choose which pages
 * to show before `GET /me` answers (the bridge checks the token on every call).
 */
export function tokenRole(): 'investor' | 'manager' | 'admin' | null {
	const role = claims()?.role;
	return role === 'investor' || role === 'manager' || role === 'admin' ? role : null;
}

function claims(): { role?: unknown; exp?: unknown } | null {
	const payload = accessToken?.split('.')[1];
	if (!payload) return null;
	try {
		return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { role?: unknown; exp?: unknown };
	} catch {
		return null;
	}
}

/**
 * The access token for a page the app opens by posting a form to the bridge (a backtest's
 * report in a new tab: a link cannot carry the header, and a token never goes in a URL),
 * refreshed first when it has less than a minute left. Null when there is no session.
 */
export async function tokenForForm(): Promise<string | null> {
	const exp = claims()?.exp;
	if (typeof exp !== 'number' || exp - Date.now() / 1000 < 60) await refresh();
	return accessToken;
}

/** Called when a refresh fails: the session is over. */
export function whenSignedOut(callback: () => void): void {
	onSignedOut = callback;
}

export function readCookie(name: string): string | null {
	if (typeof document === 'undefined') return null;
	for (const part of document.cookie.split(';')) {
		const [key, ...rest] = part.trim().split('=');
		if (key === name) return decodeURIComponent(rest.join('='));
	}
	return null;
}

/** A new access token from the refresh cookie; false when there is no session. */
export function refresh(): Promise<boolean> {
	refreshing ??= (async () => {
		const csrf = readCookie('saras_csrf');
		if (!csrf) return false;
		try {
			const response = await fetch('/token/refresh', {
				method: 'POST',
				credentials: 'same-origin',
				headers: { 'X-CSRF-Token': csrf }
			});
			if (!response.ok) return false;
			const body = (await response.json()) as { access_token: string };
			accessToken = body.access_token;
			return true;
		} catch {
			return false;
		}
	})().finally(() => {
		refreshing = null;
	});
	return refreshing;
}

function withToken(request: Request): Request {
	const copy = new Request(request);
	if (accessToken) copy.headers.set('Authorization', `Bearer ${accessToken}`);
	return copy;
}

/** fetch with the access token, refreshing once on a 401. */
export async function authedFetch(input: Request): Promise<Response> {
	const spare = input.clone();
	let response = await fetch(withToken(input));
	if (response.status === 401 && !/\/(login|register|token\/refresh)$/.test(new URL(input.url).pathname)) {
		if (await refresh()) {
			response = await fetch(withToken(spare));
		} else {
			accessToken = null;
			onSignedOut();
		}
	}
	return response;
}

export const api = createClient<paths>({
	baseUrl: typeof location === 'undefined' ? 'http://localhost' : location.origin,
	fetch: authedFetch,
	credentials: 'same-origin'
});

interface Outcome<T> {
	data?: T;
	error?: unknown;
	response: Response;
}

/** The data of an openapi-fetch call, or an ApiError thrown with the problem it answered. */
export async function ok<T>(call: Promise<Outcome<T>>): Promise<T> {
	let outcome: Outcome<T>;
	try {
		outcome = await call;
	} catch (cause) {
		throw cause instanceof ApiError ? cause : networkError(cause);
	}
	const { data, error, response } = outcome;
	if (!response.ok) throw toApiError(response.status, error, response.statusText);
	return data as T;
}

/** GET a path the generated types do not know yet (an endpoint newer than openapi.json). */
export async function getJson<T>(path: string): Promise<T> {
	let response: Response;
	try {
		response = await authedFetch(new Request(new URL(path, location.origin)));
	} catch (cause) {
		throw networkError(cause);
	}
	const text = await response.text();
	let body: unknown = text;
	try {
		body = text ? JSON.parse(text) : null;
	} catch {
		/* not JSON: keep the text */
	}
	if (!response.ok) throw toApiError(response.status, body, response.statusText);
	return body as T;
}

/** POST to a path the generated types do not know yet. */
export async function postJson<T>(path: string, payload?: unknown): Promise<T> {
	const request = new Request(new URL(path, location.origin), {
		method: 'POST',
		headers: payload === undefined ? {} : { 'Content-Type': 'application/json' },
		body: payload === undefined ? null : JSON.stringify(payload)
	});
	let response: Response;
	try {
		response = await authedFetch(request);
	} catch (cause) {
		throw networkError(cause);
	}
	const text = await response.text();
	let body: unknown = text;
	try {
		body = text ? JSON.parse(text) : null;
	} catch {
		/* keep the text */
	}
	if (!response.ok) throw toApiError(response.status, body, response.statusText);
	return body as T;
}

export type Schemas = import('./schema').components['schemas'];
