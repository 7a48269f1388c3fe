// CPU profile of the Worker's isolate through workerd's inspector (V8's sampling profiler over
// the DevTools protocol), for benchmarks only.
//
//   node --experimental-websocket bench/worker/profile.mjs <inspector-port> <out.cpuprofile> [interval-us]
//
// Prints "started" once sampling runs; stops when a line arrives on stdin (or stdin closes),
// writes the profile (the DevTools .cpuprofile format) and prints "stopped <samples>".
import { writeFileSync } from "node:fs";

import { connect } from "./inspector.mjs";

const [port, out, interval = "100"] = process.argv.slice(2);
if (!port || !out) {
  console.error("usage: profile.mjs <inspector-port> <out.cpuprofile> [interval-us]");
  process.exit(2);
}

const { send, close } = await connect(port);

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
close();
process.exit(0);
