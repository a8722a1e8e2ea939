/*
 * The constants the bench API process and the bench share for orders-lifecycle, in a module of
 * their own so that api-server.ts does not load the bench's load generator.
 */

/**
 * LIFECYCLE_PAYMENT_TTL_MS is the payment TTL of orders placed under LIFECYCLE_PREFIX: short,
 * so that a third of orders-lifecycle's orders expire by their timer within a run, yet above
 * the p99 of a pay or cancel at 64 connections (4 s let most of them expire first).
 */
export const LIFECYCLE_PAYMENT_TTL_MS = 10_000;

/** LIFECYCLE_PREFIX mounts the app whose orders have the short TTL (api-server.ts). */
export const LIFECYCLE_PREFIX = '/bench/lifecycle';
