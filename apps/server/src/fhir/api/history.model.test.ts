import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { aPatient, createTestApp, type TestApp } from '../../test-support/test-app.ts';

// Reliability matrix row 4: random create/update/patch/delete sequences against a reference model. History
// must equal the model, every version must read back byte for byte, and no version may ever change.
let app: TestApp;
before(async () => {
  app = await createTestApp();
});
after(() => app.close());

type Command =
  | { kind: 'put'; target: number; birthYear: number }
  | { kind: 'patch'; target: number; gender: 'male' | 'female' | 'other' }
  | { kind: 'delete'; target: number }
  | { kind: 'conditional-put'; target: number; birthYear: number };

interface ModelVersion {
  deleted: boolean;
  sha256?: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), target: fc.nat(3), birthYear: fc.integer({ min: 1900, max: 2025 }) }),
  fc.record({
    kind: fc.constant('patch' as const),
    target: fc.nat(3),
    gender: fc.constantFrom('male', 'female', 'other'),
  }),
  fc.record({ kind: fc.constant('delete' as const), target: fc.nat(3) }),
  fc.record({
    kind: fc.constant('conditional-put' as const),
    target: fc.nat(3),
    birthYear: fc.integer({ min: 1900, max: 2025 }),
  }),
);

// 300 sequences at the PR tier (about a minute on the embedded database on a slow day); a scheduled run sets
// JOINEDUP_MODEL_RUNS=1000 or more.
const RUNS = Number(process.env.JOINEDUP_MODEL_RUNS ?? 300);

test(`history equals the model over ${RUNS} random command sequences`, async () => {
  const written = new Map<string, string>();
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 50 }), async (commands) => {
      const run = randomUUID().slice(0, 8);
      const ids = [0, 1, 2, 3].map((i) => `m-${run}-${i}`);
      const model = new Map<string, ModelVersion[]>(ids.map((id) => [id, []]));
      for (const c of commands) {
        const id = ids[c.target]!;
        const versions = model.get(id)!;
        const live = versions.length > 0 && !versions[versions.length - 1]!.deleted;
        if (c.kind === 'put' || c.kind === 'conditional-put') {
          const body = {
            ...aPatient({ identifier: [{ system: 'urn:model', value: id }] }),
            id,
            birthDate: `${c.birthYear}-01-01`,
          };
          const res =
            c.kind === 'put'
              ? await app.request('PUT', `/fhir/Patient/${id}`, body)
              : await app.request('PUT', `/fhir/Patient?identifier=urn:model|${id}`, body);
          // A conditional update finds nothing when the resource is deleted: it then creates with the body's id.
          assert.ok([200, 201].includes(res.status), res.text);
          assert.equal(res.status, live ? 200 : 201);
          versions.push({ deleted: false, sha256: sha256(res.text) });
          written.set(`${id}/${versions.length}`, res.text);
        } else if (c.kind === 'patch') {
          const res = await app.request(
            'PATCH',
            `/fhir/Patient/${id}`,
            JSON.stringify([{ op: 'replace', path: '/gender', value: c.gender }]),
            { 'content-type': 'application/json-patch+json' },
          );
          if (!live) {
            assert.ok([404, 409].includes(res.status), res.text);
            continue;
          }
          assert.equal(res.status, 200, res.text);
          versions.push({ deleted: false, sha256: sha256(res.text) });
          written.set(`${id}/${versions.length}`, res.text);
        } else {
          const res = await app.request('DELETE', `/fhir/Patient/${id}`);
          assert.equal(res.status, 200);
          if (live) versions.push({ deleted: true });
        }
      }
      for (const id of ids) {
        const versions = model.get(id)!;
        const history = await app.request('GET', `/fhir/Patient/${id}/_history?_count=100`);
        if (versions.length === 0) {
          assert.equal(history.status, 404);
          continue;
        }
        const got = history.json.entry.map((e: any) => ({
          deleted: e.request.method === 'DELETE',
          version: e.response.etag,
        }));
        const expected = versions.map((v, i) => ({ deleted: v.deleted, version: `W/"${i + 1}"` })).reverse();
        assert.deepEqual(got, expected);
        for (const [i, v] of versions.entries()) {
          const res = await app.request('GET', `/fhir/Patient/${id}/_history/${i + 1}`);
          if (v.deleted) assert.equal(res.status, 410);
          else assert.equal(sha256(res.text), v.sha256);
        }
      }
    }),
    { numRuns: RUNS },
  );
  // No version written earlier in the run has changed since.
  for (const [key, text] of written) {
    const [id, version] = key.split('/');
    const res = await app.request('GET', `/fhir/Patient/${id}/_history/${version}`);
    assert.equal(res.text, text, key);
  }
});
