import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveMxHosts } from '../../src/probes/mx.js';
import { createHostLookup, createMxResolver, type MxRecord } from '../../src/probes/resolver.js';

const fixed = (records: MxRecord[]) => async () => records;
const failing = (code: string) => async () => {
  throw Object.assign(new Error(`queryMx ${code}`), { code });
};

test('MX hosts by preference, then name, bounded by the limit', async () => {
  const r = await resolveMxHosts(
    'corpus.test',
    fixed([
      { exchange: 'mx3.corpus.test', priority: 20 },
      { exchange: 'MX2.corpus.test.', priority: 10 },
      { exchange: 'mx1.corpus.test', priority: 10 },
      { exchange: 'mx4.corpus.test', priority: 30 },
    ]),
    3,
  );
  assert.equal(r, { ok: true, hosts: ['mx1.corpus.test', 'mx2.corpus.test', 'mx3.corpus.test'] });
});

test('duplicate exchanges are probed once', async () => {
  const r = await resolveMxHosts('corpus.test', fixed([{ exchange: 'mx.corpus.test', priority: 10 }, { exchange: 'mx.corpus.test', priority: 20 }]));
  assert.equal(r, { ok: true, hosts: ['mx.corpus.test'] });
});

test('no MX record: the domain itself (implicit MX)', async () => {
  assert.equal(await resolveMxHosts('corpus.test', failing('ENODATA')), { ok: true, hosts: ['corpus.test'] });
  assert.equal(await resolveMxHosts('corpus.test', fixed([])), { ok: true, hosts: ['corpus.test'] });
});

test('null MX and NXDOMAIN are failures', async () => {
  const nullMx = await resolveMxHosts('corpus.test', fixed([{ exchange: '', priority: 0 }]));
  assert.is(nullMx.ok, false);
  const nx = await resolveMxHosts('corpus.test', failing('ENOTFOUND'));
  assert.equal(nx.ok ? null : nx.code, 'ENOTFOUND');
});

test('.invalid names never reach the system resolver', async () => {
  let calls = 0;
  const lookup = createHostLookup(async () => {
    calls += 1;
    return [{ address: '127.0.0.1' }];
  });
  const resolveMx = createMxResolver(async () => {
    calls += 1;
    return [];
  });
  assert.equal(await lookup('localhost'), ['127.0.0.1']);
  assert.is(calls, 1);
  for (const name of ['mx.example.invalid', 'INVALID', 'x.invalid.']) {
    try {
      await lookup(name);
      assert.unreachable('resolved');
    } catch (err) {
      assert.is((err as { code?: string }).code, 'ENOTFOUND');
    }
    const mx = await resolveMxHosts(name, resolveMx);
    assert.is(mx.ok, false);
  }
  assert.is(calls, 1);
});

test.run();
