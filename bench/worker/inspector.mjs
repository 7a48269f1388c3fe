// A DevTools protocol session with the Worker's isolate through wrangler's inspector, shared by
// the benchmark's inspector scripts (profile.mjs, heap.mjs).
//
// `connect(port)` resolves to `{ send, close }`: `send(method, params)` resolves to the result of
// one protocol call, or rejects with its error.
export async function connect(port) {
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
  return { send, close: () => ws.close() };
}
