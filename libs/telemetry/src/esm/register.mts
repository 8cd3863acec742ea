/** The ES module form of `@otel-dice/telemetry/register` (see ../register.ts, and index.mts here for why it is in esm/). */
import '../register.js';
