// The generator datasets' schemas. They live in engine/format (not engine/generator) because the studio
// needs them for field completion and the validator for field checks, and neither may import node code.
import type { GeneratorDataset } from './pipeline.ts';

/** Logical value types of fields, named like the lake's column types. */
export type FieldType = 'string' | 'long' | 'double' | 'boolean' | 'timestamp' | 'json' | 'unknown';

export interface FieldInfo {
  name: string;
  type: FieldType;
}

export interface DatasetInfo {
  name: GeneratorDataset;
  title: string;
  description: string;
  fields: FieldInfo[];
}

function fields(spec: Record<string, FieldType>): FieldInfo[] {
  return Object.entries(spec).map(([name, type]) => ({ name, type }));
}

export const datasets: readonly DatasetInfo[] = [
  {
    name: 'sales_orders',
    title: 'Sales orders',
    description: 'Orders from an online shop: popular products sell far more often, regions have different volumes, amounts are log-normal.',
    fields: fields({ order_id: 'string', customer_id: 'string', product: 'string', category: 'string', region: 'string', quantity: 'long', unit_price: 'double', amount: 'double', event_time: 'timestamp' }),
  },
  {
    name: 'user_events',
    title: 'User activity',
    description: 'Clickstream of a web app: sessions of page views, clicks, searches and logins, with browser and device properties.',
    fields: fields({ user_id: 'string', session_id: 'string', event_type: 'string', page: 'string', event_time: 'timestamp', properties: 'json' }),
  },
  {
    name: 'sensor_readings',
    title: 'Sensor readings',
    description: 'Temperature and humidity from devices in several buildings, with daily cycles, slow drift and occasional spikes above 80 °C.',
    fields: fields({ device_id: 'string', location: 'string', temperature: 'double', humidity: 'double', event_time: 'timestamp' }),
  },
  {
    name: 'transactions',
    title: 'Card transactions',
    description: 'Payments at merchants in several cities; a few users produce bursts of many or very large transactions, as fraud would.',
    fields: fields({ txn_id: 'string', user_id: 'string', amount: 'double', merchant: 'string', location: 'string', event_time: 'timestamp' }),
  },
  {
    name: 'ecommerce_events',
    title: 'E-commerce funnel',
    description: 'Shopping sessions that go page_view → product_view → add_to_cart → purchase, each step taken by fewer sessions.',
    fields: fields({ event_id: 'string', session_id: 'string', user_id: 'string', event_type: 'string', product_id: 'string', quantity: 'long', price: 'double', event_time: 'timestamp' }),
  },
  {
    name: 'user_registrations',
    title: 'User registrations',
    description: 'A sign-up feed of user profiles: name, e-mail, country, plan and how they found the product.',
    fields: fields({ user_id: 'string', username: 'string', email: 'string', full_name: 'string', country: 'string', birth_year: 'long', plan: 'string', signup_source: 'string', marketing_opt_in: 'boolean', event_time: 'timestamp' }),
  },
];

export const datasetNames: readonly GeneratorDataset[] = datasets.map((d) => d.name);

/** The dataset's description, or undefined for an unknown name. */
export function datasetInfo(name: string): DatasetInfo | undefined {
  return datasets.find((d) => d.name === name);
}
