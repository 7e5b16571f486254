/**
 * English and Hindi. A message is written in English at its use (`t('Sign in')`); the Hindi
 * dictionary names every such message (hi.ts; svelte-check fails on a message it lacks), so
 * the two cannot drift. `{name}` placeholders are filled from `params`. Numbers, money and
 * dates use Indian formats in both languages (money.ts, dates.ts).
 */
import { hi, type Message } from './hi';
import type { Lang } from '../dates';

const STORE = 'saras.lang';

function initial(): Lang {
	if (typeof localStorage === 'undefined') return 'en';
	return localStorage.getItem(STORE) === 'hi' ? 'hi' : 'en';
}

export const i18n = $state<{ lang: Lang }>({ lang: initial() });

export function setLang(lang: Lang): void {
	i18n.lang = lang;
	if (typeof localStorage !== 'undefined') localStorage.setItem(STORE, lang);
	if (typeof document !== 'undefined') document.documentElement.lang = lang;
}

/** Fill `{name}` placeholders. */
export function fill(text: string, params: Record<string, string | number> = {}): string {
	return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

/** The message in the current language. */
export function t(message: Message, params: Record<string, string | number> = {}): string {
	return fill(i18n.lang === 'hi' ? hi[message] : message, params);
}

export type { Message };
