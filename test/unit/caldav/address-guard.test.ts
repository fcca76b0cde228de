import { describe, expect, it } from 'vitest';
import { assertPublicAddress, classifyAddress } from '../../../src/caldav/address-guard.ts';
import { CalDavError } from '../../../src/caldav/errors.ts';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.10', 'private'],
    ['169.254.169.254', 'cloud_metadata'],
    ['169.254.10.1', 'link_local'],
    ['100.64.0.1', 'carrier_grade_nat'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['fd00::1', 'unique_local'],
    ['fc12:3456::1', 'unique_local'],
    ['fd00:ec2::254', 'cloud_metadata'],
    ['fe80::1%eth0', 'link_local'],
    ['ff02::1', 'multicast'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::FFFF:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'cloud_metadata'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:c0a8:0101::1', 'private'],
    ['not-an-ip', 'invalid'],
  ])('%s is blocked (%s)', (address, reason) => {
    expect(classifyAddress(address)).toBe(reason);
  });

  it.each([
    '17.253.144.10',
    '8.8.8.8',
    '172.32.0.1',
    '172.15.255.255',
    '100.128.0.1',
    '2620:149:a44::1',
    '::ffff:17.253.144.10',
    '2001:4860:4860::8888',
  ])('%s is public', (address) => {
    expect(classifyAddress(address)).toBeNull();
  });
});

describe('assertPublicAddress', () => {
  it('refuses a name that resolves to loopback, such as localhost', async () => {
    const error = await assertPublicAddress({ url: new URL('http://localhost:5232/') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CalDavError);
    expect((error as CalDavError).kind).toBe('blocked_address');
  });

  it('refuses when any one of several addresses is private', async () => {
    const lookup = async () => ['17.253.144.10', '10.0.0.7'];
    const error = await assertPublicAddress({ url: new URL('https://caldav.example.com/'), lookup }).catch((e: unknown) => e);
    expect((error as CalDavError).kind).toBe('blocked_address');
    expect((error as CalDavError).message).toContain('10.0.0.7');
  });

  it('accepts a name whose addresses are all public', async () => {
    const lookup = async () => ['17.253.144.10', '2620:149:a44::1'];
    await expect(assertPublicAddress({ url: new URL('https://caldav.icloud.com/'), lookup })).resolves.toBeUndefined();
  });

  it('checks IPv6 literals in brackets without a lookup', async () => {
    const lookup = async (): Promise<string[]> => {
      throw new Error('must not be called');
    };
    const error = await assertPublicAddress({ url: new URL('http://[::ffff:127.0.0.1]:8080/'), lookup }).catch((e: unknown) => e);
    expect((error as CalDavError).kind).toBe('blocked_address');
  });

  it('reports a name that does not resolve as a network error', async () => {
    const lookup = async (): Promise<string[]> => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    const error = await assertPublicAddress({ url: new URL('https://nowhere.invalid/'), lookup }).catch((e: unknown) => e);
    expect((error as CalDavError).kind).toBe('network');
  });
});
