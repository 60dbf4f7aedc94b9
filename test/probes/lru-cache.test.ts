import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LruCache } from '../../src/probes/lru-cache.js';

test('a stored value is returned without making it again', () => {
  const cache = new LruCache<string, number>(2);
  let made = 0;
  const make = (): number => ++made;
  assert.is(cache.getOrCreate('a', make), 1);
  assert.is(cache.getOrCreate('a', make), 1);
  assert.is(made, 1);
});

test('never more than the limit; the least recently used goes first', () => {
  const cache = new LruCache<string, string>(3);
  for (const key of ['a', 'b', 'c']) cache.getOrCreate(key, (k) => `${k}1`);
  cache.getOrCreate('a', (k) => `${k}2`);
  cache.getOrCreate('d', (k) => `${k}1`);
  assert.is(cache.size, 3);
  assert.is(cache.getOrCreate('a', (k) => `${k}2`), 'a1', 'a was used just before d came in');
  assert.is(cache.getOrCreate('b', (k) => `${k}2`), 'b2', 'b was the least recently used');
  for (let i = 0; i < 100; i++) cache.getOrCreate(`k${i}`, (k) => k);
  assert.is(cache.size, 3);
});

test('nothing is stored when making the value throws', () => {
  const cache = new LruCache<string, number>(2);
  assert.throws(() =>
    cache.getOrCreate('a', () => {
      throw new Error('no');
    }),
  );
  assert.is(cache.size, 0);
  assert.is(cache.getOrCreate('a', () => 7), 7);
});

test.run();
