// Types for the browser module i18n.js (so TypeScript tests can import it).
export declare const LANGS: string[];
export declare function initLang(): string;
export declare function getLang(): string;
export declare function setLang(lang: string): void;
export declare function t(key: string, params?: Record<string, unknown> | null, lang?: string): string;
export declare function label(group: string, value: unknown, lang?: string): string;
export declare function dictionaryKeys(lang: string): string[];
