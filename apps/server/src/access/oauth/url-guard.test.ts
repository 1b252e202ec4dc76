import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createUrlGuard,
  fetchGuardedJson,
  refusedAddressReason,
  UrlRefusedError,
  type ResolvedAddress,
  type Resolver,
  type Transport,
} from './url-guard.ts';

// Reliability matrix row 21: URLs naming loopback, private, link-local or metadata addresses, or DNS names that
// resolve to them, are refused before any connection. The resolver is a stub and the transport a fake that
// records what it was asked to do: no test here sends a packet.

function stubResolver(table: Record<string, string[]>) {
  const asked: string[] = [];
  const resolve: Resolver = (host) => {
    asked.push(host);
    const addresses = table[host];
    if (!addresses) return Promise.reject(new Error('ENOTFOUND'));
    return Promise.resolve(
      addresses.map((address): ResolvedAddress => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };
  return { resolve, asked };
}

function fakeTransport(response = { status: 200, body: '{"keys":[]}' }) {
  const connections: string[] = [];
  const transport: Transport = (target) => {
    connections.push(`${target.url.hostname}@${target.address.address}`);
    return Promise.resolve(response);
  };
  return { transport, connections };
}

const DNS = {
  'idp.example.org': ['203.0.114.7'],
  'rebind.example.org': ['203.0.114.7', '127.0.0.1'],
  'metadata.attacker.example': ['169.254.169.254'],
  'internal.attacker.example': ['10.1.2.3'],
  '127.0.0.1.nip.io': ['127.0.0.1'],
  'v6-loopback.example': ['::1'],
  'v6-mapped.example': ['::ffff:169.254.169.254'],
  'ula.example': ['fd12:3456::1'],
};

async function refused(url: string, options: Parameters<typeof createUrlGuard>[0] = {}) {
  const { resolve } = stubResolver(DNS);
  const { transport, connections } = fakeTransport();
  await assert.rejects(fetchGuardedJson(url, createUrlGuard({ resolve, ...options }), transport), UrlRefusedError, url);
  assert.deepEqual(connections, [], `no connection for ${url}`);
}

test('address literals of loopback, private, link-local, metadata and reserved ranges are refused', async () => {
  for (const url of [
    'https://127.0.0.1/jwks',
    'https://127.1/jwks',
    'https://2130706433/jwks',
    'https://0x7f.0.0.1/jwks',
    'https://0177.0.0.1/jwks',
    'https://0.0.0.0/jwks',
    'https://[::1]/jwks',
    'https://[::]/jwks',
    'https://[::ffff:127.0.0.1]/jwks',
    'https://[::ffff:a9fe:a9fe]/jwks',
    'https://[64:ff9b::a9fe:a9fe]/jwks',
    'https://169.254.169.254/latest/meta-data/',
    'https://[fd00:ec2::254]/latest/meta-data/',
    'https://100.100.100.200/latest/meta-data/',
    'https://168.63.129.16/metadata',
    'https://[fe80::1]/jwks',
    'https://10.0.0.1/jwks',
    'https://172.16.5.4/jwks',
    'https://192.168.1.1/jwks',
    'https://100.64.0.1/jwks',
    'https://[fc00::1]/jwks',
    'https://224.0.0.1/jwks',
    'https://255.255.255.255/jwks',
  ]) {
    await refused(url);
  }
});

test('names that mean this machine or a metadata service are refused without asking DNS', async () => {
  for (const host of ['localhost', 'api.localhost', 'metadata.google.internal', 'metadata', 'printer.local']) {
    const { resolve, asked } = stubResolver(DNS);
    await assert.rejects(createUrlGuard({ resolve }).check(`https://${host}/jwks`), UrlRefusedError);
    assert.deepEqual(asked, []);
  }
});

test('DNS names resolving to a refused address are refused (any of their addresses)', async () => {
  for (const host of [
    'metadata.attacker.example',
    'internal.attacker.example',
    '127.0.0.1.nip.io',
    'rebind.example.org',
    'v6-loopback.example',
    'v6-mapped.example',
    'ula.example',
    'does-not-resolve.example',
  ]) {
    await refused(`https://${host}/jwks`);
  }
});

test('http, credentials in the URL and other schemes are refused', async () => {
  for (const url of [
    'http://idp.example.org/jwks',
    'https://idp.example.org@127.0.0.1/jwks',
    'https://user:pass@idp.example.org/jwks',
    'file:///etc/passwd',
    'gopher://idp.example.org/',
    'not a url',
  ]) {
    await refused(url);
  }
});

test('an allowed URL connects to the address that was checked, and only to it', async () => {
  const { resolve } = stubResolver(DNS);
  const { transport, connections } = fakeTransport({ status: 200, body: '{"keys":[{"kty":"EC"}]}' });
  const body = await fetchGuardedJson('https://idp.example.org/jwks', createUrlGuard({ resolve }), transport);
  assert.deepEqual(body, { keys: [{ kty: 'EC' }] });
  assert.deepEqual(connections, ['idp.example.org@203.0.114.7']);
});

test('redirects are not followed and errors are not bodies', async () => {
  const { resolve } = stubResolver(DNS);
  for (const status of [301, 302, 307, 404, 500]) {
    const { transport } = fakeTransport({ status, body: '{}' });
    await assert.rejects(fetchGuardedJson('https://idp.example.org/jwks', createUrlGuard({ resolve }), transport));
  }
});

test('opt-ins: plain http, and private ranges (never loopback, link-local or metadata)', async () => {
  const { resolve } = stubResolver(DNS);
  const guard = createUrlGuard({ resolve, allowHttp: true, allowPrivateNetwork: true });
  assert.equal((await guard.check('http://idp.example.org/jwks')).address.address, '203.0.114.7');
  assert.equal((await guard.check('https://internal.attacker.example/jwks')).address.address, '10.1.2.3');
  assert.equal((await guard.check('https://ula.example/jwks')).address.address, 'fd12:3456::1');
  for (const url of [
    'https://127.0.0.1/',
    'https://169.254.169.254/',
    'https://[fd00:ec2::254]/',
    'https://100.100.100.200/',
  ]) {
    await assert.rejects(guard.check(url), UrlRefusedError, url);
  }
});

test('refusedAddressReason: public addresses pass', () => {
  for (const address of ['203.0.114.7', '8.8.8.8', '2a00:1450:4009:81f::200e', '51.140.1.1']) {
    assert.equal(refusedAddressReason(address), undefined, address);
  }
  assert.ok(refusedAddressReason('::ffff:10.0.0.1'));
  assert.ok(refusedAddressReason('not-an-address'));
});
