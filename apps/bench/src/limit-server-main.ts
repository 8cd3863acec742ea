/**
 * Entry of the "limit" variant's process, bundled separately from the benchmark so the baseline
 * server loads nothing but node:http and node:crypto (the bench bundle pulls in autocannon and
 * gRPC at load time).
 */
import { serveLimit } from './roles/limit-server.js';

serveLimit();
