/** Who is signed in. The access token stays in the API client's memory (api/client.ts). */
import { api, ok, readCookie, refresh, setAccessToken, whenSignedOut, type Schemas } from './api/client';

export type User = Schemas['UserOut'];
export type Role = User['role'];

export const session = $state<{ user: User | null; ready: boolean }>({ user: null, ready: false });

whenSignedOut(() => {
	session.user = null;
});

/** On start: a session from the refresh cookie, if there is one. */
export async function restore(): Promise<void> {
	try {
		if (await refresh()) session.user = await ok(api.GET('/me'));
	} catch {
		session.user = null;
	} finally {
		session.ready = true;
	}
}

export async function signIn(email: string, password: string): Promise<User> {
	const tokens = await ok(api.POST('/login', { body: { email, password, refresh_token_in: 'cookie' } }));
	setAccessToken(tokens.access_token);
	const user = await ok(api.GET('/me'));
	session.user = user;
	return user;
}

export async function reloadUser(): Promise<void> {
	session.user = await ok(api.GET('/me'));
}

export async function signOut(): Promise<void> {
	const csrf = readCookie('saras_csrf');
	try {
		await api.POST('/logout', { headers: csrf ? { 'X-CSRF-Token': csrf } : {} });
	} finally {
		setAccessToken(null);
		session.user = null;
	}
}

/** The page each role lands on. */
export function homeOf(role: Role): string {
	return role === 'admin' ? '/admin' : role === 'manager' ? '/manage' : '/portfolio';
}
