// What a process recalls for many keys stays bounded: the entry added first goes when full.
import assert from 'node:assert/strict';
import { BoundedMap } from '../services/bounded-map';

describe('a bounded map', () => {
  it('holds at most its bound, letting the oldest entry go, and keeps all when a kept key is set again', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1).set('b', 2).set('a', 3);
    assert.deepEqual([...m], [['a', 3], ['b', 2]]);
    m.set('c', 4);
    assert.deepEqual([...m], [['b', 2], ['c', 4]]);
  });
});
