// Functions written on the official JavaScript SDK (npm `inngest`, pinned in
// package.json), served over plain node:http for the Go package interop,
// which runs them against the embedded engine.
//
// Environment: see the client below (dev mode, or cloud mode with keys).
// The app listens on an ephemeral loopback port and prints
// "listening <port>" on stdout once it accepts connections.
"use strict";

const http = require("node:http");
const { Inngest, NonRetriableError, RetryAfterError, realtime, staticSchema } = require("inngest");
const { serve } = require("inngest/node");

// Mode and keys come from the environment: INNGEST_DEV=<engine URL> for dev mode, or
// INNGEST_DEV=0 with INNGEST_BASE_URL, INNGEST_SIGNING_KEY and INNGEST_EVENT_KEY.
const inngest = new Inngest({ id: "interop-js" });

const steps = inngest.createFunction(
  { id: "steps", triggers: [{ event: "interop/steps" }] },
  async ({ event, step }) => {
    const a = await step.run("first", () => event.data.n + 1);
    const b = await step.run("second", () => a * 10);
    return { a, b };
  },
);

const sleep = inngest.createFunction(
  { id: "sleep", triggers: [{ event: "interop/sleep" }] },
  async ({ step }) => {
    const before = await step.run("before", () => Date.now());
    await step.sleep("nap", "1s");
    const after = await step.run("after", () => Date.now());
    return { sleptMs: after - before };
  },
);

const wait = inngest.createFunction(
  { id: "wait", triggers: [{ event: "interop/wait" }] },
  async ({ event, step }) => {
    const approval = await step.waitForEvent("wait-approval", {
      event: "interop/approved",
      timeout: event.data.timeout,
      if: "event.data.id == async.data.id",
    });
    return { approved: approval !== null, by: approval ? approval.data.by : null };
  },
);

const child = inngest.createFunction(
  { id: "child", triggers: [{ event: "interop/child" }] },
  async ({ event, step }) => {
    const doubled = await step.run("double", () => event.data.n * 2);
    return { doubled };
  },
);

const fanout = inngest.createFunction(
  { id: "fanout", triggers: [{ event: "interop/fanout" }] },
  async ({ step }) => {
    const sent = await step.sendEvent("fan-out", [1, 2, 3].map((n) => ({ name: "interop/child", data: { n } })));
    return { ids: sent.ids };
  },
);

const invoke = inngest.createFunction(
  { id: "invoke", triggers: [{ event: "interop/invoke" }] },
  async ({ step }) => {
    const res = await step.invoke("call-child", { function: child, data: { n: 21 } });
    return { child: res };
  },
);

const parallel = inngest.createFunction(
  { id: "parallel", triggers: [{ event: "interop/parallel" }] },
  async ({ step }) => {
    const parts = await Promise.all(
      ["a", "b", "c"].map((id) => step.run("part-" + id, () => id.toUpperCase())),
    );
    return { parts: parts.join("") };
  },
);

const retry = inngest.createFunction(
  { id: "retry", retries: 2, triggers: [{ event: "interop/retry" }] },
  async ({ attempt, step }) => {
    const got = await step.run("flaky", () => {
      if (attempt < 1) {
        throw new Error("first attempt fails");
      }
      return { attempt };
    });
    return got;
  },
);

const failing = inngest.createFunction(
  { id: "failing", retries: 3, triggers: [{ event: "interop/failing" }] },
  async ({ step }) => {
    await step.run("doomed", () => {
      throw new NonRetriableError("no point retrying");
    });
  },
);

// limited admits one call at a time; each run reports the most calls it saw
// inside its step at once.
let inside = 0;
const limited = inngest.createFunction(
  { id: "limited", concurrency: { limit: 1 }, triggers: [{ event: "interop/limited" }] },
  async ({ step }) => {
    return step.run("hold", async () => {
      inside++;
      const seen = inside;
      await new Promise((resolve) => setTimeout(resolve, 100));
      inside--;
      return { seen };
    });
  },
);

const once = inngest.createFunction(
  { id: "once", idempotency: "event.data.key", triggers: [{ event: "interop/once" }] },
  async ({ event }) => ({ key: event.data.key }),
);

const withOnFailure = inngest.createFunction(
  {
    id: "with-on-failure",
    retries: 0,
    triggers: [{ event: "interop/on-failure" }],
    onFailure: async ({ event, error, step }) =>
      step.run("record", () => ({ failedWith: error.message, original: event.data.event.name })),
  },
  async () => {
    throw new Error("boom");
  },
);

