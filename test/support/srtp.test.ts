import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SrtpContext } from './srtp.ts';

test('SRTP test helper: RFC 3711 B.3 key derivation, round trip, tampering rejected', () => {
  const master = Buffer.from('E1F97A0D3E018BE0D64FA32C06DE4139' + '0EC675AD498AFEEBB6960B3AABE6', 'hex');
  const keys = (new SrtpContext(master) as unknown as { k: { enc: Buffer; auth: Buffer; salt: Buffer } }).k;
  assert.equal(keys.enc.toString('hex'), 'c61e7a93744f39ee10734afe3ff7a087');
  assert.equal(keys.salt.toString('hex'), '30cbbc08863d8c85d49db34a9ae1');
  assert.equal(keys.auth.toString('hex'), 'cebe321f6ff7716b6fd4ab49af256a156d38baa4');
  const rtp = Buffer.concat([Buffer.from('80000001000000001234abcd', 'hex'), Buffer.alloc(160, 7)]);
  const sent = new SrtpContext(master).protect(rtp);
  assert.equal(sent.length, rtp.length + 10, '80-bit tag');
  assert.notDeepEqual(sent.subarray(12, 172), rtp.subarray(12), 'payload encrypted');
  assert.deepEqual(new SrtpContext(master).unprotect(sent), rtp);
  const tampered = Buffer.from(sent);
  tampered[20] = tampered[20]! ^ 1;
  assert.equal(new SrtpContext(master).unprotect(tampered), null);
  assert.equal(SrtpContext.random().unprotect(sent), null, 'another key does not authenticate');
});
