/** TRUST_PROXY: which peers may name the client's address (rate limits per address depend on it). */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';

const trustProxy = (value?: string) => loadConfig(value === undefined ? {} : { TRUST_PROXY: value }, { stdoutIsTty: false }).trustProxy;

describe('TRUST_PROXY', () => {
  it('trusts no proxy by default, so a forged X-Forwarded-For is ignored', () => {
    expect(trustProxy()).toBe(false);
    expect(trustProxy('false')).toBe(false);
  });

  it('takes true, a hop count, or a list of addresses and CIDRs', () => {
    expect(trustProxy('true')).toBe(true);
    expect(trustProxy('1')).toBe(1);
    expect(trustProxy('10.0.0.0/8, 127.0.0.1,::1')).toEqual(['10.0.0.0/8', '127.0.0.1', '::1']);
  });

  it('refuses anything else with a message naming the variable', () => {
    expect(() => trustProxy('yes please')).toThrow(/TRUST_PROXY: must be true, false, a hop count/);
  });
});
