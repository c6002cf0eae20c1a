// The gateway's pure core under fast-check: the health state machine never flaps, comes back only
// through a quiet period and a streak of successes, and always comes back once things are well;
// the attempt order never loses a healthy upstream; usage and status helpers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Health, type HealthConfig, type Outcome, type VigieSignal, advance, initialHealth, onOutcome, onVigie } from '../src/gateway/health.js';
import { attemptOrder, activeUpstream, routeFor, trickleTicker, upstreamModel } from '../src/gateway/route.js';
import { statusAction } from '../src/gateway/errors.js';
import { upstreamHeaders, upstreamUrl } from '../src/gateway/upstream.js';
import { estimateTokens, usageFromJson, usageFromSseBytes, usageFromSseTail } from '../src/gateway/usage.js';
import { findComponent, parseComponents, signalFor } from '../src/gateway/vigie-source.js';
import { publicId } from '../src/core/ids.js';
import { ManualClock } from '../src/core/time.js';
import { type Admission, Clients, sha256Hex } from '../src/gateway/clients.js';
import { HealthBoard, type TrafficMove } from '../src/gateway/board.js';

const CFG: HealthConfig = { recoverAfterMs: 30_000, windowMs: 30_000, minRequests: 5, errorRate: 0.5, slowFirstTokenMs: 10_000, cooldownMs: 30_000, successStreak: 5 };

type Ev = { dt: number } & ({ k: 'vigie'; s: VigieSignal } | { k: 'out'; o: Outcome } | { k: 'tick' });

const outcome = fc.oneof(fc.constant<Outcome>({ ok: false }), fc.integer({ min: 0, max: 20_000 }).map<Outcome>((ms) => ({ ok: true, firstTokenMs: ms })), fc.constant<Outcome>({ ok: true }));
const event = fc.record({ dt: fc.integer({ min: 0, max: 20_000 }) }).chain(({ dt }) =>
  fc.oneof(
    fc.constantFrom<VigieSignal>('bad', 'ok', 'unknown').map((s): Ev => ({ dt, k: 'vigie', s })),
    outcome.map((o): Ev => ({ dt, k: 'out', o })),
    fc.constant<Ev>({ dt, k: 'tick' }),
  ),
);

function run(events: Ev[], start = 1_000_000): { h: Health; trace: { at: number; h: Health; ev: Ev }[] } {
  let h = initialHealth(start);
  let now = start;
  const trace: { at: number; h: Health; ev: Ev }[] = [];
  for (const ev of events) {
    now += ev.dt;
    h = (ev.k === 'vigie' ? onVigie(h, ev.s, now, CFG) : ev.k === 'out' ? onOutcome(h, ev.o, now, CFG) : advance(h, now, CFG)).health;
    trace.push({ at: now, h, ev });
  }
  return { h, trace };
}

