/**
 * The bridge's state words (batch, order, KYC, smallcase, SIP, intent, run...) in Hindi.
 * They arrive from the API as English identifiers; a word missing here shows as sent.
 */
import type { Lang } from '../dates';

export const hiStates: Record<string, string> = {
	accepted: 'स्वीकृत',
	acknowledged: 'स्वीकार किया',
	active: 'सक्रिय',
	announced: 'घोषित',
	approved: 'स्वीकृत',
	archived: 'संग्रहीत',
	batched: 'बैच में',
	cancelled: 'रद्द',
	closed: 'बंद',
	completed: 'पूर्ण',
	critical: 'गंभीर',
	declined: 'अस्वीकृत',
	done: 'पूरा',
	draft: 'ड्राफ़्ट',
	error: 'त्रुटि',
	executed: 'निष्पादित',
	executing: 'चल रहा है',
	expired: 'समाप्त',
	failed: 'विफल',
	filled: 'पूरा भरा',
	final: 'अंतिम',
	idle: 'निष्क्रिय',
	invalid: 'अमान्य',
	ok: 'ठीक',
	open: 'खुला',
	partially_completed: 'आंशिक रूप से पूर्ण',
	paused: 'रुका हुआ',
	pending: 'लंबित',
	planned: 'नियोजित',
	posted: 'दर्ज',
	proposed: 'प्रस्तावित',
	published: 'प्रकाशित',
	queued: 'कतार में',
	ready: 'तैयार',
	rejected: 'अस्वीकृत',
	running: 'चल रहा है',
	sending: 'भेजा जा रहा है',
	sent: 'भेजा गया',
	skipped: 'छोड़ा गया',
	stopped: 'बंद',
	unknown: 'अज्ञात',
	valid: 'मान्य',
	verified: 'सत्यापित'
};

/** A state word for display in `lang`. */
export function stateLabel(value: string, lang: Lang): string {
	return lang === 'hi' ? (hiStates[value] ?? value.replaceAll('_', ' ')) : value.replaceAll('_', ' ');
}
