import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { newSession, type Session } from '../../../src/logs/parsers/postfix-session.js';
import { SessionStore } from '../../../src/logs/parsers/postfix-store.js';
import { rng } from '../../helpers/rng.js';

test('oldest() is always the least recently used session (random adds, uses, removals and evictions)', () => {
  const rnd = rng(11);
  const store = new SessionStore();
  // the reference: sessions in order of use, oldest first
  let order: Session[] = [];
  const use = (s: Session): void => {
    order = order.filter((x) => x !== s);
    order.push(s);
  };
  let evictions = 0;
  for (let step = 0; step < 20_000; step++) {
    const r = rnd();
    const pid = String(Math.floor(rnd() * 300));
    const host = rnd() < 0.05 ? 'other' : 'mx';
    const found = store.find(host, 'postfix/smtpd', pid);
    if (r < 0.45) {
      if (found) {
        store.touch(found);
        use(found);
      } else {
        const s = newSession(host, 'postfix/smtpd', pid, true, '', step);
        store.add(s);
        use(s);
      }
    } else if (r < 0.6) {
      if (found) {
        store.remove(found);
        order = order.filter((x) => x !== found);
      }
    } else if (r < 0.75 && order.length > 0) {
      const oldest = store.oldest();
      assert.ok(oldest === order[0], `step ${step}: oldest is not the least recently used`);
      store.remove(oldest!);
      order.shift();
      evictions++;
    }
    assert.is(store.size, order.length);
  }
  assert.ok(evictions > 1000);
  assert.is(new SessionStore().oldest(), undefined);
});

test.run();