const cancellable = inngest.createFunction(
  {
    id: "cancellable",
    cancelOn: [{ event: "interop/cancel", if: "event.data.id == async.data.id" }],
    triggers: [{ event: "interop/cancellable" }],
  },
  async ({ step }) => {
    await step.sleep("long", "1m");
    return "not cancelled";
  },
);

const batch = inngest.createFunction(
  { id: "batch", batchEvents: { maxSize: 3, timeout: "5s" }, triggers: [{ event: "interop/batch" }] },
  async ({ events }) => ({ ns: events.map((e) => e.data.n) }),
);

const debounced = inngest.createFunction(
  { id: "debounced", debounce: { period: "1s", key: "event.data.key" }, triggers: [{ event: "interop/debounce" }] },
  async ({ event }) => ({ last: event.data.n }),
);

const sleepUntil = inngest.createFunction(
  { id: "sleep-until", triggers: [{ event: "interop/sleep-until" }] },
  async ({ event, step }) => {
    await step.sleepUntil("until", new Date(event.data.until));
    return step.run("after", () => Date.now() >= Date.parse(event.data.until));
  },
);

const onFinished = inngest.createFunction(
  {
    id: "on-finished",
    triggers: [{ event: "inngest/function.finished", if: "event.data.function_id == 'interop-js-steps'" }],
  },
  async ({ event }) => ({ fn: event.data.function_id, result: event.data.result }),
);

const invokeFailing = inngest.createFunction(
  { id: "invoke-failing", triggers: [{ event: "interop/invoke-failing" }] },
  async ({ step }) => {
    try {
      await step.invoke("call-failing", { function: failing, data: {} });
      return { caught: null };
    } catch (err) {
      return { caught: err.name + ": " + err.message };
    }
  },
);

const edges = inngest.createFunction(
  { id: "edges", retries: 1, triggers: [{ event: "interop/edges" }] },
  async ({ event, attempt, step }) => {
    const nothing = await step.run("returns-undefined", () => undefined);
    const later = await step.run("retry-after", () => {
      if (attempt < 1) {
        throw new RetryAfterError("not yet", "1s");
      }
      return "now";
    });
    const res = await step.fetch(event.data.url + "?q=1", { method: "POST", body: "ping" });
    const fetched = await res.text();
    const matched = await step.waitForEvent("wait-match", {
      event: "interop/edges.ok",
      match: "data.id",
      timeout: "1m",
    });
    return { nothing: nothing === undefined ? "undefined" : nothing, later, fetched, status: res.status, by: matched && matched.data.by };
  },
);

const rateLimited = inngest.createFunction(
  { id: "rate-limited", rateLimit: { limit: 10, period: "1m", key: "event.data.key" }, triggers: [{ event: "interop/rate-limited" }] },
  async ({ event }) => ({ n: event.data.n }),
);

const throttled = inngest.createFunction(
  { id: "throttled", throttle: { limit: 2, period: "2s" }, triggers: [{ event: "interop/throttled" }] },
  async ({ event }) => ({ n: event.data.n, at: Date.now() }),
);

const single = inngest.createFunction(
  { id: "single", singleton: { key: "event.data.key", mode: "skip" }, triggers: [{ event: "interop/single" }] },
  async ({ event, step }) => {
    await step.sleep("hold", "1s");
    return { n: event.data.n };
  },
);

const timedOut = inngest.createFunction(
  { id: "timed-out", timeouts: { finish: "1s" }, triggers: [{ event: "interop/timed-out" }] },
  async ({ step }) => {
    await step.sleep("too-long", "10s");
    return "finished";
  },
);

const classic = inngest.createFunction(
  { id: "classic", checkpointing: false, triggers: [{ event: "interop/classic" }] },
  async ({ step }) => {
    const a = await step.run("a", () => 1);
    const [b, c] = await Promise.all([step.run("b", () => a + 1), step.run("c", () => a + 2)]);
    await step.sleep("pause", "1s");
    const d = await step.run("d", () => b + c);
    return { a, b, c, d };
  },
);

const many = inngest.createFunction(
  { id: "many", triggers: [{ event: "interop/many" }] },
  async ({ step }) => {
    let sum = 0;
    for (let i = 0; i < 25; i++) {
      sum += await step.run("step-" + i, () => i);
    }
    return { sum };
  },
);

