// CPU profile of the Worker's isolate through workerd's inspector (V8's sampling profiler over
// the DevTools protocol), for benchmarks only.
//
//   node --experimental-websocket bench/worker/profile.mjs <inspector-port> <out.cpuprofile> [interval-us]
//
// Prints "started" once sampling runs; stops when a line arrives on stdin (or stdin closes),
// writes the profile (the DevTools .cpuprofile format) and prints "stopped <samples>".
import { writeFileSync } from "node:fs";

const [port, out, interval = "100"] = process.argv.slice(2);
if (!port || !out) {
  console.error("usage: profile.mjs <inspector-port> <out.cpuprofile> [interval-us]");
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

await send("Profiler.enable");
await send("Profiler.setSamplingInterval", { interval: Number(interval) });
await send("Profiler.start");
console.log("started");

await new Promise((done) => {
  process.stdin.once("data", done);
  process.stdin.once("end", done);
});
const { profile } = await send("Profiler.stop");
writeFileSync(out, JSON.stringify(profile));
console.log(`stopped ${profile.samples?.length ?? 0}`);
ws.close();
process.exit(0);
