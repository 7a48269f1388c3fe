// The Worker for benchmarks only (never deployed): the built Worker (edge/build, the same wasm
// that `wrangler deploy` uploads) with its RECEIPTS KV binding replaced by an in-memory store in
// the isolate (memory-kv.mjs). A few routes are answered before the Worker is entered:
//   GET  /__bench/noop      200, no Worker code: what workerd and wrangler cost per request
//   GET  /__bench/kv        the memory KV's operation counts and key count
//   POST /__bench/kv/clear  forget every key (a fresh store without restarting the isolate)
// Started by popbill-bench (`wrangler dev bench/worker/entry.mjs`); POPBiLL calls go to the mock.
import Worker from "../../edge/build/index.js";
import { MemoryKv } from "./memory-kv.mjs";

const kv = new MemoryKv();

function withMemoryKv(env) {
  return new Proxy(env, { get: (target, name) => (name === "RECEIPTS" ? kv : target[name]) });
}

export default class BenchWorker extends Worker {
  constructor(ctx, env) {
    super(ctx, withMemoryKv(env));
  }

  fetch(request) {
    const path = new URL(request.url).pathname;
    if (path.startsWith("/__bench/")) {
      if (path === "/__bench/noop") return new Response("ok");
      if (path === "/__bench/kv") return Response.json({ ops: kv.ops, keys: kv.size });
      if (path === "/__bench/kv/clear" && request.method === "POST") {
        kv.clear();
        return Response.json({ keys: kv.size });
      }
      return new Response("no such benchmark route", { status: 404 });
    }
    return super.fetch(request);
  }
}
