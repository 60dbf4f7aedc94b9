import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { parseProbesConfig, PROBES_DEFAULT } from '../../src/config/probes-config.js';

const ISSUE_EXAMPLE = `
schedule: "*/5 * * * *"
timeout: 15s
concurrency: 16
profiles:
  default: { ciphers: "DEFAULT", min_version: TLSv1.2 }
  legacy:  { ciphers: "DEFAULT:@SECLEVEL=0", min_version: TLSv1 }
targets:
  - name: gmail
    domain: gmail.com
  - name: partner
    address: "mx.partner.example:25"
    servername: mx.partner.example
    verify: true
    ca_file: /etc/ssl/partner-ca.pem
    profile: legacy
    enumerate: true
  - name: v6
    address: "[::1]:2525"
`;

test('absent section: defaults and no targets', () => {
  for (const raw of [undefined, null]) {
    const { config, problems } = parseProbesConfig(raw);
    assert.equal(problems, []);
    assert.equal(config.targets, []);
    assert.is(config.schedule, PROBES_DEFAULT.schedule);
    assert.ok('default' in config.profiles);
  }
});

test('the documented example parses', () => {
  const { config, problems } = parseProbesConfig(parse(ISSUE_EXAMPLE));
  assert.equal(problems, []);
  assert.is(config.timeoutMs, 15_000);
  assert.is(config.concurrency, 16);
  assert.equal(config.profiles.legacy, { ciphers: 'DEFAULT:@SECLEVEL=0', minVersion: 'TLSv1' });
  assert.equal(config.targets[0], { name: 'gmail', kind: 'domain', domain: 'gmail.com', port: 25, mxLimit: 3, verify: false, profile: 'default', enumerate: false });
  assert.equal(config.targets[1], {
    name: 'partner',
    kind: 'address',
    host: 'mx.partner.example',
    port: 25,
    servername: 'mx.partner.example',
    verify: true,
    caFile: '/etc/ssl/partner-ca.pem',
    profile: 'legacy',
    enumerate: true,
  });
  assert.equal([config.targets[2]?.kind, (config.targets[2] as { host: string }).host, config.targets[2]?.port], ['address', '::1', 2525]);
});

test('durations and a six-field schedule', () => {
  const { config, problems } = parseProbesConfig({ schedule: '*/30 * * * * *', timeout: '500ms', phase_timeout: '2m', jitter: '0s' });
  assert.equal(problems, []);
  assert.equal([config.schedule, config.timeoutMs, config.phaseTimeoutMs, config.jitterMs], ['*/30 * * * * *', 500, 120_000, 0]);
});

test('every problem names its key path', () => {
  const { problems } = parseProbesConfig({
    schedule: 'every five minutes',
    timeout: 'soon',
    concurrency: 0,
    colour: 'blue',
    profiles: { weird: { ciphers: 'NOT-A-CIPHER', min_version: 'SSLv3', max_tls: 1 }, upside: { min_version: 'TLSv1.3', max_version: 'TLSv1.2' } },
    targets: [
      { name: 'gmail', domain: 'gmail.com' },
      { name: 'x', address: 'mx.example.net:25', profile: 'x' },
      { name: 'gmail', domain: 'example.org' },
      { name: 'both', domain: 'a.example', address: 'b.example' },
      { name: 'neither' },
      { name: 'badport', address: 'mx.example.net:99999' },
      { name: 'flags', address: 'mx.example.net', verify: 'yes', mx_limit: 2, colour: 1 },
      'just a string',
    ],
  });
  const expected = [
    'probes.colour: unknown key (allowed: schedule, timeout, phase_timeout, concurrency, jitter, ehlo_name, profiles, targets)',
    'probes.schedule: invalid cron expression "every five minutes"',
    'probes.timeout: invalid duration "soon" (e.g. 500ms, 15s, 2m)',
    'probes.concurrency: must be an integer from 1 to 1024',
    'probes.profiles.weird.max_tls: unknown key (allowed: ciphers, min_version, max_version)',
    'probes.profiles.weird.ciphers: "NOT-A-CIPHER" is refused by OpenSSL: no cipher match',
    'probes.profiles.weird.min_version: "SSLv3" is not a protocol version (allowed: TLSv1, TLSv1.1, TLSv1.2, TLSv1.3)',
    'probes.profiles.upside: min_version TLSv1.3 is above max_version TLSv1.2',
    'probes.targets[1].profile: unknown profile "x" (allowed: default, weird, upside)',
    'probes.targets[2].name: duplicate name "gmail"',
    'probes.targets[3]: set exactly one of domain (probe its MX hosts) or address (HOST[:PORT])',
    'probes.targets[4]: set exactly one of domain (probe its MX hosts) or address (HOST[:PORT])',
    'probes.targets[5].address: "mx.example.net:99999": port 99999 out of range 1-65535',
    'probes.targets[6].colour: unknown key (allowed: name, domain, address, port, mx_limit, servername, verify, ca_file, profile, enumerate)',
    'probes.targets[6].verify: must be true or false',
    'probes.targets[6].mx_limit: only applies to domain targets',
    'probes.targets[7]: must be a mapping (allowed keys: name, domain, address, port, mx_limit, servername, verify, ca_file, profile, enumerate)',
  ];
  for (const line of expected) assert.ok(problems.includes(line), `missing: ${line}\n got:\n${problems.join('\n')}`);
  assert.is(problems.length, expected.length, problems.join('\n'));
});

test('the section itself must be a mapping', () => {
  assert.equal(parseProbesConfig(['a']).problems, ['probes: must be a mapping']);
});

test('mx_limit and port on domain targets', () => {
  const { config, problems } = parseProbesConfig({ targets: [{ name: 'd', domain: 'Corpus.Test.', mx_limit: 5, port: 2525 }] });
  assert.equal(problems, []);
  assert.equal(config.targets[0], { name: 'd', kind: 'domain', domain: 'corpus.test', port: 2525, mxLimit: 5, verify: false, profile: 'default', enumerate: false });
  assert.equal(parseProbesConfig({ targets: [{ name: 'd', domain: 'a.test', mx_limit: 0 }] }).problems, ['probes.targets[0].mx_limit: must be an integer from 1 to 20']);
});

test.run();
