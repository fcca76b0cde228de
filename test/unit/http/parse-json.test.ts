import { describe, expect, it } from 'vitest';
import { parseJson } from '../../../src/http/request-parsing.ts';

describe('parseJson', () => {
  it('refuses an unpaired surrogate in a value or a key with malformed_json, and keeps real pairs', () => {
    expect(() => parseJson('{"phone":"\\ud800"}')).toThrow(expect.objectContaining({ code: 'malformed_json' }));
    expect(() => parseJson('{"\\udc00":1}')).toThrow(expect.objectContaining({ code: 'malformed_json' }));
    expect(parseJson('{"name":"Ada \\ud83d\\ude00"}')).toEqual({ name: 'Ada 😀' });
  });
});
