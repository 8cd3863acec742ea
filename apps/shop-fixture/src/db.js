'use strict';
/** The shop's schema and seed data: idempotent, run by the app before it listens. */

const PRODUCTS = [
  { sku: 'd6-red', name: 'Red six-sided die', price_cents: 250 },
  { sku: 'd20-blue', name: 'Blue twenty-sided die', price_cents: 490 },
  { sku: 'cup', name: 'Leather dice cup', price_cents: 1500 },
];

async function migrate(knex) {
  if (!(await knex.schema.hasTable('products'))) {
    await knex.schema.createTable('products', (t) => {
      t.increments('id');
      t.string('sku').notNullable().unique();
      t.string('name').notNullable();
      t.integer('price_cents').notNullable();
    });
  }
  if (!(await knex.schema.hasTable('orders'))) {
    await knex.schema.createTable('orders', (t) => {
      t.increments('id');
      t.integer('product_id').notNullable().references('products.id');
      t.integer('quantity').notNullable();
      t.string('status').notNullable().defaultTo('queued');
      t.timestamp('created_at').notNullable().defaultTo(knex.fn.now());
    });
  }
  await knex('products').insert(PRODUCTS).onConflict('sku').ignore();
}

module.exports = { migrate, PRODUCTS };
