// The Worker's isolate heap through workerd's inspector (`Runtime.getHeapUsage` over the DevTools
// protocol), for benchmarks only: it shows when V8 collected garbage during a request.
//
//   node --experimental-websocket bench/worker/heap.mjs <inspector-port>
//
// Prints "ready", then for every line on stdin one line "<usedSize> <totalSize>" (bytes); exits
// when stdin closes. (workerd does not answer `HeapProfiler.collectGarbage`, so a benchmark
// cannot have the heap collected before a measurement.)
import { createInterface } from "node:readline";

import { connect } from "./inspector.mjs";

const [port] = process.argv.slice(2);
if (!port) {
  console.error("usage: heap.mjs <inspector-port>");
  process.exit(2);
}

const { send, close } = await connect(port);

console.log("ready");
for await (const _ of createInterface({ input: process.stdin })) {
  const { usedSize, totalSize } = await send("Runtime.getHeapUsage");
  console.log(`${usedSize} ${totalSize}`);
}
close();
process.exit(0);
