/** Who is signed in. The access token stays in the API client's memory (api/client.ts). */
import { api, ok, readCookie, refresh, setAccessToken, tokenRole, whenSignedOut, type Schemas } from './api/client';

export type User = Schemas['UserOut'];
export type Role = User['role'];

/**
 * `role` comes from the access token as soon as there is one, so a page can start loading its
 * data at once; `user` (name, KYC) follows from `GET /me`.
 */
export const session = $state<{ user: User | null; role: Role | null; ready: boolean }>({ user: null, role: null, ready: false });

whenSignedOut(() => {
	session.user = null;
	session.role = null;
});

/** On start: a session from the refresh cookie, if there is one. */
export async function restore(): Promise<void> {
	let me: Promise<void> | undefined;
	try {
		if (await refresh()) {
			session.role = tokenRole();
			me = reloadUser();
		}
	} finally {
		session.ready = true;
	}
	try {
		await me;
	} catch {
		session.user = null;
		session.role = null;
	}
}

export async function signIn(email: string, password: string): Promise<User> {
	const tokens = await ok(api.POST('/login', { body: { email, password, refresh_token_in: 'cookie' } }));
	setAccessToken(tokens.access_token);
	const user = await ok(api.GET('/me'));
	session.user = user;
	session.role = user.role;
	return user;
}

export async function reloadUser(): Promise<void> {
	session.user = await ok(api.GET('/me'));
	session.role = session.user.role;
}

export async function signOut(): Promise<void> {
	const csrf = readCookie('saras_csrf');
	try {
		await api.POST('/logout', { headers: csrf ? { 'X-CSRF-Token': csrf } : {} });
	} finally {
		setAccessToken(null);
		session.user = null;
		session.role = null;
	}
}

/** The page each role lands on. */
export function homeOf(role: Role): string {
	return role === 'admin' ? '/admin' : role === 'manager' ? '/manage' : '/portfolio';
}
