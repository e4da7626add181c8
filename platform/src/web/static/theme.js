// @ts-check
/**
 * Light (office) and dark (control room) themes: the choice is kept in localStorage and set as
 * `<html data-theme>`, which app.css and the charts read. Dark is the default when the system asks for it.
 */
const KEY = 'xiang.theme';

function storage() {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/** @returns {'light' | 'dark'} */
export function getTheme() {
  return document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light';
}

/** @param {'light' | 'dark'} theme */
export function setTheme(theme) {
  document.documentElement.dataset.theme = theme;
  storage()?.setItem(KEY, theme);
}

export function initTheme() {
  const saved = storage()?.getItem(KEY);
  const prefersDark = globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches;
  document.documentElement.dataset.theme =
    saved === 'dark' || saved === 'light' ? saved : prefersDark ? 'dark' : 'light';
}
