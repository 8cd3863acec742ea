'use strict';
/**
 * The catalog, a router with a nested products router. The app mounts it twice
 * (`/api/v1/catalog` and `/api/v2/catalog`), as services do while an API version is retired.
 */
const express = require('express');
const asyncHandler = require('../async-handler');

function catalogRouter({ knex, redis, pricingUrl }) {
  const products = express.Router({ mergeParams: true });

  // A product: Redis first, PostgreSQL (through knex) on a miss.
  products.get(
    '/:id',
    asyncHandler(async (req, res) => {
      const id = Number(req.params.id);
      if (!Number.isInteger(id) || id < 1) {
        res.status(400).json({ error: 'id must be a positive integer' });
        return;
      }
      const cached = await redis.get(`product:${id}`);
      if (cached) {
        res.json({ ...JSON.parse(cached), cached: true });
        return;
      }
      const product = await knex('products').where({ id }).first();
      if (!product) {
        res.status(404).json({ error: `no product ${id}` });
        return;
      }
      await redis.set(`product:${id}`, JSON.stringify(product), 'EX', 1);
      res.json({ ...product, cached: false });
    }),
  );

  // Its price today, from the pricing service downstream (an outgoing fetch).
  products.get(
    '/:id/price',
    asyncHandler(async (req, res) => {
      const product = await knex('products')
        .where({ id: Number(req.params.id) })
        .first();
      if (!product) {
        res.status(404).json({ error: `no product ${req.params.id}` });
        return;
      }
      const response = await fetch(
        `${pricingUrl}/price/${encodeURIComponent(product.sku)}?base=${product.price_cents}`,
      );
      if (!response.ok) {
        throw new Error(`pricing answered ${response.status}`);
      }
      res.json({ sku: product.sku, ...(await response.json()) });
    }),
  );

  const catalog = express.Router();
  catalog.get(
    '/',
    asyncHandler(async (req, res) => {
      res.json(
        await knex('products').select('id', 'sku', 'name').orderBy('id'),
      );
    }),
  );
  catalog.use('/products', products);
  return catalog;
}

module.exports = { catalogRouter };
