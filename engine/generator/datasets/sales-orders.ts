// Online shop orders: a catalog of products with real-looking prices, Zipf popularity (a few best
// sellers), regional volumes, occasional discounts and multi-item orders.
import type { DatasetModel } from '../model.ts';
import { serialId } from '../model.ts';
import { round2, weighted, zipf } from '../random.ts';

const products: readonly [string, string, number][] = [
  ['USB-C cable', 'electronics', 12.99], ['Wireless mouse', 'electronics', 24.99], ['Paperback novel', 'books', 14.5],
  ['Coffee beans 1kg', 'grocery', 18.9], ['Running socks', 'apparel', 9.99], ['Phone case', 'electronics', 19.99],
  ['Notebook A5', 'office', 6.49], ['Water bottle', 'sports', 16.0], ['Cotton T-shirt', 'apparel', 22.0],
  ['Bluetooth earbuds', 'electronics', 59.0], ['Yoga mat', 'sports', 29.9], ['Desk lamp', 'home', 34.5],
  ['Cookbook', 'books', 27.0], ['Olive oil 1l', 'grocery', 11.8], ['Backpack', 'apparel', 64.0],
  ['Mechanical keyboard', 'electronics', 119.0], ['Running shoes', 'sports', 129.0], ['Office chair', 'office', 249.0],
  ['Blender', 'home', 89.0], ['Hoodie', 'apparel', 49.0], ['Board game', 'toys', 39.99],
  ['Building blocks set', 'toys', 79.0], ['Monitor 27"', 'electronics', 329.0], ['Espresso machine', 'home', 449.0],
  ['Winter jacket', 'apparel', 189.0], ['Tent 2-person', 'sports', 219.0], ['Tablet', 'electronics', 399.0],
  ['Standing desk', 'office', 549.0], ['Laptop', 'electronics', 1299.0], ['Road bike', 'sports', 1890.0],
  ['Tea sampler', 'grocery', 21.0], ['Sketchbook', 'office', 12.0], ['Puzzle 1000 pcs', 'toys', 17.99],
  ['Scented candle', 'home', 15.5], ['Graphic novel', 'books', 24.0], ['Smartwatch', 'electronics', 279.0],
];
const popularity = zipf(products, 1.07);
const regions = weighted({ north_america: 34, europe: 28, asia_pacific: 22, latin_america: 10, middle_east_africa: 6 });
// Some customers buy far more often than others.
const customers = zipf(Array.from({ length: 25_000 }, (_, i) => i + 1), 0.7);
const discount = weighted({ '0': 80, '0.1': 15, '0.25': 5 });

export const salesOrders: DatasetModel<null> = {
  meanIntervalMs: 20,
  diurnal: true,
  required: ['order_id', 'amount', 'region', 'event_time'],
  initialState: () => null,
  next({ random, time, serial }) {
    const [product, category, price] = popularity.draw(random);
    const customer = customers.draw(random);
    const quantity = price > 300 ? 1 : Math.min(10, 1 + random.geometric(0.6));
    const unitPrice = round2(price * (1 - Number(discount.draw(random))));
    return {
      order_id: serialId('ord', serial),
      customer_id: serialId('cust', customer, 6),
      product,
      category,
      region: regions.draw(random),
      quantity,
      unit_price: unitPrice,
      amount: round2(quantity * unitPrice),
      event_time: new Date(time),
    };
  },
  breakType(row, random) {
    if (random.chance(0.7)) row.amount = 'N/A';
    else row.quantity = 'two';
  },
};
