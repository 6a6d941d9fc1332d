// A subscriber on the official JavaScript SDK (client.realtime.subscribe,
// over WebSocket) for the Go package interop: it subscribes to the channel
// and topics in RT_CHANNEL and RT_TOPICS (comma-separated), minting its
// token through the server named by INNGEST_DEV, prints "subscribed" and
// then each message as one JSON line on stdout. Node 20 needs
// --experimental-websocket for the WebSocket global.
"use strict";

const { Inngest } = require("inngest");

const inngest = new Inngest({ id: "interop-js-subscriber" });

(async () => {
  const stream = await inngest.realtime.subscribe({
    channel: process.env.RT_CHANNEL,
    topics: process.env.RT_TOPICS.split(","),
  });
  process.stdout.write("subscribed\n");
  for await (const m of stream) {
    process.stdout.write(JSON.stringify({ kind: m.kind, channel: m.channel, topic: m.topic, data: m.data, runId: m.runId }) + "\n");
  }
})().catch((err) => {
  process.stderr.write(String((err && err.stack) || err) + "\n");
  process.exit(1);
});

process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
