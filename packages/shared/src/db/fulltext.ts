/**
 * Turns what a person typed into an InnoDB full-text query where every word must match.
 *
 * InnoDB does not index words shorter than `innodb_ft_min_token_size` (3 by default on MariaDB
 * and MySQL) or longer than `innodb_ft_max_token_size` (84), nor its default stop words; a
 * required (`+`) word it did not index makes MariaDB return no rows at all. Those words are
 * therefore matched as substrings with LIKE instead, after the index has narrowed the rows. Case
 * and accents are folded by the column's collation (utf8mb4_unicode_ci) in both paths.
 */
export const FT_MIN_TOKEN = 3;
export const FT_MAX_TOKEN = 84;

/** InnoDB's built-in list (INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD), the same on MariaDB 10.11 and MySQL 8.4. */
const INNODB_STOPWORDS = new Set(
  'a about an are as at be by com de en for from how i in is it la of on or that the this to was what when where who will with und www'.split(
    ' ',
  ),
);

/** Letters, digits, combining marks and `_`, as InnoDB's parser reads a word. */
const WORD = /[\p{L}\p{N}\p{M}_]+/gu;

export interface SearchTerms {
  /** The words as typed (NFC), in order, without duplicates. */
  words: string[];
  /** A boolean-mode expression requiring every indexed word (the last one as a prefix), if any. */
  fulltext?: string;
  /** Words the index cannot answer, each required as a substring. */
  substrings: string[];
}

export function wordsOf(q: string): string[] {
  const seen = new Set<string>();
  const words: string[] = [];
  for (const word of q.normalize('NFC').match(WORD) ?? []) {
    const folded = fold(word);
    if (seen.has(folded)) continue;
    seen.add(folded);
    words.push(word);
  }
  return words;
}

export function searchTerms(q: string): SearchTerms {
  const words = wordsOf(q);
  const indexed: string[] = [];
  const substrings: string[] = [];
  for (const word of words) {
    const length = [...word].length;
    if (length < FT_MIN_TOKEN || length > FT_MAX_TOKEN || INNODB_STOPWORDS.has(fold(word))) substrings.push(word);
    else indexed.push(word);
  }
  // The last word as a prefix, so a title is found while its last word is still being typed.
  const fulltext = indexed.length === 0 ? undefined : indexed.map((w, i) => (i === indexed.length - 1 ? `+${w}*` : `+${w}`)).join(' ');
  return { words, substrings, ...(fulltext ? { fulltext } : {}) };
}

/** A LIKE pattern matching the word anywhere, with LIKE's own wildcards escaped. */
export function containsPattern(word: string): string {
  return `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function fold(word: string): string {
  return word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
