// Card payments: everyday amounts are log-normal around each merchant's typical ticket and users mostly
// pay in their home city. A small share of cards is compromised: they fire a burst of rapid payments, or
// a few very large ones, which is what the fraud example flags.
import type { DatasetModel } from '../model.ts';
import { serialId } from '../model.ts';
import { hash32, round2, zipf } from '../random.ts';

const merchants: readonly [string, number][] = [
  ['Corner Grocery', 38], ['City Supermarket', 64], ['Fuel Station', 55], ['Coffee House', 6.5], ['Burger Bar', 14],
  ['Pharmacy', 22], ['Bookshop', 28], ['Electronics Store', 180], ['Fashion Outlet', 75], ['Train Tickets', 42],
  ['Streaming Service', 12.99], ['Airline', 320], ['Hotel', 240], ['Hardware Store', 47], ['Pet Shop', 33],
  ['Online Marketplace', 58], ['Restaurant', 46], ['Cinema', 24], ['Taxi', 21], ['Jewellery', 410],
];
const merchantPopularity = zipf(merchants, 0.8);
const cities = ['Amsterdam', 'Berlin', 'Lisbon', 'Madrid', 'Paris', 'Rome', 'Vienna', 'Warsaw', 'Dublin', 'Prague'];
const userCount = 20_000;
const users = zipf(Array.from({ length: userCount }, (_, i) => i + 1), 0.6);

interface Burst {
  user: number;
  remaining: number;
  city: string;
  large: boolean;
}

interface State {
  bursts: Burst[];
}

function homeCity(user: number): string {
  return cities[hash32(`home-${user}`) % cities.length] ?? 'Amsterdam';
}

export const transactions: DatasetModel<State> = {
  meanIntervalMs: 50,
  diurnal: true,
  required: ['txn_id', 'user_id', 'amount', 'event_time'],
  initialState: () => ({ bursts: [] }),
  next({ random, time, serial }, state) {
    if (random.chance(0.0012)) {
      const large = random.chance(0.3);
      state.bursts.push({ user: users.draw(random), remaining: large ? 2 + random.int(3) : 12 + random.int(10), city: random.pick(cities), large });
    }
    const burst = state.bursts.length > 0 && random.chance(0.4) ? state.bursts[random.int(state.bursts.length)] : undefined;
    const [merchant, ticket] = merchantPopularity.draw(random);
    let user: number;
    let amount: number;
    let location: string;
    if (burst) {
      user = burst.user;
      location = burst.city;
      amount = burst.large ? random.between(3500, 9000) : random.logNormal(ticket, 0.5);
      burst.remaining--;
      if (burst.remaining <= 0) state.bursts.splice(state.bursts.indexOf(burst), 1);
    } else {
      user = users.draw(random);
      location = random.chance(0.05) ? random.pick(cities) : homeCity(user);
      amount = random.logNormal(ticket, 0.6);
    }
    return {
      txn_id: serialId('txn', serial),
      user_id: serialId('user', user, 5),
      amount: Math.max(0.5, round2(amount)),
      merchant,
      location,
      event_time: new Date(time),
    };
  },
  breakType(row, random) {
    if (random.chance(0.7)) row.amount = 'N/A';
    else row.user_id = 404;
  },
};
