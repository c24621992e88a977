// Shopping sessions as a funnel: a session lands with page views, looks at products (popular ones more
// often), puts some in the cart, and some carts are bought. Each step is taken by fewer sessions.
import type { Row } from '../../runtime/types.ts';
import type { DatasetModel } from '../model.ts';
import { serialId } from '../model.ts';
import { hash32, round2, zipf } from '../random.ts';

interface CartLine {
  product: number;
  quantity: number;
}

interface Session {
  id: string;
  user: number;
  product: number | null;
  cart: CartLine[];
  /** Cart lines still to be reported as purchase events (one per line). */
  checkout: CartLine[];
}

interface State {
  sessions: Session[];
  opened: number;
}

const productCount = 500;
const products = zipf(Array.from({ length: productCount }, (_, i) => i + 1), 1.1);
const userCount = 10_000;
const targetSessions = 200;

/** A product's price is a property of the product, the same in every run and partition. */
const prices = Array.from({ length: productCount + 1 }, (_, product) => {
  const u = (hash32(`price-${product}`) + 0.5) / 4294967296;
  // Log-logistic, close to log-normal: median 35, long right tail.
  return round2(Math.max(2, 35 * Math.exp(0.5 * Math.log(u / (1 - u)))));
});

export function productPrice(product: number): number {
  return prices[product] ?? 0;
}

const productIds = Array.from({ length: productCount + 1 }, (_, product) => `prod-${String(product).padStart(4, '0')}`);

function endSession(state: State, session: Session): void {
  const at = state.sessions.indexOf(session);
  if (at >= 0) state.sessions.splice(at, 1);
}

function event(serial: number, session: Session, type: string, product: number | null, quantity: number | null, time: number): Row {
  return {
    event_id: serialId('ev', serial),
    session_id: session.id,
    user_id: serialId('user', session.user, 5),
    event_type: type,
    product_id: product === null ? null : productIds[product] ?? null,
    quantity,
    price: product === null ? null : productPrice(product),
    event_time: new Date(time),
  };
}

export const ecommerceEvents: DatasetModel<State> = {
  meanIntervalMs: 40,
  diurnal: true,
  required: ['event_id', 'user_id', 'event_type', 'event_time'],
  initialState: () => ({ sessions: [], opened: 0 }),
  next({ random, time, serial, partition }, state) {
    let session: Session | undefined;
    if (state.sessions.length === 0 || (state.sessions.length < targetSessions && random.chance(0.3))) {
      state.opened++;
      session = { id: `cs${partition}-${state.opened}`, user: 1 + random.int(userCount), product: null, cart: [], checkout: [] };
      state.sessions.push(session);
    } else session = state.sessions[random.int(state.sessions.length)];
    if (!session) throw new Error('no session');
    const line = session.checkout.shift();
    if (line) {
      if (session.checkout.length === 0) endSession(state, session);
      return event(serial, session, 'purchase', line.product, line.quantity, time);
    }
    const roll = random.float();
    if (session.product !== null && roll < 0.18) {
      const product = session.product;
      const quantity = 1 + Math.min(3, random.geometric(0.7));
      session.cart.push({ product, quantity });
      session.product = null;
      return event(serial, session, 'add_to_cart', product, quantity, time);
    }
    if (session.cart.length > 0 && roll > 0.85) {
      // Most carts are abandoned; the rest check out, reported as one purchase event per line.
      if (random.chance(0.4)) session.checkout = session.cart;
      else endSession(state, session);
      session.cart = [];
    } else if (roll > 0.93) endSession(state, session);
    if (session.product === null && random.chance(0.35)) return event(serial, session, 'page_view', null, null, time);
    session.product = products.draw(random);
    return event(serial, session, 'product_view', session.product, null, time);
  },
  breakType(row, random) {
    if (random.chance(0.6)) row.price = 'free';
    else row.quantity = '1x';
  },
};
