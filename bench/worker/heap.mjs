// The Worker's isolate heap through workerd's inspector (`Runtime.getHeapUsage` over the DevTools
// protocol), for benchmarks only: it shows when V8 collected garbage during a request.
//
//   node --experimental-websocket bench/worker/heap.mjs <inspector-port>
//
// Prints "ready", then for every line on stdin one line "<usedSize> <totalSize>" (bytes); exits
// when stdin closes. (workerd does not answer `HeapProfiler.collectGarbage`, so a benchmark
// cannot have the heap collected before a measurement.)
import { createInterface } from "node:readline";

const [port] = process.argv.slice(2);
if (!port) {
  console.error("usage: heap.mjs <inspector-port>");
  process.exit(2);
}

const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
const target = targets.find((t) => t.webSocketDebuggerUrl);
if (!target) throw new Error(`no inspector target on port ${port}`);

// wrangler's inspector proxy accepts DevTools clients from a local Origin only.
const ws = new WebSocket(target.webSocketDebuggerUrl, { headers: { Origin: "http://127.0.0.1" } });
await new Promise((ok, fail) => {
  ws.onopen = ok;
  ws.onerror = () => fail(new Error(`cannot connect to ${target.webSocketDebuggerUrl}`));
});
let next = 0;
const pending = new Map();
ws.onmessage = (event) => {
  const msg = JSON.parse(event.data);
  const call = pending.get(msg.id);
  if (!call) return;
  pending.delete(msg.id);
  if (msg.error) call.fail(new Error(`${call.method}: ${JSON.stringify(msg.error)}`));
  else call.ok(msg.result);
};
function send(method, params = {}) {
  const id = ++next;
  ws.send(JSON.stringify({ id, method, params }));
  return new Promise((ok, fail) => pending.set(id, { ok, fail, method }));
}

console.log("ready");
for await (const _ of createInterface({ input: process.stdin })) {
  const { usedSize, totalSize } = await send("Runtime.getHeapUsage");
  console.log(`${usedSize} ${totalSize}`);
}
ws.close();
process.exit(0);
