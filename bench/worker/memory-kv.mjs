// An in-memory stand-in for a Workers KV binding, for benchmarks only (entry.mjs): the JS
// surface workers-rs calls (get, get of up to 100 keys, put with metadata, list by prefix with a
// cursor, delete), strongly consistent and without limits, so that what workerd spends on a
// request is the Worker's own work and not wrangler's local KV simulation. Every operation is
// cheap whatever the number of keys (keys sorted in chunks; listing as Workers KV does:
// lexicographic, at most 1000 per page). The store's work happens in functions named
// `memoryKv…`, so CPU profiles can count it apart from the Worker's.

const LIST_LIMIT = 1000;
const CHUNK = 512;

/** First index in the sorted array `a` whose element is not less than `key`. */
function memoryKvLowerBound(a, key) {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the chunk that holds (or would hold) `key`. */
function memoryKvChunkOf(chunks, key) {
  let lo = 0;
  let hi = chunks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (chunks[mid][0] <= key) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Add `key` (not yet present) to the sorted chunks; a chunk past 2 × CHUNK keys splits. */
function memoryKvInsert(chunks, key) {
  if (chunks.length === 0) {
    chunks.push([key]);
    return;
  }
  const c = memoryKvChunkOf(chunks, key);
  const chunk = chunks[c];
  chunk.splice(memoryKvLowerBound(chunk, key), 0, key);
  if (chunk.length > 2 * CHUNK) chunks.splice(c + 1, 0, chunk.splice(CHUNK));
}

function memoryKvRemove(chunks, key) {
  if (chunks.length === 0) return;
  const c = memoryKvChunkOf(chunks, key);
  const chunk = chunks[c];
  const i = memoryKvLowerBound(chunk, key);
  if (chunk[i] !== key) return;
  chunk.splice(i, 1);
  if (chunk.length === 0) chunks.splice(c, 1);
}

function memoryKvGet(kv, key, options) {
  const type = typeof options === "string" ? options : (options?.type ?? "text");
  if (type !== "text") throw new TypeError(`memory KV serves text only, not ${type}`);
  if (Array.isArray(key)) {
    if (key.length > 100) throw new RangeError("at most 100 keys per bulk get");
    kv.ops.getBulk++;
    kv.ops.bulkKeys += key.length;
    const out = new Map();
    for (const k of key) out.set(k, kv.values.get(k)?.value ?? null);
    return out;
  }
  kv.ops.get++;
  return kv.values.get(key)?.value ?? null;
}

function memoryKvPut(kv, key, value, options) {
  if (typeof value !== "string") throw new TypeError("memory KV stores text only");
  kv.ops.put++;
  if (!kv.values.has(key)) memoryKvInsert(kv.chunks, key);
  kv.values.set(key, { value, metadata: options?.metadata ?? null });
}

function memoryKvList(kv, options) {
  kv.ops.list++;
  const prefix = options.prefix ?? "";
  const limit = Math.min(options.limit ?? LIST_LIMIT, LIST_LIMIT);
  const from = options.cursor ?? prefix;
  const keys = [];
  if (kv.chunks.length === 0) return { keys, list_complete: true };
  let c = memoryKvChunkOf(kv.chunks, from);
  let i = memoryKvLowerBound(kv.chunks[c], from);
  if (options.cursor !== undefined && kv.chunks[c][i] === from) i++;
  for (; c < kv.chunks.length; c++, i = 0) {
    const chunk = kv.chunks[c];
    for (; i < chunk.length; i++) {
      const name = chunk[i];
      if (!name.startsWith(prefix)) return { keys, list_complete: true };
      if (keys.length === limit) {
        return { keys, list_complete: false, cursor: keys[keys.length - 1].name };
      }
      const metadata = kv.values.get(name).metadata;
      keys.push(metadata === null ? { name } : { name, metadata });
    }
  }
  return { keys, list_complete: true };
}

export class MemoryKv {
  constructor() {
    this.clear();
  }

  /** Forget every key; the operation counts start again. */
  clear() {
    this.values = new Map(); // key -> { value, metadata }
    this.chunks = []; // every key, sorted, in chunks
    this.ops = { get: 0, getBulk: 0, bulkKeys: 0, put: 0, list: 0, delete: 0 };
  }

  get size() {
    return this.values.size;
  }

  async get(key, options) {
    return memoryKvGet(this, key, options);
  }

  async getWithMetadata(key) {
    this.ops.get++;
    const entry = this.values.get(key);
    return { value: entry?.value ?? null, metadata: entry?.metadata ?? null };
  }

  async put(key, value, options) {
    memoryKvPut(this, key, value, options);
  }

  async delete(key) {
    this.ops.delete++;
    if (this.values.delete(key)) memoryKvRemove(this.chunks, key);
  }

  async list(options = {}) {
    return memoryKvList(this, options);
  }
}
