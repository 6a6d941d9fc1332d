// Functions written on the official JavaScript SDK (npm `inngest`, pinned in
// package.json), served by its Connect worker (`inngest/connect`): the worker
// dials out to the gateway instead of listening. The Go package interop runs
// it against the embedded engine's gateway (engine/connectgw).
//
// Environment: INNGEST_DEV=<engine URL> for dev mode, or INNGEST_DEV=0 with
// INNGEST_BASE_URL, INNGEST_SIGNING_KEY (and INNGEST_SIGNING_KEY_FALLBACK)
// for a signed session; INTEROP_INSTANCE_ID names the worker's instance and
// INTEROP_HOLD the instance on which the hold function's step never ends.
// The script prints "connected <connection id>" on stdout once the worker is
// connected and "closed" once it closed after its stdin ended.
"use strict";

const { Inngest, NonRetriableError } = require("inngest");
const { connect } = require("inngest/connect");

const inngest = new Inngest({ id: "interop-connect-js" });

const steps = inngest.createFunction(
  { id: "steps", triggers: [{ event: "connect/steps" }] },
  async ({ event, step }) => {
    const a = await step.run("first", () => event.data.n + 1);
    const b = await step.run("second", () => a * 10);
    return { a, b };
  },
);

const sleep = inngest.createFunction(
  { id: "sleep", triggers: [{ event: "connect/sleep" }] },
  async ({ step }) => {
    const before = await step.run("before", () => Date.now());
    await step.sleep("nap", "1s");
    const after = await step.run("after", () => Date.now());
    return { sleptMs: after - before };
  },
);

const retry = inngest.createFunction(
  { id: "retry", retries: 2, triggers: [{ event: "connect/retry" }] },
  async ({ attempt, step }) => {
    return step.run("flaky", () => {
      if (attempt < 1) {
        throw new Error("first attempt fails");
      }
      return { attempt };
    });
  },
);

const failing = inngest.createFunction(
  { id: "failing", retries: 3, triggers: [{ event: "connect/failing" }] },
  async ({ step }) => {
    await step.run("doomed", () => {
      throw new NonRetriableError("no point retrying");
    });
  },
);

const wait = inngest.createFunction(
  { id: "wait", triggers: [{ event: "connect/wait" }] },
  async ({ event, step }) => {
    const approval = await step.waitForEvent("wait-approval", {
      event: "connect/approved",
      timeout: event.data.timeout,
      if: "event.data.id == async.data.id",
    });
    return { approved: approval !== null, by: approval ? approval.data.by : null };
  },
);

const parallel = inngest.createFunction(
  { id: "parallel", triggers: [{ event: "connect/parallel" }] },
  async ({ step }) => {
    const parts = await Promise.all(
      ["a", "b", "c"].map((id) => step.run("part-" + id, () => id.toUpperCase())),
    );
    return { parts: parts.join("") };
  },
);

// hold's step never ends on the instance INTEROP_HOLD names (it prints
// "holding <run id>" so that the Go test can kill that worker mid-step); on
// any other instance it returns which instance ran it.
const instanceId = process.env.INTEROP_INSTANCE_ID || "interop-connect-js";
const hold = inngest.createFunction(
  { id: "hold", retries: 2, triggers: [{ event: "connect/hold" }] },
  async ({ runId, step }) => {
    return step.run("hold", async () => {
      if (instanceId === process.env.INTEROP_HOLD) {
        process.stdout.write(`holding ${runId}\n`);
        await new Promise(() => {});
      }
      return { by: instanceId };
    });
  },
);

async function main() {
  const conn = await connect({
    apps: [{ client: inngest, functions: [steps, sleep, retry, failing, wait, parallel, hold] }],
    instanceId,
    // The Go test ends the worker by closing stdin, not with a signal.
    handleShutdownSignals: [],
  });
  process.stdout.write(`connected ${conn.connectionId}\n`);
  // The Go test closes stdin when it is done: close the connection
  // gracefully (WORKER_PAUSE, in-flight requests finish) and exit.
  process.stdin.on("end", async () => {
    await conn.close();
    process.stdout.write("closed\n");
    process.exit(0);
  });
  process.stdin.resume();
}

main().catch((err) => {
  process.stderr.write(`connect failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
