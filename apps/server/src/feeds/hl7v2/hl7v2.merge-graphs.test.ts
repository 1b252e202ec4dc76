import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isOperationOutcomeError } from '@joinedup/fhir';
import { createTestApp, type TestApp } from '../../test-support/test-app.ts';
import { parseHl7 } from './hl7-message.ts';
import { msh as fixtureMsh, segment } from './mappers/hl7-fixtures.test-support.ts';

// Reliability matrix row 5 (its merge part): random graphs of A40 merges and unmerges among one hospital's
// records, each holding results. After every step the store matches a model: after a merge no clinical
// resource is left on (or names) the record it retired; an unmerge puts back exactly what that merge moved;
// a merge into a retired record, or of a record retired elsewhere, is parked (AE) and changes nothing; an
// unmerge whose survivor was merged away since is refused (409) until that later merge is undone.
// MERGE_GRAPH_RUNS scales the number of graphs (the matrix's 1,000 at the scheduled tier).

const SENDER = 'RGRF';
const SECRET = 'merge-graph-secret';
const RUNS = Number(process.env.MERGE_GRAPH_RUNS ?? 100);
const RECORDS = 3;
let app: TestApp;

before(async () => {
  app = await createTestApp({
    env: { JOINEDUP_HL7_SOURCES: JSON.stringify([{ facility: SENDER, secret: SECRET, timeZone: 'UTC' }]) },
  });
});
after(() => app.close());

