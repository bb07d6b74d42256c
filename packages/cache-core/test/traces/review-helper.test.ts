/** Regression tests from the review of the day's changes (helper): each failed before its fix. */
import { describe, expect, it } from 'vitest';
import { TraceFormatError, loadTrace } from '../../src/index.js';
import { failure, tempFolder } from './fixtures.js';

const file = tempFolder('review-helper');

describe('csv quotes left open', () => {
  it('blank lines between the last complete record and the broken one are skipped: the location is the broken record, not a blank line', async () => {
    const error = await failure(loadTrace(file('blank.csv', 'time,key,size\n1,a,1\n\n\n2,"b,1\n3,c,1\n')));
    expect(error).toBeInstanceOf(TraceFormatError);
    expect((error as TraceFormatError).location).toEqual({ line: 5 });
    expect(error.message).toContain('blank.csv:5: malformed CSV: Quote Not Closed');
  });

  it('a file whose first record is the broken one does not speak of a "line 0, the last complete record"', async () => {
    const error = await failure(loadTrace(file('first.csv', '"1,a,1\n2,b,1\n'), { csv: 'time=1,key=2,size=3' }));
    expect((error as TraceFormatError).location).toEqual({ line: 1 });
    expect(error.message).not.toContain('line 0');
    expect(error.message).toContain('the broken record starts on line 1, the first record');
  });
});
