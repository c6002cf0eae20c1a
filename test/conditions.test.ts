// Gatus-style conditions: the parser (a malformed one is a config error at its line and column)
// and the evaluation against what a probe observed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatConfigError, parseConfigText, type LoadResult } from '../src/config/load.js';
import { toEntities } from '../src/config/schema.js';
import { type Facts, evaluate, parseCondition, type Placeholder } from '../src/probes/conditions.js';

function check(text: string, facts: Facts): ReturnType<typeof evaluate> {
  const r = parseCondition(text);
  if (!r.ok) assert.fail(r.error);
  return evaluate(r.condition, facts);
}
const pass = (text: string, facts: Facts) => assert.deepEqual(check(text, facts), { ok: true }, text);
function failWith(text: string, facts: Facts, message: string | RegExp) {
  const v = check(text, facts);
  assert.equal(v.ok, false, `${text} should fail`);
  if (!v.ok) typeof message === 'string' ? assert.equal(v.message, message) : assert.match(v.message, message);
}

const body = JSON.stringify({ status: 'UP', data: [{ id: 3, tags: ['a'] }], items: [1, 2], count: '12', ok: true, nested: { deep: null } });
const facts: Facts = { status: 200, body, responseTimeMs: 123.4, certExpiresInMs: 10 * 86_400_000, connected: true, ip: '127.0.0.1' };

test('the examples from the brief hold against a matching response', () => {
  for (const c of [
    '[STATUS] == 200',
    '[BODY].status == UP',
    '[BODY].status == "UP"',
    '[RESPONSE_TIME] < 800',
    '[CERTIFICATE_EXPIRATION] > 7d',
    '[BODY].data[0].id == 3',
    'len([BODY].items) > 0',
    '[STATUS] == any(200, 204)',
    '[STATUS] != 500',
    '[STATUS] >= 200',
    '[STATUS] <= 299',
    '[BODY].count > 9',
    '[BODY].ok == true',
    'has([BODY].data) == true',
    'has([BODY].errors) == false',
    '[BODY].nested.deep == null',
    '[CONNECTED] == true',
    '[IP] == 127.0.0.1',
    '[RESPONSE_TIME] < 1s',
    '200 == [STATUS]',
  ])
    pass(c, facts);
  pass('[BODY] == pat(*ok*)', { ...facts, body: 'all ok here' });
  pass('[BODY] != pat(*error*)', { ...facts, body: 'all ok here' });
  pass('len([BODY]) == 2', { ...facts, body: '[1,2]' });
  pass('[BODY].data[0].tags[0] == pat(a)', facts);
});

test('a failing condition names itself and the actual value', () => {
  failWith('[STATUS] == 200', { ...facts, status: 503 }, 'condition "[STATUS] == 200" failed: [STATUS] is 503');
  failWith('[BODY].status == UP', { ...facts, body: '{"status":"DOWN"}' }, 'condition "[BODY].status == UP" failed: [BODY].status is "DOWN"');
  failWith('[BODY].status == UP', { ...facts, body: '{}' }, 'condition "[BODY].status == UP" failed: [BODY].status is missing');
  failWith('[BODY].status == UP', { ...facts, body: '<html>' }, /\[BODY\]\.status cannot be read: the body is not JSON/);
  failWith('[RESPONSE_TIME] < 100', facts, 'condition "[RESPONSE_TIME] < 100" failed: [RESPONSE_TIME] is 123 ms');
  failWith('[CERTIFICATE_EXPIRATION] > 30d', facts, 'condition "[CERTIFICATE_EXPIRATION] > 30d" failed: [CERTIFICATE_EXPIRATION] is 10d');
  failWith('len([BODY].items) > 5', facts, 'condition "len([BODY].items) > 5" failed: len([BODY].items) is 2');
  failWith('[BODY] == pat(*ok*)', { ...facts, body: 'nope' }, /failed: \[BODY\] is "nope"/);
  failWith('[BODY].status > 3', facts, /\[BODY\]\.status is "UP" \(not a number\)/);
  failWith('[CERTIFICATE_EXPIRATION] > 7d', { ...facts, certExpiresInMs: undefined }, /\[CERTIFICATE_EXPIRATION\] is missing/);
});

