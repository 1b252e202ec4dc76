import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeHl7Bytes, encodeHl7Bytes } from './decode.ts';
import type { Hl7Charset } from './decode.ts';
import { parseHl7 } from './hl7-message.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);

function header(charset: string): string {
  return `MSH|^~\\&|PAS|RRK|JU|LDN|2025||ADT^A01|1|P|2.5|||AL|NE|GBR|${charset}\rPID|1||1||`;
}

function decoded(bytes: Uint8Array): { text: string; charset: Hl7Charset } {
  const result = decodeHl7Bytes(bytes);
  if ('error' in result) assert.fail(result.error);
  return result;
}

function nameOf(bytes: Uint8Array): string {
  const { text } = decoded(bytes);
  const result = parseHl7(text);
  if (!result.ok) assert.fail(JSON.stringify(result.error));
  return result.message.segment('PID')!.get(5);
}

test('UNICODE UTF-8: UTF-8, and bytes that are not UTF-8 are an error', () => {
  const bytes = Buffer.from(header('UNICODE UTF-8') + 'Łukasz Żółć 😀', 'utf8');
  assert.equal(nameOf(bytes), 'Łukasz Żółć 😀');
  assert.equal(decoded(bytes).charset, 'utf-8');
  const bad = Buffer.concat([Buffer.from(header('UNICODE UTF-8')), Buffer.from([0xe9])]);
  const result = decodeHl7Bytes(bad);
  assert.ok('error' in result);
  assert.ok(!result.error.includes('PAS'), 'the text names no content');
  assert.equal(decoded(Buffer.from(header('UTF-8') + 'é', 'utf8')).charset, 'utf-8', 'what senders often write');
});

test('8859/1 reads as windows-1252: £, é and the Windows quotes', () => {
  const bytes = Buffer.concat([Buffer.from(header('8859/1')), Buffer.from([0xa3, 0xe9, 0x92, 0x96])]);
  assert.equal(nameOf(bytes), '£é’–');
  assert.equal(decoded(bytes).charset, 'windows-1252');
  assert.equal(decoded(Buffer.from(header('ISO-8859-1') + 'x', 'latin1')).charset, 'windows-1252');
});

test('other ISO 8859 parts', () => {
  const latin2 = Buffer.concat([Buffer.from(header('8859/2')), Buffer.from([0xa3, 0xb1])]);
  assert.equal(nameOf(latin2), 'Łą');
  const greek = Buffer.concat([Buffer.from(header('8859/7')), Buffer.from([0xe1])]);
  assert.equal(nameOf(greek), 'α');
  assert.equal(decoded(Buffer.from(header('8859/15') + 'x')).charset, 'iso-8859-15');
  assert.equal(decoded(Buffer.from(header('8859/9') + 'x')).charset, 'windows-1254');
});

test('MSH-18 empty or ASCII: UTF-8 when valid, else windows-1252', () => {
  assert.equal(nameOf(Buffer.from(header('') + 'José', 'utf8')), 'José');
  assert.equal(decoded(Buffer.from(header('') + 'José', 'utf8')).charset, 'utf-8');
  assert.equal(nameOf(Buffer.from(header('') + 'José', 'latin1')), 'José');
  assert.equal(decoded(Buffer.from(header('') + 'José', 'latin1')).charset, 'windows-1252');
  assert.equal(decoded(Buffer.from(header('ASCII') + 'Jose')).charset, 'ascii');
  assert.equal(nameOf(Buffer.from(header('ASCII') + 'José', 'latin1')), 'José', 'declared ASCII, sent latin1');
  const short = Buffer.from('MSH|^~\\&|A|B|C|D|2025||ADT^A01|1|P|2.5\rPID|1||1||é', 'utf8');
  assert.equal(nameOf(short), 'é', 'no MSH-18 at all');
});

test('MSH-18: first repetition and first component, case and spaces forgiven; a BOM is dropped', () => {
  assert.equal(decoded(Buffer.from(header('unicode  utf-8 ~8859/1') + 'x')).charset, 'utf-8');
  assert.equal(decoded(Buffer.from(header('8859/2^x') + 'x')).charset, 'iso-8859-2');
  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(header('UNICODE UTF-8') + 'é', 'utf8')]);
  assert.ok(decoded(bom).text.startsWith('MSH|'));
  const bomAuto = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(header('') + 'é', 'utf8')]);
  assert.ok(decoded(bomAuto).text.startsWith('MSH|'));
  assert.equal(decoded(Buffer.from('\r\n' + header('8859/2') + 'x')).charset, 'iso-8859-2');
});

test('character sets we do not read are an error, not a guess', () => {
  for (const charset of [
    'UNICODE UTF-16',
    'UNICODE UTF-32',
    'UNICODE',
    'BIG-5',
    'ISO IR87',
    'GB 18030-2000',
    '8859/12',
  ]) {
    const result = decodeHl7Bytes(Buffer.from(header(charset) + 'x'));
    assert.ok('error' in result, charset);
  }
});

test('encodeHl7Bytes writes the ACK in the set the message came in, ? for what the set lacks', () => {
  assert.deepEqual(encodeHl7Bytes('é£€', 'utf-8'), Buffer.from('é£€', 'utf8'));
  assert.deepEqual([...encodeHl7Bytes('é£€Ł', 'windows-1252')], [0xe9, 0xa3, 0x80, 0x3f]);
  assert.deepEqual([...encodeHl7Bytes('Łą', 'iso-8859-2')], [0xa3, 0xb1]);
  assert.deepEqual([...encodeHl7Bytes('aé\r', 'ascii')], [0x61, 0x3f, 0x0d]);
  assert.deepEqual([...encodeHl7Bytes('😀', 'windows-1252')], [0x3f], 'one ? for one character');
});

test('any bytes: decodeHl7Bytes never throws, and text it returns parses or is refused without a throw', () => {
  const prefix = fc.constantFrom('', 'MSH|^~\\&|A|B|C|D|2025||ADT^A01|1|P|2.5|||||', 'MSH|', '\ufeffMSH');
  fc.assert(
    fc.property(prefix, fc.uint8Array({ maxLength: 300 }), (head, tail) => {
      const bytes = Buffer.concat([Buffer.from(head, 'utf8'), tail]);
      const result = decodeHl7Bytes(bytes);
      if ('text' in result) {
        const parsed = parseHl7(result.text);
        assert.ok(parsed.ok || parsed.error.code.length > 0);
      } else {
        assert.ok(result.error.length > 0);
      }
    }),
    { numRuns: RUNS },
  );
});

test('text in a single-byte set survives encode then decode', () => {
  const charsets: Hl7Charset[] = ['windows-1252', 'iso-8859-2', 'iso-8859-5', 'iso-8859-15'];
  fc.assert(
    fc.property(fc.constantFrom(...charsets), fc.uint8Array({ maxLength: 100 }), (charset, raw) => {
      const text = new TextDecoder(charset).decode(raw).replaceAll('\ufffd', '');
      const bytes = encodeHl7Bytes(text, charset);
      assert.equal(new TextDecoder(charset).decode(bytes), text);
    }),
    { numRuns: RUNS },
  );
});
