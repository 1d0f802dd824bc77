/**
 * Light or dark: the system's `prefers-color-scheme` ("auto"), or the user's choice from the
 * header's switch, kept in localStorage. The stylesheet reads `<html data-theme>`.
 */
export type ThemeChoice = 'auto' | 'light' | 'dark';

export const THEME_KEY = 'lamplight.theme';

export function readTheme(): ThemeChoice {
  try {
    const value = window.localStorage.getItem(THEME_KEY);
    return value === 'light' || value === 'dark' ? value : 'auto';
  } catch {
    return 'auto';
  }
}

export function applyTheme(choice: ThemeChoice): void {
  const root = document.documentElement;
  if (choice === 'auto') delete root.dataset.theme;
  else root.dataset.theme = choice;
}

export function saveTheme(choice: ThemeChoice): void {
  applyTheme(choice);
  try {
    if (choice === 'auto') window.localStorage.removeItem(THEME_KEY);
    else window.localStorage.setItem(THEME_KEY, choice);
  } catch {
    // Storage refused (private mode): the choice lasts for this page only.
  }
}