describe('gateway health: the state machine', () => {
  it('never flaps: Vigie alternating bad/ok faster than recover_after keeps a down upstream down, whatever the traffic', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: CFG.recoverAfterMs - 1 }), fc.array(outcome, { maxLength: 10 })), { minLength: 1, maxLength: 60 }), (periods) => {
        let h = initialHealth(0);
        let now = 0;
        h = onVigie(h, 'bad', now, CFG).health;
        assert.equal(h.state, 'down');
        periods.forEach(([gap, outs]) => {
          // Vigie says ok, traffic flows, and before recover_after has passed it says bad again.
          h = onVigie(h, 'ok', now, CFG).health;
          for (const o of outs) h = onOutcome(h, o, now + (gap * 0.5), CFG).health;
          now += gap;
          h = onVigie(h, 'bad', now, CFG).health;
          assert.equal(h.state, 'down');
        });
      }),
    );
  });

  it('comes back only through recovering: after recover_after of Vigie quiet and success_streak successes in a row', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 200 }), (events) => {
        const { trace } = run(events);
        let lastBadVigie = -Infinity;
        let prev: Health['state'] = 'up';
        let streak = 0;
        for (const { at, h, ev } of trace) {
          if (ev.k === 'vigie' && ev.s === 'bad') lastBadVigie = at;
          if (prev === 'down') assert.notEqual(h.state, 'up', 'down never jumps straight to up');
          if (h.state === 'recovering' && prev === 'down') {
            assert.ok(at - lastBadVigie >= CFG.recoverAfterMs, 'left down only after recover_after without a bad Vigie reading');
            // The outcome that found the wait over already counts on the recovering upstream.
            streak = ev.k === 'out' && ev.o.ok ? 1 : 0;
          } else if (prev === 'recovering' && ev.k === 'out') streak = ev.o.ok ? streak + 1 : 0;
          if (prev === 'recovering' && h.state === 'up') assert.ok(streak >= CFG.successStreak, 'up only after a streak of successes');
          if (ev.k === 'vigie' && ev.s === 'bad') assert.equal(h.state, 'down', 'a bad Vigie reading always avoids the upstream');
          prev = h.state;
        }
      }),
    );
  });

  it('is never down for caller-side reasons: only successes and an ok Vigie keep it up forever', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ dt: fc.integer({ min: 0, max: 60_000 }), ms: fc.integer({ min: 0, max: CFG.slowFirstTokenMs - 1 }), v: fc.constantFrom<VigieSignal>('ok', 'unknown') }), { maxLength: 200 }), (steps) => {
        let h = initialHealth(0);
        let now = 0;
        for (const s of steps) {
          now += s.dt;
          h = onVigie(h, s.v, now, CFG).health;
          h = onOutcome(h, { ok: true, firstTokenMs: s.ms }, now, CFG).health;
          assert.equal(h.state, 'up');
        }
      }),
    );
  });

  it('always comes back: from any history, Vigie ok for recover_after plus cooldown and a streak of successes bring it up', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 100 }), (events) => {
        let { h } = run(events);
        let now = events.reduce((t, e) => t + e.dt, 1_000_000);
        h = onVigie(h, 'ok', now, CFG).health;
        now += Math.max(CFG.recoverAfterMs, CFG.cooldownMs);
        h = advance(h, now, CFG).health;
        for (let i = 0; i < CFG.successStreak; i++) h = onOutcome(h, { ok: true, firstTokenMs: 10 }, ++now, CFG).health;
        assert.equal(h.state, 'up');
      }),
    );
  });

  it('the passive view trips on the error rate only with min_requests in the window, and on slow first tokens', () => {
    let h = initialHealth(0);
    for (let i = 0; i < CFG.minRequests - 1; i++) h = onOutcome(h, { ok: false }, i, CFG).health;
    assert.equal(h.state, 'up', 'too few requests to judge');
    h = onOutcome(h, { ok: false }, 10, CFG).health;
    assert.equal(h.state, 'down');
    assert.equal(h.reason, 'errors');
    // Old failures leave the window: four failures spread over two windows never trip.
    let g = initialHealth(0);
    for (let i = 0; i < 8; i++) g = onOutcome(g, i % 2 ? { ok: false } : { ok: true, firstTokenMs: 5 }, i * 20_000, CFG).health;
    assert.equal(g.state, 'up');
    let s = initialHealth(0);
    for (let i = 0; i < CFG.minRequests; i++) s = onOutcome(s, { ok: true, firstTokenMs: 12_000 }, i, CFG).health;
    assert.equal(s.state, 'down');
    assert.equal(s.reason, 'slow');
  });
});

describe('gateway routing: the attempt order', () => {
  const ids = ['a', 'b', 'c', 'd'];
  const ups = ids.map((id) => ({ id, modelMap: {} }));
  const states = fc.array(fc.constantFrom('up', 'recovering', 'down') as fc.Arbitrary<'up' | 'recovering' | 'down'>, { minLength: 4, maxLength: 4 });

  it('tries each upstream at most once, healthy ones first in the route’s order, and a trickle never costs the first healthy one', () => {
    fc.assert(
      fc.property(states, fc.boolean(), fc.integer({ min: 1, max: 5 }), (st, trickle, max) => {
        const state = (id: string) => st[ids.indexOf(id)]!;
        const order = attemptOrder(ups, state, trickle, max).map((u) => u.id);
        assert.equal(new Set(order).size, order.length);
        const healthy = ids.filter((id) => state(id) === 'up');
        if (healthy.length > 0) assert.ok(order.includes(healthy[0]!), 'the first healthy upstream is always tried');
        const firstUp = order.findIndex((id) => state(id) === 'up');
        const firstDown = order.findIndex((id) => state(id) === 'down');
        if (firstUp >= 0 && firstDown >= 0) assert.ok(firstUp < firstDown, 'avoided upstreams come after healthy ones');
        if (!trickle) assert.ok(order.length <= max);
        const upsInOrder = order.filter((id) => state(id) === 'up');
        assert.deepEqual(upsInOrder, healthy.slice(0, upsInOrder.length));
        if (healthy.length > 0) assert.equal(activeUpstream(ups, state), healthy[0]);
      }),
    );
  });

  it('a trickle ticker selects the configured share, deterministically', () => {
    const t = trickleTicker(0.05);
    const picks = Array.from({ length: 100 }, () => t()).filter(Boolean).length;
    assert.equal(picks, 5);
  });

  it('routes by model name, then "*"; maps models per upstream', () => {
    const routes = [
      { name: 'chat', models: ['gpt-4o-mini'] },
      { name: 'rest', models: ['*'] },
    ];
    assert.equal(routeFor(routes, 'gpt-4o-mini')?.name, 'chat');
    assert.equal(routeFor(routes, 'other')?.name, 'rest');
    assert.equal(routeFor([routes[0]!], 'other'), undefined);
    assert.equal(upstreamModel({ id: 'm', modelMap: { 'gpt-4o-mini': 'mistral-small-latest' } }, 'gpt-4o-mini'), 'mistral-small-latest');
    assert.equal(upstreamModel({ id: 'm', modelMap: {} }, 'constructor'), 'constructor');
  });
});

