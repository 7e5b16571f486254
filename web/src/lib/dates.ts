/**
 * Dates in India Standard Time, in the app's language. A calendar day from the API
 * ("2026-11-18") is shown as that day wherever the browser is; an instant
 * ("2026-11-18T04:00:00Z") is shown in Asia/Kolkata.
 */

export const ZONE = 'Asia/Kolkata';

export type Lang = 'en' | 'hi';

const LOCALES: Record<Lang, string> = { en: 'en-IN', hi: 'hi-IN' };

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** 18 Nov 2026 (en) / 18 नव॰ 2026 (hi) from "2026-11-18". */
export function formatDay(value: string, lang: Lang = 'en'): string {
	const match = DAY.exec(value);
	if (!match) return formatInstant(value, lang, false);
	const day = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
	return new Intl.DateTimeFormat(LOCALES[lang], {
		day: 'numeric',
		month: 'short',
		year: 'numeric',
		timeZone: 'UTC'
	}).format(day);
}

/** 18 Nov 2026, 9:30 am IST from an instant with its offset. */
export function formatInstant(value: string, lang: Lang = 'en', time = true): string {
	const instant = new Date(value);
	if (Number.isNaN(instant.getTime())) return value;
	const text = new Intl.DateTimeFormat(LOCALES[lang], {
		day: 'numeric',
		month: 'short',
		year: 'numeric',
		...(time ? { hour: 'numeric', minute: '2-digit', hour12: true } : {}),
		timeZone: ZONE
	}).format(instant);
	return time ? `${text} IST` : text;
}

/** Today's date in IST as "YYYY-MM-DD". */
export function todayIST(now: Date = new Date()): string {
	return new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(now);
}

/** The Indian financial year (April to March) a day falls in, named by its first year. */
export function financialYear(day: string): number {
	const match = DAY.exec(day);
	if (!match) throw new RangeError(`not a day: ${day}`);
	const year = Number(match[1]);
	return Number(match[2]) >= 4 ? year : year - 1;
}
