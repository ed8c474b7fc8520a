import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CLIENT_ADDRESS_MAX_AGE_SECONDS, clientAddressEnvShape, signClientAddress, verifyClientAddress } from './client-address';

const SECRET = 'a-client-address-secret-of-32-chars-or-more';
const OTHER = 'another-client-address-secret-of-32-chars!!';
const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);

describe("main's client-address header", () => {
  test('an address main signed verifies, IPv4 and IPv6 alike', () => {
    for (const address of ['203.0.113.9', '2001:db8::42', '::ffff:198.51.100.7']) {
      assert.deepEqual(verifyClientAddress(signClientAddress(address, SECRET, NOW), [SECRET], NOW), { ok: true, address });
    }
  });

  test('another secret, an edited address or an edited time fails the proof', () => {
    const signed = signClientAddress('203.0.113.9', SECRET, NOW);
    assert.deepEqual(verifyClientAddress(signed, [OTHER], NOW), { ok: false, reason: 'bad_proof' });
    assert.deepEqual(verifyClientAddress(signed.replace('203.0.113.9', '203.0.113.10'), [SECRET], NOW), { ok: false, reason: 'bad_proof' });
    const issuedAt = /t=(\d+)/.exec(signed)![1]!;
    assert.deepEqual(verifyClientAddress(signed.replace(`t=${issuedAt}`, `t=${Number(issuedAt) - 1}`), [SECRET], NOW), {
      ok: false,
      reason: 'bad_proof',
    });
  });

  test(`a proof older (or newer) than ${CLIENT_ADDRESS_MAX_AGE_SECONDS} s is refused as expired: a captured header is good for a minute at most`, () => {
    const signed = signClientAddress('203.0.113.9', SECRET, NOW);
    const limit = CLIENT_ADDRESS_MAX_AGE_SECONDS * 1000;
    assert.equal(verifyClientAddress(signed, [SECRET], NOW + limit).ok, true);
    assert.deepEqual(verifyClientAddress(signed, [SECRET], NOW + limit + 1000), { ok: false, reason: 'expired' });
    assert.deepEqual(verifyClientAddress(signed, [SECRET], NOW - limit - 1000), { ok: false, reason: 'expired' });
  });

  test('what a client could forge without the secret is malformed or unproven, never an address', () => {
    const signed = signClientAddress('203.0.113.9', SECRET, NOW);
    const forged = [
      '203.0.113.9',
      'a=203.0.113.9',
      `a=203.0.113.9;t=${NOW / 1000};s=`,
      `${signed}, ${signed}`,
      signed.replace('203.0.113.9', 'not-an-ip'),
      signed.replace('203.0.113.9', '999.0.113.9'),
      signed.replace('a=203.0.113.9', 'a=203.0.113.9;a=10.0.0.1'),
      `${signed} `,
      'a'.repeat(16_000),
    ];
    for (const value of forged) assert.equal(verifyClientAddress(value, [SECRET], NOW).ok, false, value.slice(0, 80));
  });

  test('while a secret rotates, admin accepts any of its list: main signs with the first', () => {
    const parsed = clientAddressEnvShape.CLIENT_ADDRESS_SECRET.parse(`${OTHER}, ${SECRET}`);
    assert.deepEqual(parsed, [OTHER, SECRET]);
    assert.equal(verifyClientAddress(signClientAddress('203.0.113.9', SECRET, NOW), parsed!, NOW).ok, true);
    assert.equal(verifyClientAddress(signClientAddress('203.0.113.9', OTHER, NOW), parsed!, NOW).ok, true);
  });

  test('the setting refuses a short secret and treats an empty one as unset', () => {
    assert.equal(clientAddressEnvShape.CLIENT_ADDRESS_SECRET.safeParse('short').success, false);
    assert.equal(clientAddressEnvShape.CLIENT_ADDRESS_SECRET.safeParse(`${SECRET},short`).success, false);
    assert.equal(clientAddressEnvShape.CLIENT_ADDRESS_SECRET.parse(''), undefined);
    assert.equal(clientAddressEnvShape.CLIENT_ADDRESS_SECRET.parse(undefined), undefined);
  });
});
