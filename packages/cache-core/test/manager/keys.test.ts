import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/manager/errors.js';
import { generateCacheKey, MAX_CACHE_KEY_LENGTH } from '../../src/manager/keys.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('generateCacheKey', () => {
  it('matches the spec examples', () => {
    expect(generateCacheKey('/api/users/123')).toBe('/api/users/123');
    expect(generateCacheKey('/api/users', { id: 123, filter: 'active' })).toBe('/api/users|filter=active&id=123');
  });

  it('is the endpoint alone for no, null, empty or all-undefined params', () => {
    expect(generateCacheKey('/e', null)).toBe('/e');
    expect(generateCacheKey('/e', {})).toBe('/e');
    expect(generateCacheKey('/e', { a: undefined })).toBe('/e');
  });

  it('does not depend on the order of parameters, at any depth', () => {
    const a = generateCacheKey('/s', { q: 'x', f: { b: [1, { z: 1, y: 2 }], a: true } });
    const b = generateCacheKey('/s', { f: { a: true, b: [1, { y: 2, z: 1 }] }, q: 'x' });
    expect(a).toBe(b);
    expect(a).toBe('/s|f={"a":true,"b":[1,{"y":2,"z":1}]}&q=x');
  });

  it('writes scalars as a query string does', () => {
    expect(generateCacheKey('/e', { n: 1.5, t: true, z: null, big: 10n, d: new Date(0) })).toBe(
      '/e|big=10&d=1970-01-01T00:00:00.000Z&n=1.5&t=true&z=null',
    );
  });

  it('percent-encodes separators so different params never share a key', () => {
    const tricky = generateCacheKey('/e', { a: 'x&b=y' });
    const plain = generateCacheKey('/e', { a: 'x', b: 'y' });
    expect(tricky).toBe('/e|a=x%26b%3Dy');
    expect(plain).toBe('/e|a=x&b=y');
    expect(generateCacheKey('/e', { 'a|b': '100%' })).toBe('/e|a%7Cb=100%25');
  });

  it('writes a value as its text: a value and a string with that text share a key (documented), other texts do not', () => {
    const pairs: [unknown, string][] = [[123, '123'], [true, 'true'], [null, 'null'], [[1], '[1]'], [{ b: 1, a: 2 }, '{"a":2,"b":1}'], [new Date(0), '1970-01-01T00:00:00.000Z']];
    for (const [value, text] of pairs) expect(generateCacheKey('/e', { q: value })).toBe(generateCacheKey('/e', { q: text }));
    const keys = [[1], '[ 1]', [1, 2], '1', 1.5, 'null ', { a: 1 }, '{"a":"1"}'].map((q) => generateCacheKey('/e', { q }));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it(`hashes keys longer than ${MAX_CACHE_KEY_LENGTH} characters as endpoint|hash:<sha256 of the params>`, () => {
    const params = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`param${i}`, `value${i}`]));
    const query = Object.keys(params)
      .sort()
      .map((k) => `${k}=${params[k]}`)
      .join('&');
    const key = generateCacheKey('/api/endpoint', params);
    expect(key).toBe(`/api/endpoint|hash:${sha256(query)}`);
    expect(key.length).toBe('/api/endpoint|hash:'.length + 64);
    // the same params in another order give the same hash
    expect(generateCacheKey('/api/endpoint', Object.fromEntries(Object.entries(params).reverse()))).toBe(key);
  });

  it('keeps a key of exactly the limit, hashes one character more', () => {
    const endpoint = '/e';
    const fill = 'v'.repeat(MAX_CACHE_KEY_LENGTH - '/e|a='.length);
    expect(generateCacheKey(endpoint, { a: fill })).toBe(`/e|a=${fill}`);
    expect(generateCacheKey(endpoint, { a: `${fill}v` })).toBe(`/e|hash:${sha256(`a=${fill}v`)}`);
  });

  it('hashes the whole key when even the endpoint is too long', () => {
    const endpoint = `/${'x'.repeat(300)}`;
    expect(generateCacheKey(endpoint)).toBe(`hash:${sha256(endpoint)}`);
    expect(generateCacheKey(endpoint, { a: 1 })).toBe(`hash:${sha256(`${endpoint}|a=1`)}`);
  });

  it('refuses functions and symbols as parameters', () => {
    expect(() => generateCacheKey('/e', { cb: { f: () => 1 } })).toThrow(InvalidArgumentError);
    expect(() => generateCacheKey('/e', { cb: { f: () => 1 } })).toThrow(/params\.cb\.f/);
  });
});

describe('an endpoint containing "|"', () => {
  it('is refused: it would read as endpoint + params ("/a|x=1" alone and ("/a", { x: 1 }) shared a key)', () => {
    expect(generateCacheKey('/a', { x: 1 })).toBe('/a|x=1');
    expect(() => generateCacheKey('/a|x=1')).toThrow(InvalidArgumentError);
    expect(() => generateCacheKey('/a|x=1')).toThrow(/contains "\|".*percent-encode it \(%7C\)/);
    expect(generateCacheKey('/a%7Cx=1')).toBe('/a%7Cx=1'); // the encoded form is its own key
  });
});
