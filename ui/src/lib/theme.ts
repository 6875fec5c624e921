// Light, dark, or the system's: the choice is kept in localStorage and
// resolved to `data-theme="light|dark"` on <html>, which app.css keys its
// colours on (one set per theme, no duplicate for the system case).

export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'hookscope.theme';
const systemDark = () => window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;

export function themeChoice(): ThemeChoice {
  try {
    const saved = localStorage.getItem(KEY);
    return saved === 'light' || saved === 'dark' ? saved : 'system';
  } catch {
    return 'system';
  }
}

/** Whether the page shows dark now. */
export function isDark(): boolean {
  return document.documentElement.dataset.theme === 'dark';
}

function apply(choice: ThemeChoice) {
  const dark = choice === 'dark' || (choice === 'system' && systemDark());
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

export function setTheme(choice: ThemeChoice) {
  try {
    if (choice === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    // Storage refused (a private window): the choice lasts this page.
  }
  apply(choice);
}

/** Applies the saved choice now and follows the system's while it is chosen. */
export function initTheme() {
  apply(themeChoice());
  window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', () => apply(themeChoice()));
}
