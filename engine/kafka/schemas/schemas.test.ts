// The pieces of the registry formats without a broker: Protobuf message indexes against the bytes the
// Confluent documentation gives, message lookup by index, derived schemas in each format, subject names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import avro from 'avsc';
import protobuf from 'protobufjs';
import { inferColumns, inferSchema, recordName } from './infer.ts';
import { ProtobufSchema } from './protobuf.ts';
import { subjectName } from './subjects.ts';
import { frame, readMessageIndexes, schemaIdOf, writeMessageIndexes } from './wire.ts';

test('message indexes: [0] is the single byte 0, others a zigzag count and zigzag indexes', () => {
  // From the Confluent wire-format description: the 2nd and 3rd message of a file are 02 02 and 02 04.
  assert.deepEqual([...writeMessageIndexes([0])], [0x00]);
  assert.deepEqual([...writeMessageIndexes([1])], [0x02, 0x02]);
  assert.deepEqual([...writeMessageIndexes([2])], [0x02, 0x04]);
  assert.deepEqual([...writeMessageIndexes([1, 0, 70])], [0x06, 0x02, 0x00, 0x8c, 0x01]);
  for (const indexes of [[0], [1], [2], [1, 0, 70], [0, 3]]) {
    const bytes = Buffer.concat([writeMessageIndexes(indexes), Buffer.from([0x0a])]);
    assert.deepEqual(readMessageIndexes(bytes, 0), { indexes, next: bytes.length - 1 });
  }
  // A negative count (zigzag odd) or bytes that end early are not indexes.
  assert.equal(readMessageIndexes(Buffer.from([0x01]), 0), undefined);
  assert.equal(readMessageIndexes(Buffer.from([0x04, 0x02]), 0), undefined);
  const framed = frame(258, Buffer.from([7]), [0]);
  assert.deepEqual([...framed], [0, 0, 0, 1, 2, 0, 7]);
  assert.equal(schemaIdOf(framed), 258);
  assert.equal(schemaIdOf(Buffer.from([1, 0, 0, 0, 1])), undefined);
});

const proto = `
syntax = "proto3";
package shop.v1;
import "google/protobuf/timestamp.proto";
message Order {
  string id = 1;
  int64 qty = 2;
  optional double price = 3;
  google.protobuf.Timestamp at = 4;
  repeated string tags = 5;
  message Line { string sku = 1; int32 n = 2; }
  Line first = 6;
  Status status = 7;
  bytes blob = 8;
}
enum Status { NEW = 0; PAID = 1; }
message Refund { string order_id = 1; double amount = 2; }
`;

test('Protobuf: the message at each index decodes into a plain row', () => {
  const schema = new ProtobufSchema(proto);
  assert.equal(schema.typeAt([0])?.name, 'Order');
  assert.equal(schema.typeAt([1])?.name, 'Refund');
  assert.equal(schema.typeAt([0, 0])?.name, 'Line');
  assert.equal(schema.typeAt([2]), undefined);
  // Encoded by protobufjs on its own, from the same text.
  const root = protobuf.parse(proto, { keepCase: true }).root;
  root.addJSON(protobuf.common.get('google/protobuf/timestamp.proto')!.nested!);
  const Order = root.lookupType('shop.v1.Order');
  const body = Order.encode(Order.fromObject({ id: 'o-1', qty: 9007199254740991, at: { seconds: 1767225600, nanos: 250_000_000 }, tags: ['a', 'b'], first: { sku: 'x', n: 2 }, status: 1, blob: Buffer.from([1, 2]) })).finish();
  const row = schema.decode(body, [0]);
  assert.deepEqual(row, {
    id: 'o-1', qty: 9007199254740991, price: null, at: new Date(1767225600250), tags: ['a', 'b'], first: { sku: 'x', n: 2 }, status: 'PAID', blob: new Uint8Array([1, 2]),
  });
  const Refund = root.lookupType('shop.v1.Refund');
  assert.deepEqual(schema.decode(Refund.encode(Refund.fromObject({ order_id: 'o-1', amount: 2.5 })).finish(), [1]), { order_id: 'o-1', amount: 2.5 });
  // And a row written with the first message reads back the same through protobufjs.
  const written = Order.toObject(Order.decode(schema.encode({ id: 'o-2', qty: 3, price: 1.25, at: new Date(1767225600000), tags: [], status: 'NEW' })), { longs: Number });
  assert.deepEqual(written, { id: 'o-2', qty: 3, price: 1.25, at: { seconds: 1767225600, nanos: 0 }, status: 0 });
});

const rows = [
  { id: 1, name: 'a', at: new Date(0), ok: true, blob: new Uint8Array([1]), tags: { x: 1 }, price: null },
  { id: 2, name: 'b', price: 2.5, extra: 'late column' },
];

test('derived schemas: columns in order of appearance, all optional, in each format', () => {
  assert.deepEqual(inferColumns(rows).map((c) => `${c.name}:${c.kind}`), ['id:long', 'name:string', 'at:timestamp', 'ok:boolean', 'blob:bytes', 'tags:json', 'price:double', 'extra:string']);
  // Known columns keep their place and kind; new ones are appended.
  assert.deepEqual(inferColumns([{ extra: 1, id: 1.5, more: 'x' }], [{ name: 'id', kind: 'long' }]).map((c) => `${c.name}:${c.kind}`), ['id:long', 'extra:long', 'more:string']);

  const avroSchema = JSON.parse(inferSchema('avro', rows, 'com.acme.Order')) as { name: string; namespace: string; fields: { name: string; default: null }[] };
  assert.equal(avroSchema.name, 'Order');
  assert.equal(avroSchema.namespace, 'com.acme');
  assert.ok(avroSchema.fields.every((f) => f.default === null));
  const type = avro.Type.forSchema(avroSchema as unknown as avro.Schema);
  assert.ok(type.isValid({ id: 1, name: null, at: 0, ok: null, blob: null, tags: null, price: null, extra: null }));

  const text = inferSchema('protobuf', rows, 'com.acme.Order');
  assert.match(text, /package com\.acme;/);
  assert.match(text, /optional google\.protobuf\.Timestamp at = 3;/);
  assert.equal(new ProtobufSchema(text).typeAt([0])?.fullName, '.com.acme.Order');

  const json = JSON.parse(inferSchema('json-schema', rows, 'Order')) as { title: string; properties: Record<string, { type: string[]; format?: string }> };
  assert.equal(json.title, 'Order');
  assert.deepEqual(json.properties.id!.type, ['integer', 'null']);
  assert.equal(json.properties.at!.format, 'date-time');
});

test('subject naming strategies', () => {
  assert.equal(subjectName('topic', 'orders', 'com.acme.Order'), 'orders-value');
  assert.equal(subjectName('record', 'orders', 'com.acme.Order'), 'com.acme.Order');
  assert.equal(subjectName('topic-record', 'orders', 'com.acme.Order'), 'orders-com.acme.Order');
  assert.deepEqual(recordName('orders-v2_value'), { name: 'orders_v2_value', namespace: undefined, fullName: 'orders_v2_value' });
});