// big memoizes more than a call body may hold, so that the next call asks
// the SDK to load its state from the API (use_api).
const big = inngest.createFunction(
  { id: "big", triggers: [{ event: "interop/big" }] },
  async ({ step }) => {
    const parts = [];
    for (let i = 0; i < 5; i++) {
      parts.push(await step.run("chunk-" + i, () => String(i).repeat(1 << 20)));
    }
    await step.sleep("pause", "1s");
    return { lengths: parts.map((p) => p.length), heads: parts.map((p) => p[0]).join("") };
  },
);

const exhausted = inngest.createFunction(
  { id: "exhausted", retries: 1, triggers: [{ event: "interop/exhausted" }] },
  async ({ step }) => {
    await step.run("always", () => {
      throw new Error("always fails");
    });
  },
);

const slow = inngest.createFunction(
  { id: "slow", triggers: [{ event: "interop/slow" }] },
  async ({ step }) => {
    await step.sleep("dawdle", "2s");
    return "late";
  },
);

// invokeErrors reports how invoke failures reach the caller: a child whose
// step exhausted its retries, and a child slower than the invoke timeout.
const invokeErrors = inngest.createFunction(
  { id: "invoke-errors", triggers: [{ event: "interop/invoke-errors" }] },
  async ({ step }) => {
    const describe = (err) => ({ name: err.name, message: err.message });
    const [failed, timedOut] = await Promise.all([
      step.invoke("call-exhausted", { function: exhausted, data: {} }).then(() => null, describe),
      step.invoke("call-slow", { function: slow, data: {}, timeout: "1s" }).then(() => null, describe),
    ]);
    return { failed, timedOut };
  },
);

// configured is never triggered in the suite: it checks that a sync with
// every common option is accepted.
const configured = inngest.createFunction(
  {
    id: "configured",
    name: "Every option",
    description: "flow control and triggers in the JavaScript SDK's shapes",
    retries: 5,
    triggers: [
      { event: "interop/configured", if: "event.data.ok == true" },
      { cron: "TZ=Europe/Paris 0 9 * * 1-5" },
    ],
    concurrency: [
      { limit: 2, key: "event.data.user" },
      { limit: 10, scope: "account", key: '"interop"' },
    ],
    throttle: { limit: 5, period: "1m", burst: 2, key: "event.data.user" },
    priority: { run: "event.data.vip ? 60 : 0" },
    cancelOn: [{ event: "interop/configured.cancel", match: "data.user", timeout: "1h" }],
    timeouts: { start: "5m", finish: "1h" },
  },
  async () => null,
);

const configuredBatch = inngest.createFunction(
  {
    id: "configured-batch",
    batchEvents: { maxSize: 10, timeout: "2s", key: "event.data.user", if: "event.data.batch == true" },
    triggers: [{ event: "interop/configured-batch" }],
  },
  async ({ events }) => events.length,
);

const configuredDebounce = inngest.createFunction(
  {
    id: "configured-debounce",
    debounce: { period: "5s", key: "event.data.user", timeout: "1m" },
    rateLimit: { limit: 1, period: "1h", key: "event.data.user" },
    triggers: [{ event: "interop/configured-debounce" }],
  },
  async () => null,
);

// Realtime: a typed channel per ticket, published to durably from two steps
// (the Go package interop subscribes with the Go realtime package).
const ticketChannel = realtime.channel({
  name: ({ id }) => `ticket:${id}`,
  topics: { stage: { schema: staticSchema() } },
});

const rtPublish = inngest.createFunction(
  { id: "rt-publish", triggers: [{ event: "interop/rt.publish" }] },
  async ({ event, step }) => {
    const ch = ticketChannel({ id: event.data.id });
    await step.realtime.publish("validated", ch.stage, { ticket: event.data.id, stage: "validated" });
    await step.run("work", () => 1);
    await step.realtime.publish("done", ch.stage, { ticket: event.data.id, stage: "done" });
    return "ok";
  },
);

const handler = serve({
  client: inngest,
  functions: [
    steps, sleep, wait, child, fanout, invoke, parallel, retry, failing, limited, once,
    withOnFailure, cancellable, batch, debounced, sleepUntil, onFinished, invokeFailing, edges,
    rateLimited, throttled, single, timedOut, configured, configuredBatch, configuredDebounce,
    classic, many, big, exhausted, slow, invokeErrors, rtPublish,
  ],
});

const server = http.createServer(handler);
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

// The Go test closes stdin when it is done: exit even if it cannot signal us.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
