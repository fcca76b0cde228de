import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJson } from '../../../src/http/request-parsing.ts';

describe('parseJson', () => {
  it('refuses an unpaired surrogate in a value or a key with malformed_json, and keeps real pairs', () => {
    expect(() => parseJson('{"phone":"\\ud800"}')).toThrow(expect.objectContaining({ code: 'malformed_json' }));
    expect(() => parseJson('{"\\udc00":1}')).toThrow(expect.objectContaining({ code: 'malformed_json' }));
    expect(parseJson('{"name":"Ada \\ud83d\\ude00"}')).toEqual({ name: 'Ada 😀' });
  });

  // Plain text skips the reviver: whatever way the text spells a refused thing must still be seen.
  it('refuses forbidden keys and unpaired surrogates however the text spells them', () => {
    const forbidden = expect.objectContaining({ code: 'forbidden_json_key' });
    expect(() => parseJson('{"__proto__":{"admin":true}}')).toThrow(forbidden);
    expect(() => parseJson('{"\\u005f_proto__":{"admin":true}}')).toThrow(forbidden);
    expect(() => parseJson('{"a":{"\\u0063onstructor":{"prototype":{}}}}')).toThrow(forbidden);
    expect(() => parseJson('{"constructor":{"prototype":{}}}')).toThrow(forbidden);
    expect(() => parseJson('{"name":"\\uD800x"}')).toThrow(expect.objectContaining({ code: 'malformed_json' }));
    expect(() => parseJson(`{"name":"${'\ud800'}"}`)).toThrow(expect.objectContaining({ code: 'malformed_json' }));
    expect(() => parseJson('{"start":')).toThrow(expect.objectContaining({ code: 'malformed_json' }));
    expect(parseJson('{"constructor":"a name, not a prototype","path":"C:\\\\users"}')).toEqual({
      constructor: 'a name, not a prototype',
      path: 'C:\\users',
    });
  });

  it('any other JSON text parses as JSON.parse reads it', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, escapeAll) => {
        let text = JSON.stringify(value);
        // Not the refused cases above (JSON.stringify writes an unpaired surrogate as an escape).
        fc.pre(!/\\ud[89a-f]/i.test(text) && !text.includes('"__proto__"') && !text.includes('"constructor"'));
        // The same value with every non-ASCII character written as a \u escape (the reviver path).
        if (escapeAll) text = text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
        expect(parseJson(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });
});