let minute = 0;
/** A strictly later HL7 time for each message, so that no update is skipped as older. */
function nextTime(): string {
  minute++;
  const d = new Date(Date.UTC(2024, 0, 1) + minute * 60_000);
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** The sender's MSH (the fixtures' MSH with this file's facility, time and control id). */
const msh = (type: string, controlId: string, at: string) => fixtureMsh(type, { 4: SENDER, 7: at, 10: controlId });
const pid = (mrn: string) =>
  segment('PID', { 1: '1', 3: `${mrn}^^^${SENDER}^MR`, 5: `Graph^${mrn}`, 7: '19700101', 8: 'F' });

async function send(text: string): Promise<string> {
  const ack = await app.hl7.receive(Buffer.from(text, 'utf8'), {
    channel: 'http',
    address: '127.0.0.1',
    secret: SECRET,
  });
  const parsed = parseHl7(ack);
  assert.ok(parsed.ok, ack);
  return parsed.message.segment('MSA')!.get(1);
}

async function register(mrn: string, control: string) {
  const at = nextTime();
  return send([msh('ADT^A28^ADT_A05', control, at), segment('EVN', { 1: 'A28', 2: at }), pid(mrn)].join('\r'));
}

async function result(mrn: string, filler: string, control: string) {
  const at = nextTime();
  return send(
    [
      msh('ORU^R01^ORU_R01', control, at),
      pid(mrn),
      segment('OBR', { 1: '1', 2: `PL${filler}`, 3: filler, 4: '2345-7^Glucose^LN', 7: at, 22: at, 25: 'F' }),
      segment('OBX', { 1: '1', 2: 'NM', 3: '2345-7^Glucose^LN', 5: '5.1', 6: 'mmol/L', 11: 'F', 14: at }),
    ].join('\r'),
  );
}

async function merge(survivor: string, prior: string, control: string) {
  const at = nextTime();
  return send(
    [
      msh('ADT^A40^ADT_A39', control, at),
      segment('EVN', { 1: 'A40', 2: at }),
      pid(survivor),
      segment('MRG', { 1: `${prior}^^^${SENDER}^MR` }),
    ].join('\r'),
  );
}

type Step = { kind: 'merge'; survivor: number; prior: number } | { kind: 'unmerge'; pick: number };

const steps = fc.array(
  fc.oneof(
    fc
      .record({ survivor: fc.nat(RECORDS - 1), prior: fc.nat(RECORDS - 1) })
      .filter((s) => s.survivor !== s.prior)
      .map((s): Step => ({ kind: 'merge', ...s })),
    fc.nat(9).map((pick): Step => ({ kind: 'unmerge', pick })),
  ),
  { minLength: 1, maxLength: 8 },
);

interface Model {
  /** Which record each result is filed under. */
  owner: Map<string, string>;
  /** A retired record: the one it was merged into. */
  retiredInto: Map<string, string>;
  /** Merges applied and not undone: control id, prior, survivor, what moved. */
  merges: { control: string; prior: string; survivor: string; moved: string[] }[];
}

async function filed(ids: readonly string[]): Promise<Map<string, string>> {
  const rows = await app.db.query<{ patient_key: string; id: string; content: string }>(
    `SELECT patient_key, id, content FROM patient_resource
      WHERE patient_key = ANY($1) AND resource_type = 'DiagnosticReport' AND NOT deleted`,
    [ids],
  );
  const out = new Map<string, string>();
  for (const r of rows) {
    assert.ok(r.content.includes(`"Patient/${r.patient_key}"`), `${r.id} names the record it is filed under`);
    out.set(r.id, r.patient_key);
  }
  return out;
}

let graph = 0;

test(`${RUNS} random graphs of merges and unmerges: every step matches the model`, async () => {
  await fc.assert(
    fc.asyncProperty(steps, async (plan) => {
      const g = graph++;
      const mrn = (k: number) => `G${g}N${k}`;
      const id = (k: number) => `${SENDER}-${mrn(k)}`;
      const ids = Array.from({ length: RECORDS }, (_, k) => id(k));
      const model: Model = { owner: new Map(), retiredInto: new Map(), merges: [] };
      for (let k = 0; k < RECORDS; k++) {
        assert.equal(await register(mrn(k), `${g}-reg-${k}`), 'AA');
        for (const r of [0, 1]) {
          assert.equal(await result(mrn(k), `F${g}N${k}R${r}`, `${g}-oru-${k}-${r}`), 'AA');
          model.owner.set(`${SENDER}-F${g}N${k}R${r}`, id(k));
        }
      }
      let n = 0;
      for (const step of plan) {
        const control = `${g}-step-${n++}`;
        if (step.kind === 'merge') {
          const survivor = id(step.survivor);
          const prior = id(step.prior);
          const code = await merge(mrn(step.survivor), mrn(step.prior), control);
          const priorInto = model.retiredInto.get(prior);
          if (model.retiredInto.has(survivor) || (priorInto !== undefined && priorInto !== survivor)) {
            assert.equal(code, 'AE', `a merge into or of a retired record is parked (${control})`);
          } else if (priorInto === survivor) {
            assert.equal(code, 'AA', 'merged already: accepted, nothing changes');
          } else {
            assert.equal(code, 'AA', control);
            const moved = [...model.owner].filter(([, owner]) => owner === prior).map(([r]) => r);
            for (const r of moved) model.owner.set(r, survivor);
            model.retiredInto.set(prior, survivor);
            model.merges.push({ control, prior, survivor, moved });
          }
        } else if (model.merges.length > 0) {
          const m = model.merges[step.pick % model.merges.length]!;
          const blocked = model.merges.some((later) => later.prior === m.survivor);
          try {
            await app.hl7.unmerge(SENDER, m.control);
            assert.ok(!blocked, 'an unmerge whose survivor was merged away since is refused');
            for (const r of m.moved) model.owner.set(r, m.prior);
            model.retiredInto.delete(m.prior);
            model.merges.splice(model.merges.indexOf(m), 1);
          } catch (e) {
            if (!isOperationOutcomeError(e)) throw e;
            assert.ok(blocked, `refused only when a later merge must go first: ${e.message}`);
            assert.equal(e.status, 409);
          }
        }
        // The store matches the model: every result where the model files it, none on a retired record.
        const actual = await filed(ids);
        assert.deepEqual(new Map([...actual].sort()), new Map([...model.owner].sort()), `after step ${n}`);
        for (const owner of actual.values()) assert.ok(!model.retiredInto.has(owner), 'nothing on a retired record');
      }
    }),
    { numRuns: RUNS },
  );
});