describe('gateway helpers', () => {
  it('classifies upstream statuses: 5xx and 408 retried, 429 apart, other 4xx the caller’s', () => {
    assert.equal(statusAction(200), 'relay');
    assert.equal(statusAction(500), 'retry');
    assert.equal(statusAction(503), 'retry');
    assert.equal(statusAction(408), 'retry');
    assert.equal(statusAction(429), 'rate_limited');
    for (const s of [400, 401, 402, 403, 404, 422]) assert.equal(statusAction(s), 'caller');
  });

  it('builds OpenAI-compatible and Azure OpenAI requests', () => {
    const openai = { kind: 'openai' as const, base_url: 'https://api.example.com/v1/', api_key: 'sk-1', api_version: '2024-06-01' };
    assert.equal(upstreamUrl(openai, 'chat/completions', 'gpt-4o-mini'), 'https://api.example.com/v1/chat/completions');
    assert.equal(upstreamHeaders(openai, true, 10).authorization, 'Bearer sk-1');
    assert.equal(upstreamHeaders(openai, true, 10).accept, 'text/event-stream');
    const azure = { ...openai, kind: 'azure' as const, base_url: 'https://acme.openai.azure.com' };
    assert.equal(upstreamUrl(azure, 'embeddings', 'my deployment'), 'https://acme.openai.azure.com/openai/deployments/my%20deployment/embeddings?api-version=2024-06-01');
    const h = upstreamHeaders(azure, false, 10);
    assert.equal(h['api-key'], 'sk-1');
    assert.equal(h.authorization, undefined);
  });

  it('reads usage from a JSON body and from the tail of a stream, else estimates', () => {
    assert.equal(usageFromJson('{"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}'), 7);
    assert.equal(usageFromJson('{"choices":[]}'), undefined);
    assert.equal(usageFromJson('{"usage":'), undefined);
    assert.equal(usageFromSseTail('ta":1}\n\ndata: {"choices":[],"usage":{"total_tokens":12}}\n\ndata: [DONE]\n\n'), 12);
    assert.equal(usageFromSseTail('data: {"choices":[{"delta":{}}]}\n\n'), undefined);
    assert.equal(usageFromSseBytes(Buffer.from('data: {"choices":[],"usage":{"total_tokens":9}}\n\ndata: [DONE]\n\n')), 9);
    assert.equal(usageFromSseBytes(Buffer.from('data: {"choices":[{"delta":{"content":"é"}}]}\n\n')), undefined);
    assert.equal(estimateTokens(400, 9999, 20), 120);
  });

  it('finds a component by Vigie id or Statuspage id, and maps statuses to signals', () => {
    const list = parseComponents(JSON.stringify({ components: [{ id: publicId('component', 'chatgpt/api'), name: 'API', status: 'major_outage' }, { id: 'abc', name: 'G', status: 'operational', group: true }] }));
    assert.ok(Array.isArray(list));
    assert.equal(findComponent(list, 'chatgpt/api')?.status, 'major_outage');
    assert.equal(findComponent(list, publicId('component', 'chatgpt/api'))?.name, 'API');
    assert.equal(findComponent(list, 'abc'), undefined, 'groups are not components');
    assert.equal(typeof parseComponents('{"components":3}'), 'string');
    assert.equal(typeof parseComponents('<html>'), 'string');
    assert.equal(signalFor('operational', 'degraded_performance'), 'ok');
    assert.equal(signalFor('degraded_performance', 'degraded_performance'), 'bad');
    assert.equal(signalFor('degraded_performance', 'partial_outage'), 'ok');
    assert.equal(signalFor('under_maintenance', 'major_outage'), 'bad');
    assert.equal(signalFor(undefined, 'major_outage'), 'unknown');
  });
});

