// `node --test bench/worker/`: the benchmark's memory KV answers as Workers KV does.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryKv } from "./memory-kv.mjs";

test("a value put is read back with its metadata, and a missing key reads null", async () => {
  const kv = new MemoryKv();
  await kv.put("a", "1", { metadata: { m: 1 } });
  assert.equal(await kv.get("a", { type: "text" }), "1");
  assert.equal(await kv.get("b"), null);
  assert.deepEqual(await kv.getWithMetadata("a"), { value: "1", metadata: { m: 1 } });
});

test("a bulk get answers a map of every key asked, null where missing", async () => {
  const kv = new MemoryKv();
  await kv.put("x", "1");
  const got = await kv.get(["x", "y"], { type: "text" });
  assert.deepEqual([...got], [["x", "1"], ["y", null]]);
  await assert.rejects(kv.get(Array.from({ length: 101 }, (_, i) => `k${i}`)), RangeError);
});

test("list pages through a prefix in key order, 1000 at most, with metadata", async () => {
  const kv = new MemoryKv();
  // Inserted out of order and across many chunks; other prefixes on both sides.
  const names = Array.from({ length: 2500 }, (_, i) => `p:${String(i).padStart(5, "0")}`);
  for (const name of [...names].reverse()) await kv.put(name, "v", { metadata: { n: name } });
  await kv.put("o:before", "v");
  await kv.put("q:after", "v");
  const seen = [];
  let cursor;
  let pages = 0;
  for (;;) {
    const page = await kv.list({ prefix: "p:", cursor });
    pages++;
    assert.ok(page.keys.length <= 1000);
    for (const k of page.keys) {
      assert.deepEqual(k.metadata, { n: k.name });
      seen.push(k.name);
    }
    if (page.list_complete) break;
    cursor = page.cursor;
  }
  assert.equal(pages, 3);
  assert.deepEqual(seen, names);
});

test("a deleted key is neither read nor listed", async () => {
  const kv = new MemoryKv();
  for (const k of ["a:1", "a:2", "a:3"]) await kv.put(k, "v");
  await kv.delete("a:2");
  await kv.delete("a:9");
  assert.equal(await kv.get("a:2"), null);
  assert.deepEqual((await kv.list({ prefix: "a:" })).keys.map((k) => k.name), ["a:1", "a:3"]);
});

test("a key listed without metadata has none, and an empty prefix lists everything", async () => {
  const kv = new MemoryKv();
  await kv.put("b", "v");
  await kv.put("a", "v", { metadata: { x: 1 } });
  assert.deepEqual((await kv.list()).keys, [{ name: "a", metadata: { x: 1 } }, { name: "b" }]);
});

test("clear forgets every key and counts operations from zero", async () => {
  const kv = new MemoryKv();
  await kv.put("a", "v");
  await kv.get(["a", "b"]);
  assert.equal(kv.ops.bulkKeys, 2);
  kv.clear();
  assert.equal(kv.size, 0);
  assert.equal(await kv.get("a"), null);
  assert.deepEqual(kv.ops, { get: 1, getBulk: 0, bulkKeys: 0, put: 0, list: 0, delete: 0 });
});
