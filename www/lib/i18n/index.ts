/**
 * The pages' languages: one message catalogue a language (the player's: en.ts, id.ts; the
 * playground's: www/playground/i18n), chosen from a `lang` attribute or the browser's
 * languages; numbers, sizes, dates and clock times through Intl.
 */
import { en } from './en';
import { id } from './id';

type Widen<T> = T extends (...args: infer A) => string ? (...args: A) => string : string;
/** A catalogue shaped as the English one `E`: its keys, each a string or a function of the same arguments. */
export type CatalogueOf<E> = { readonly [K in keyof E]: Widen<E[K]> };
/** The shape every player catalogue has: en.ts's. */
export type Messages = CatalogueOf<typeof en>;

export const CATALOGUES = { en: en as Messages, id } as const;
export type Locale = keyof typeof CATALOGUES;

/** The first of `preferred` (BCP 47 tags: the `lang` attribute, then navigator.languages) we have, else English. */
export function pickLocale(preferred: readonly (string | null | undefined)[]): Locale {
  for (const tag of preferred) {
    if (!tag) continue;
    const base = tag.toLowerCase().split('-')[0]!;
    if (base in CATALOGUES) return base as Locale;
  }
  return 'en';
}

export interface I18n {
  locale: Locale;
  m: Messages;
  /** 1234 -> "1,234" (en) / "1.234" (id). */
  number(n: number): string;
  /** Bytes as B, kB, MB. */
  bytes(n: number): string;
  /** Seconds as a clock: 65 -> "1:05", 3725 -> "1:02:05". */
  clock(seconds: number): string;
  /** An ISO date as the locale writes a date and time. */
  date(iso: string): string;
  /** Whether `n` takes the singular form. */
  one(n: number): boolean;
}

export function i18n(locale: Locale): I18n {
  const num = new Intl.NumberFormat(locale);
  const two = new Intl.NumberFormat(locale, { minimumIntegerDigits: 2, useGrouping: false });
  const unit = (u: string, digits: number) => new Intl.NumberFormat(locale, { style: 'unit', unit: u, maximumFractionDigits: digits });
  const sizes = [unit('byte', 0), unit('kilobyte', 0), unit('megabyte', 1)];
  const when = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const plural = new Intl.PluralRules(locale);
  return {
    locale,
    m: CATALOGUES[locale],
    number: (n) => num.format(n),
    bytes: (n) => (n < 1024 ? sizes[0]!.format(n) : n < 1024 * 1024 ? sizes[1]!.format(n / 1024) : sizes[2]!.format(n / 1024 / 1024)),
    clock: (seconds) => {
      const t = Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 0;
      const s = t % 60, m = Math.floor(t / 60) % 60, h = Math.floor(t / 3600);
      return h ? `${num.format(h)}:${two.format(m)}:${two.format(s)}` : `${num.format(m)}:${two.format(s)}`;
    },
    date: (iso) => {
      const d = new Date(iso);
      return Number.isNaN(d.getTime()) ? iso : when.format(d);
    },
    one: (n) => plural.select(n) === 'one',
  };
}

/** Translates the elements under `root` marked `data-i18n`, `data-i18n-label`, `data-i18n-title` (see translatePage). */
export function translate(root: ParentNode, t: { m: object }): void {
  const text = (key: string) => {
    const v = (t.m as Record<string, unknown>)[key];
    if (typeof v !== 'string') throw new Error(`no message ${key}`);
    return v;
  };
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = text(el.dataset.i18n!);
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-label]')) el.setAttribute('aria-label', text(el.dataset.i18nLabel!));
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-title]')) el.title = text(el.dataset.i18nTitle!);
}

/**
 * Translates the static page: `data-i18n` sets an element's text, `data-i18n-label` its
 * aria-label, `data-i18n-title` its title (each names a string message); sets `<html lang>`.
 */
export function translatePage(doc: Document, t: { locale: Locale; m: object }): void {
  doc.documentElement.lang = t.locale;
  translate(doc, t);
  const title = doc.querySelector<HTMLElement>('title[data-i18n]');
  if (title) doc.title = title.textContent ?? '';
}
