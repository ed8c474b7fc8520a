import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { containsPattern, searchTerms, wordsOf } from './fulltext';

describe('search terms', () => {
  test('every indexable word is required, the last one as a prefix', () => {
    assert.deepEqual(searchTerms('  Desk   lamp '), { words: ['Desk', 'lamp'], fulltext: '+Desk +lamp*', substrings: [] });
  });

  test('punctuation and boolean operators are separators, never operators', () => {
    assert.deepEqual(searchTerms('-desk +"lamp" (red)* ~oak@home').fulltext, '+desk +lamp +red +oak +home*');
  });

  test('words shorter than three characters and InnoDB stop words become substring matches', () => {
    assert.deepEqual(searchTerms('The TV stand 4k of oak'), {
      words: ['The', 'TV', 'stand', '4k', 'of', 'oak'],
      fulltext: '+stand +oak*',
      substrings: ['The', 'TV', '4k', 'of'],
    });
    assert.deepEqual(searchTerms('tv'), { words: ['tv'], substrings: ['tv'] });
  });

  test('a word longer than the index keeps (84 characters) becomes a substring match', () => {
    const long = 'x'.repeat(85);
    assert.deepEqual(searchTerms(`lamp ${long}`).substrings, [long]);
  });

  test('repeated words count once, whatever their case or accents', () => {
    assert.deepEqual(wordsOf('Café cafe CAFÉ crème'), ['Café', 'crème']);
  });

  test('decomposed accents stay inside their word', () => {
    assert.deepEqual(wordsOf('cafe\u0301 lamp'), ['café', 'lamp']);
  });

  test('underscores belong to words, as InnoDB reads them; LIKE wildcards are escaped', () => {
    assert.deepEqual(wordsOf('foo_bar'), ['foo_bar']);
    assert.equal(containsPattern('a_b%c\\'), '%a\\_b\\%c\\\\%');
  });

  test('text without letters or digits has no words', () => {
    assert.deepEqual(searchTerms('!!! -- **'), { words: [], substrings: [] });
  });
});
