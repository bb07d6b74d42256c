/** Review of today's trace changes: each case pins a suspicion that was tried. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadTrace, parseCsvColumns } from '../../src/index.js';
import { parseLogTime } from '../../src/traces/readers/log.js';
import { failure, tempFolder } from './fixtures.js';

const file = tempFolder('today-review');

describe('--csv: two fields on one column, however the column is written', () => {
  const csv = file('t.csv', 'url,bytes,when\n/a,10,1\n/b,20,2\n');

  it('a column number with a leading zero is that column (key=1,size=01)', async () => {
    const error = await failure(loadTrace(csv, { format: 'csv', csv: 'key=1,size=01', header: true }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/key and size both read column 1/);
  });

  it('a header name in another case is that column (key=url,session=URL)', async () => {
    const error = await failure(loadTrace(csv, { format: 'csv', csv: 'key=url,session=URL', header: true }));
    expect(error.message).toMatch(/key and session both read column 1/);
  });

  it('a number and the name of the same column (key=1,referrer=url)', async () => {
    const error = await failure(loadTrace(csv, { format: 'csv', csv: 'key=1,referrer=url', header: true }));
    expect(error.message).toMatch(/key and referrer both read column 1/);
  });

  it('distinct columns still read', async () => {
    const trace = await loadTrace(csv, { format: 'csv', csv: 'key=url,size=2,time=3', header: true });
    expect(Array.from(trace.batch.size.subarray(0, 2))).toEqual([10, 20]);
    expect(() => parseCsvColumns('key=1,size=2')).not.toThrow();
  });
});

describe('log zone offsets', () => {
  it('-12:00 and +14:00 are the ends; a minute past either is a bad stamp', () => {
    const at = (zone: string) => parseLogTime(`10/Oct/2000:13:55:36 ${zone}`);
    const utc = at('+0000');
    expect(at('+1400')).toBe(utc - 14 * 3600);
    expect(at('-1200')).toBe(utc + 12 * 3600);
    expect(at('+1401')).toBeNaN();
    expect(at('-1201')).toBeNaN();
    expect(at('+0560')).toBeNaN();
  });
});
