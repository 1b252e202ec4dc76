// Every message of the public Simulated Hospital set (../shared/data/hl7v2-simhospital, Apache-2.0): parsed,
// round-tripped, and compared value by value with @medplum/core's parser, an independent implementation.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Hl7Message as MedplumMessage } from '@medplum/core';
import { publicDataSet } from '../../platform/public-data.ts';
import { buildAck } from './ack.ts';
import { decodeHl7Bytes } from './decode.ts';
import { parseHl7, serialiseHl7 } from './hl7-message.ts';
import type { Hl7Message } from './hl7-message.ts';

const dir = publicDataSet('hl7v2-simhospital');
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.hl7'))
  .sort();

function load(file: string): { text: string; message: Hl7Message } {
  const decoded = decodeHl7Bytes(fs.readFileSync(path.join(dir, file)));
  if ('error' in decoded) assert.fail(`${file}: ${decoded.error}`);
  const result = parseHl7(decoded.text);
  if (!result.ok) assert.fail(`${file}: ${JSON.stringify(result.error)}`);
  return { text: decoded.text, message: result.message };
}

test('all 1,013 messages decode and parse', () => {
  assert.equal(files.length, 1013);
  const types = new Map<string, number>();
  const controlIds = new Set<string>();
  for (const file of files) {
    const { message } = load(file);
    assert.equal(`${message.messageType}_${message.triggerEvent}`, file.slice(5, -4), file);
    assert.match(message.controlId, /^[0-9]+$/, file);
    controlIds.add(message.controlId);
    assert.equal(message.version, '2.3');
    const key = `${message.messageType}^${message.triggerEvent}`;
    types.set(key, (types.get(key) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries(types), { 'ORU^R01': 610, 'ADT^A01': 400, 'MDM^T02': 2, 'ADT^A34': 1 });
  assert.equal(controlIds.size, 1013, 'MSH-10 is unique across the set');
});

test('parse -> serialise -> parse is identical for every message', () => {
  for (const file of files) {
    const { text, message } = load(file);
    const serialised = serialiseHl7(message);
    assert.equal(serialised, text, `${file}: these files already end each segment with CR`);
    const again = parseHl7(serialised);
    if (!again.ok) assert.fail(file);
    assert.equal(again.message.segments.length, message.segments.length);
    message.segments.forEach((segment, i) => {
      const other = again.message.segments[i]!;
      assert.equal(other.name, segment.name);
      assert.equal(other.fieldCount, segment.fieldCount);
      for (let f = 1; f <= segment.fieldCount; f++) assert.equal(other.raw(f), segment.raw(f));
    });
  }
});

test('every field of every segment equals what @medplum/core reads', () => {
  let values = 0;
  for (const file of files) {
    const { text, message } = load(file);
    const theirs = MedplumMessage.parse(text);
    // Medplum keeps the empty text after the last CR as a segment without a name.
    const theirSegments = theirs.segments.filter((s) => s.name !== '');
    assert.equal(message.segments.length, theirSegments.length, file);
    message.segments.forEach((ours, i) => {
      const segment = theirSegments[i]!;
      assert.equal(ours.name, segment.name);
      // Medplum's fields[] starts with the name; for MSH its getField(n) is fields[n - 1] beyond MSH-2.
      const theirFieldCount = segment.name === 'MSH' ? segment.fields.length : segment.fields.length - 1;
      assert.equal(ours.fieldCount, theirFieldCount, `${file} ${ours.name}`);
      for (let f = 1; f <= ours.fieldCount; f++) {
        const field = segment.getField(f);
        const where = `${file} ${ours.name}-${f}`;
        assert.equal(ours.raw(f), field.toString(), where);
        const reps = ours.repetitions(f);
        // Medplum gives an empty field one empty repetition; ours has none.
        assert.equal(reps.length, field.toString() === '' ? 0 : field.components.length, where);
        reps.forEach((rep, r) => {
          const components = field.components[r]!;
          assert.equal(rep.componentCount, components.length, where);
          components.forEach((component, c) => {
            const subcomponents = ours.name === 'MSH' && f <= 2 ? [component] : component.split('&');
            assert.equal(rep.subcomponentCount(c + 1), component === '' ? 0 : subcomponents.length, where);
            subcomponents.forEach((sub, s) => {
              // Medplum returns the HL7 null "" as it is; ours reads it as '' and flags it.
              const expected = sub === '""' ? '' : sub;
              assert.equal(rep.get(c + 1, s + 1), expected, `${where}.${c + 1}.${s + 1}`);
              assert.equal(rep.isNull(c + 1, s + 1), sub === '""');
              if (r === 0) assert.equal(ours.get(f, c + 1, s + 1), expected);
              values++;
            });
          });
        });
      }
    });
    assert.equal(message.messageType, theirs.header.getComponent(9, 1));
    assert.equal(message.triggerEvent, theirs.header.getComponent(9, 2));
    assert.equal(message.controlId, theirs.header.getField(10).toString());
    assert.equal(message.sendingApplication, theirs.header.getComponent(3, 1));
    assert.equal(message.sendingFacility, theirs.header.getComponent(4, 1));
  }
  assert.ok(values > 100_000, `${values} values compared`);
});

test('the ACK of every message parses and echoes its MSH-10', () => {
  for (const file of files) {
    const { message } = load(file);
    const ack = parseHl7(buildAck({ message }, 'AA', { controlId: `ACK${message.controlId}`, now: '20250101120000' }));
    if (!ack.ok) assert.fail(`${file}: ${JSON.stringify(ack.error)}`);
    assert.equal(ack.message.segment('MSA')!.get(2), message.controlId);
    assert.equal(ack.message.segment('MSA')!.get(1), 'AA');
    // v2.3 has no MSH-9.3 (message structure): it came with v2.3.1.
    assert.equal(ack.message.segments[0]!.raw(9), `ACK^${message.triggerEvent}`);
  }
});
