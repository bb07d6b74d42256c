import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { TraceFileError, computeNextAccess, loadTrace, writeTrace, type LoadedTrace } from '../../src/index.js';
import { tempFolder } from './fixtures.js';

const file = tempFolder('writers');

function labels(trace: LoadedTrace): string[] {
  return Array.from(trace.batch.key, (id) => trace.keyLabel(id));
}

describe('trace writers', () => {
  it('csv keeps op and session columns whose first request lacks them (they were dropped silently)', async () => {
    const source = file('late.csv', 'time,key,size,op,session\n1,a,10,,\n2,b,20,GET,u1\n3,a,10,PUT,u2\n');
    const original = await loadTrace(source, { header: true });
    const out = file('late-out.csv', '');
    await writeTrace(out, 'csv', original.batch, original);
    const back = await loadTrace(out, { header: true });
    expect(Array.from(back.batch.op, (id) => (id < 0 ? null : back.opLabel(id)))).toEqual([null, 'GET', 'PUT']);
    expect(Array.from(back.batch.session, (id) => (id < 0 ? null : back.sessionLabel(id)))).toEqual([null, 'u1', 'u2']);
  });

  it('csv → oracleGeneral / csv / txt → read back keeps keys, sizes, times and next-access', async () => {
    const source = file('src.csv', 'time,key,size,op,session\n5,10,100,GET,u1\n6,"a,b",200,PUT,u2\n7,10,100,GET,u1\n9,300,1,GET,u3\n');
    const original = await loadTrace(source, { header: true });
    computeNextAccess(original.batch, original.keyCount);

    const bin = file('out.bin', '');
    await writeTrace(bin, 'oracleGeneral', original.batch, original);
    const fromBin = await loadTrace(bin);
    expect(Array.from(fromBin.batch.key)).toEqual(Array.from(original.batch.key));
    expect(Array.from(fromBin.batch.size)).toEqual([100, 200, 100, 1]);
    expect(Array.from(fromBin.batch.time)).toEqual([5, 6, 7, 9]);
    expect(Array.from(fromBin.batch.nextAccess)).toEqual([2, -1, -1, -1]);
    // integer keys keep their value; the string key gets an id past 2^52
    expect(labels(fromBin)).toEqual(['10', String(2 ** 52 + 1), '10', '300']);

    const csv = file('out.csv', '');
    await writeTrace(csv, 'csv', original.batch, original);
    const fromCsv = await loadTrace(csv, { header: true });
    expect(labels(fromCsv)).toEqual(['10', 'a,b', '10', '300']);
    expect(Array.from(fromCsv.batch.op, (id) => fromCsv.opLabel(id))).toEqual(['GET', 'PUT', 'GET', 'GET']);
    expect(Array.from(fromCsv.batch.session, (id) => fromCsv.sessionLabel(id))).toEqual(['u1', 'u2', 'u1', 'u3']);
    expect(Array.from(fromCsv.batch.size)).toEqual([100, 200, 100, 1]);

    const plain = await loadTrace(file('plain.txt', 'x\n10\nx\n'));
    const txt = file('out.txt', '');
    await writeTrace(txt, 'txt', plain.batch, plain);
    expect(labels(await loadTrace(txt))).toEqual(['x', '10', 'x']);
  });

  it('txt cannot hold keys with spaces; oracleGeneral needs next-access positions', async () => {
    const logTrace = await loadTrace(file('a.csv', 'key\nhello world\n'), { header: true });
    await expect(writeTrace(file('bad.txt', ''), 'txt', logTrace.batch, logTrace)).rejects.toThrow('cannot be written as txt');
    await expect(writeTrace(file('bad.bin', ''), 'oracleGeneral', logTrace.batch, logTrace)).rejects.toThrow('run computeNextAccess');
  });

  it('creates a missing output folder; a path it cannot write is a TraceFileError naming it', async () => {
    const source = await loadTrace(file('folder-src.txt', 'a\nb\na\n'));
    const nested = join(file('anchor.txt', ''), '..', 'new', 'deeper', 'out.txt');
    expect(await writeTrace(nested, 'txt', source.batch, source)).toBe(3);
    expect(labels(await loadTrace(nested))).toEqual(['a', 'b', 'a']);
    // A regular file where a folder is needed cannot be created or written through.
    const blocked = join(file('a-file', 'x'), 'out.txt');
    const error = await writeTrace(blocked, 'txt', source.batch, source).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TraceFileError);
    expect((error as TraceFileError).file).toBe(blocked);
    expect((error as TraceFileError).message).toMatch(/out\.txt: cannot create its folder: E[A-Z]+/);
  });
});
