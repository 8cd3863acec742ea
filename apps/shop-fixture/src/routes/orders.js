'use strict';
/** Orders: written with knex in a transaction, queued in Redis for the worker. */
const express = require('express');
const asyncHandler = require('../async-handler');

const QUEUE = 'shop:jobs';

function ordersRouter({ knex, redis }) {
  const orders = express.Router();

  orders.post(
    '/',
    asyncHandler(async (req, res) => {
      const productId = Number(req.body?.productId);
      const quantity = Number(req.body?.quantity ?? 1);
      if (!Number.isInteger(productId) || productId < 1) {
        res.status(400).json({ error: 'productId must be a positive integer' });
        return;
      }
      if (!Number.isInteger(quantity) || quantity < 1 || quantity > 100) {
        res
          .status(400)
          .json({ error: 'quantity must be an integer from 1 to 100' });
        return;
      }
      const order = await knex.transaction(async (trx) => {
        const product = await trx('products').where({ id: productId }).first();
        if (!product) return undefined;
        const [row] = await trx('orders')
          .insert({ product_id: productId, quantity })
          .returning(['id', 'status']);
        return row;
      });
      if (!order) {
        res.status(404).json({ error: `no product ${productId}` });
        return;
      }
      await redis.lpush(QUEUE, JSON.stringify({ orderId: order.id }));
      res.status(202).json(order);
    }),
  );

  orders.get(
    '/:id',
    asyncHandler(async (req, res) => {
      const id = Number(req.params.id);
      const order = await knex('orders').where({ id }).first();
      if (!order) {
        res.status(404).json({ error: `no order ${req.params.id}` });
        return;
      }
      res.json(order);
    }),
  );
  return orders;
}

module.exports = { ordersRouter, QUEUE };