test('malformed conditions are refused with a clear reason', () => {
  const cases: [string, RegExp][] = [
    ['[STATUS] 200', /needs a comparison: one of ==, !=, <, <=, >, >=/],
    ['[STAUTS] == 200', /unknown placeholder \[STAUTS\]; known: \[STATUS\]/],
    ['== 200', /nothing before "=="/],
    ['[STATUS] ==', /nothing after "=="/],
    ['1 == 1', /compares two constants/],
    ['[STATUS].code == 1', /only \[BODY\] takes a path/],
    ['[BODY].a..b == 1', /a "\." must be followed by a key/],
    ['[BODY].a[x] == 1', /"\[" must hold an index/],
    ['size([BODY]) > 1', /unknown function size\(\)/],
    ['pat(*x*) == [BODY]', /pat\(\) belongs on the right/],
    ['[BODY] < pat(*x*)', /pat\(\) works with == or != only/],
    ['len(3) > 1', /len\(\) takes a placeholder/],
  ];
  for (const [text, reason] of cases) {
    const r = parseCondition(text);
    assert.equal(r.ok, false, text);
    if (!r.ok) {
      assert.match(r.error, reason, text);
      assert.ok(r.error.startsWith(`condition "${text}": `), r.error);
    }
  }
  const onlyTcp: Placeholder[] = ['CONNECTED', 'RESPONSE_TIME'];
  const r = parseCondition('[STATUS] == 200', onlyTcp);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error, /\[STATUS\] is not measured by this kind of monitor; it has \[CONNECTED\], \[RESPONSE_TIME\]/);
});

const file = (...monitor: string[]) =>
  ['services:', '  - id: shop', '    name: Shop', '    components:', '      - id: web', '        name: Web', '        monitors:', ...monitor, ''].join('\n');

function errors(r: LoadResult): string[] {
  if (r.ok) assert.fail('expected errors');
  return r.errors.map(formatConfigError);
}

test('a malformed condition in vigie.yaml is a config error at its line and column', () => {
  const r = parseConfigText(
    file(
      '          - name: home', //             8
      '            url: https://shop.example.com/', // 9
      '            conditions:', //             10
      '              - "[STATUS] == 200"', //   11
      '              - "[BODY].status = UP"', // 12
    ),
    'vigie.yaml',
    {},
  );
  assert.deepEqual(errors(r), [
    'vigie.yaml:12:17: services[0].components[0].monitors[0].conditions[1]: condition "[BODY].status = UP": needs a comparison: one of ==, !=, <, <=, >, >= (example: [STATUS] == 200)',
  ]);
});

test('a condition using a placeholder the kind does not fill is refused at load', () => {
  const r = parseConfigText(
    file('          - name: port', '            type: tcp', '            host: 127.0.0.1', '            port: 22', '            conditions: ["[STATUS] == 200"]'),
    'vigie.yaml',
    {},
  );
  assert.match(errors(r)[0]!, /^vigie\.yaml:12:26: .*conditions\[0\]: condition "\[STATUS\] == 200": \[STATUS\] is not measured by this kind of monitor/);
});

test('valid conditions reach the monitor target as written', () => {
  const r = parseConfigText(file('          - name: home', '            url: https://shop.example.com/', '            conditions: ["[STATUS] == 200", "[BODY].status == UP"]'), 'vigie.yaml', {});
  if (!r.ok) assert.fail(r.errors.map(formatConfigError).join('\n'));
  const m = toEntities(r.config).monitors[0]!;
  assert.equal(m.kind, 'http');
  if (m.kind === 'http') assert.deepEqual(m.target.conditions, ['[STATUS] == 200', '[BODY].status == UP']);
});
