/**
 * The console's words: zh-CN first (the users are Chinese energy managers, inspectors and assessors),
 * English second. `t(key, params)` fills `{name}` placeholders; a missing key shows itself, so a gap is
 * visible instead of silent. A unit test keeps both dictionaries on the same keys.
 */
import { messagesEn } from './messages-en.js';
import { messagesZh } from './messages-zh.js';

export const LANGS = ['zh-CN', 'en'];
const LANG_KEY = 'xiang.lang';
const dictionaries = { 'zh-CN': messagesZh, en: messagesEn };

let current = 'zh-CN';

function storage() {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled by the browser's privacy settings
  }
}

/** Reads the saved choice (default zh-CN). */
export function initLang() {
  const saved = storage()?.getItem(LANG_KEY);
  current = saved && LANGS.includes(saved) ? saved : 'zh-CN';
  return current;
}

export function getLang() {
  return current;
}

export function setLang(lang) {
  if (!LANGS.includes(lang)) throw new Error(`unknown language ${lang}`);
  current = lang;
  storage()?.setItem(LANG_KEY, lang);
}

/** Translates `key` in the current language (or `lang`), filling `{placeholders}` from params. */
export function t(key, params, lang = current) {
  const dict = dictionaries[lang] ?? messagesZh;
  const template = dict[key] ?? messagesZh[key] ?? key;
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** A label from an enumeration (quantity, medium, level…), falling back to the raw value. */
export function label(group, value, lang = current) {
  const key = `${group}.${value}`;
  const dict = dictionaries[lang] ?? messagesZh;
  return dict[key] ?? messagesZh[key] ?? String(value);
}

export function dictionaryKeys(lang) {
  return Object.keys(dictionaries[lang] ?? {});
}
