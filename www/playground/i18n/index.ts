/**
 * The playground's language: `?lang=` first, then the browser's languages, else English
 * (www/lib/i18n picks and formats; this module holds the playground's catalogues).
 */
import { i18n, pickLocale, type CatalogueOf, type Locale } from '../../lib/i18n/index';
import { en } from './en';
import { id } from './id';

export type PlaygroundMessages = CatalogueOf<typeof en>;
export const PLAYGROUND_CATALOGUES: Record<Locale, PlaygroundMessages> = { en, id };

const locale = pickLocale([new URLSearchParams(location.search).get('lang'), ...navigator.languages]);
/** The page's locale, its messages and its Intl formatting. */
export const L = { ...i18n(locale), m: PLAYGROUND_CATALOGUES[locale] };
/** `n` with `digits` decimals as the locale writes it. */
export const decimal = (n: number, digits: number): string =>
  new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