describe('gateway clients: rate limit and budget on the clock', () => {
  const token = 'vg-prop-token';
  const cfg = (extra: object) => [{ name: 'team', token_sha256: sha256Hex(token), ...extra }];
  // In-memory counters answer at once (no database round trip).
  const admit = (c: Clients) => c.admit(`Bearer ${token}`) as Admission;

  it('the token bucket never admits more than its size plus its rate over the time elapsed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 100, max: 60_000 }), fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 300 }), (count, perMs, gaps) => {
        const clock = new ManualClock(1_000_000);
        const c = new Clients(cfg({ rate_limit: { count, perMs } }), clock);
        let admitted = 0;
        let elapsed = 0;
        for (const g of gaps) {
          clock.advance(g);
          elapsed += g;
          const a = admit(c);
          if (a.ok) admitted++;
          else {
            assert.equal(a.status, 429);
            assert.ok((a.retryAfterS ?? 0) >= 1);
          }
          assert.ok(admitted <= count + (elapsed * count) / perMs + 1e-9, `${admitted} admitted in ${elapsed} ms at ${count}/${perMs} ms`);
        }
      }),
    );
  });

  it('the monthly budget stops a client once used and starts over with the UTC month', () => {
    const clock = new ManualClock(Date.UTC(2024, 11, 31, 23, 0));
    const c = new Clients(cfg({ monthly_tokens: 100 }), clock);
    const a = admit(c);
    assert.ok(a.ok);
    c.charge(a.client, 100);
    const refused = admit(c);
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.code, 'insufficient_quota');
    assert.equal(!refused.ok && refused.retryAfterS, 3600, 'until the month turns');
    clock.advance(3600_000);
    assert.ok(admit(c).ok);
    assert.equal(c.usedThisMonth('team'), 0);
  });
});

describe('gateway board: what the moves count', () => {
  const route = { name: 'chat', models: ['*'], upstreams: ['a', 'b', 'c'].map((id) => ({ id, modelMap: {} })) };

  it('with three upstreams, the failback counts the whole failover (every move since the traffic left it), and the failover in progress shows its counts', () => {
    const clock = new ManualClock(1_000_000);
    const board = new HealthBoard(['a', 'b', 'c'], [route], CFG, clock);
    const moves: TrafficMove[] = [];
    board.listen({ move: (m) => moves.push(m) });
    assert.equal(board.ongoing('chat'), null);
    board.clientServed('chat', 7);
    board.vigie('a', 'bad'); // a -> b
    assert.equal(board.activeOf('chat'), 'b');
    board.clientServed('chat', 10);
    board.clientFailed('chat', 1);
    assert.deepEqual(board.ongoing('chat'), { route: 'chat', from: 'a', to: 'b', since: 1_000_000, served: 10, failed: 1 });
    clock.advance(1000);
    board.vigie('b', 'bad'); // b -> c
    assert.equal(board.activeOf('chat'), 'c');
    board.clientServed('chat', 5);
    const during = board.ongoing('chat')!;
    assert.equal(during.from, 'a');
    assert.equal(during.to, 'c');
    assert.equal(during.served, 15);
    assert.equal(during.failed, 1);
    // a comes back: its failback counts everything since a was left, across both moves.
    board.vigie('a', 'ok');
    clock.advance(CFG.recoverAfterMs);
    assert.equal(board.state('a'), 'recovering');
    for (let i = 0; i < CFG.successStreak; i++) board.outcome('a', { ok: true });
    assert.equal(board.activeOf('chat'), 'a');
    const back = moves.at(-1)!;
    assert.equal(back.kind, 'failback');
    assert.equal(back.from, 'c');
    assert.equal(back.to, 'a');
    assert.equal(back.servedRequests, 15);
    assert.equal(back.failedRequests, 1);
    // The failover b -> c counted only since the previous move.
    assert.equal(moves[1]!.kind, 'failover');
    assert.equal(moves[1]!.servedRequests, 10);
    assert.equal(board.ongoing('chat'), null);
  });
});
