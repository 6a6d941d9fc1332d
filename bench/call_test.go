package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
	"github.com/stretchr/testify/require"
)

// memoCounts are the K of BenchmarkCall and the floors.
var memoCounts = []int{0, 1, 10, 100, 500}

const benchSigningKey = "signkey-test-8ee2262a15e8d3c42d6a840db7af3de2aab08ef632b32a37a687f24b34dba3ff"

// sink keeps results alive so the compiler cannot drop the work.
var sink any

// sequentialFunction defines a function of n sequential step.Run calls, each
// returning a ~1 KB payload; it returns the total number of items.
func sequentialFunction(tb testing.TB, c *inngest.Client, n int) *inngest.Function[order, int] {
	tb.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = stepID(i)
	}
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "sequential"}, inngest.OnEvent(orderCreated),
		func(ctx context.Context, in inngest.Input[order]) (int, error) {
			total := 0
			for i, id := range ids {
				p, err := step.Run(ctx, id, func(ctx context.Context) (payload, error) { return makePayload(i), nil })
				if err != nil {
					return 0, err
				}
				total += len(p.Items)
			}
			return total, nil
		})
	require.NoError(tb, err)
	return fn
}

// sequentialHandler builds a serve handler for a function of n sequential
// step.Run calls, each returning a ~1 KB payload. Checkpointing is off so that a
// call that runs a new step answers 206 with its StepRun op.
func sequentialHandler(tb testing.TB, n int, mode inngest.Mode) http.Handler {
	tb.Helper()
	c, err := inngest.NewClient(inngest.ClientOptions{
		AppID: "bench", Mode: mode, SigningKey: benchSigningKey,
		Checkpoint: inngest.CheckpointOptions{Disabled: true},
	})
	require.NoError(tb, err)
	fn := sequentialFunction(tb, c, n)
	h, err := serve.New(c, serve.Options{}, fn)
	require.NoError(tb, err)
	return h
}

const callURL = "/api/inngest?fnId=bench-sequential&stepId=step"

// TestCallAnswers checks that the benchmarked calls answer what they should: 206
// with the StepRun op of step K+1 carrying its payload, signed or not.
func TestCallAnswers(t *testing.T) {
	t.Parallel()
	for _, k := range []int{0, 1, 10} {
		for _, signed := range []bool{false, true} {
			t.Run("memoized="+strconv.Itoa(k)+"/signed="+strconv.FormatBool(signed), func(t *testing.T) {
				t.Parallel()
				mode, hdr := inngest.ModeDev, http.Header{}
				body := callBody(t, memoizedSteps(k))
				if signed {
					mode = inngest.ModeCloud
					hdr.Set(wire.HeaderSignature, wire.Sign(benchSigningKey, time.Now(), body))
				}
				c := newCaller(t, sequentialHandler(t, k+1, mode), callURL, body, hdr)
				require.Equal(t, http.StatusPartialContent, c.do(), string(c.w.last))
				var ops []wire.Op
				require.NoError(t, json.Unmarshal(c.w.last, &ops))
				require.Len(t, ops, 1)
				require.Equal(t, wire.OpStepRun, ops[0].Op)
				require.Equal(t, wire.HashID(stepID(k), 0), ops[0].ID)
				var got payload
				require.NoError(t, json.Unmarshal(ops[0].Data, &got))
				require.Equal(t, makePayload(k), got)
			})
		}
	}
}

// TestPayloadSize pins the step payload at about 1 KB.
func TestPayloadSize(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(makePayload(1))
	require.NoError(t, err)
	require.InDelta(t, 1024, len(b), 200)
}

func BenchmarkCall(b *testing.B) {
	benchCalls(b, func(n int) http.Handler { return sequentialHandler(b, n, inngest.ModeDev) })
}

// benchCalls measures one call per memoCounts entry against the handler that
// handler(steps) builds: the body memoizes all steps but the last, so each call
// runs one new step and answers 206.
func benchCalls(b *testing.B, handler func(steps int) http.Handler) {
	for _, k := range memoCounts {
		b.Run("memoized="+strconv.Itoa(k), func(b *testing.B) {
			body := callBody(b, memoizedSteps(k))
			runCalls(b, newCaller(b, handler(k+1), callURL, body, nil), len(body))
		})
	}
}

// runCalls is the timed loop shared by the call benchmarks.
func runCalls(b *testing.B, c *caller, bodyLen int) {
	b.SetBytes(int64(bodyLen))
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		if code := c.do(); code != http.StatusPartialContent {
			b.Fatalf("status %d: %s", code, c.w.last)
		}
	}
	cpu.report(b)
}

func BenchmarkCallSigned(b *testing.B) {
	const k = 100
	b.Run("memoized="+strconv.Itoa(k), func(b *testing.B) {
		body := callBody(b, memoizedSteps(k))
		hdr := http.Header{}
		hdr.Set(wire.HeaderSignature, wire.Sign(benchSigningKey, time.Now(), body))
		runCalls(b, newCaller(b, sequentialHandler(b, k+1, inngest.ModeCloud), callURL, body, hdr), len(body))
	})
}

// floorEvent, floorCtx and floorRequest are the call request as a hand-written
// encoding/json program would decode it: typed envelope and event, steps raw.
type floorEvent struct {
	ID   string          `json:"id"`
	Name string          `json:"name"`
	Data order           `json:"data"`
	User json.RawMessage `json:"user"`
	TS   int64           `json:"ts"`
}

type floorCtx struct {
	Attempt      int    `json:"attempt"`
	DisableImm   bool   `json:"disable_immediate_execution"`
	Env          string `json:"env"`
	FnID         string `json:"fn_id"`
	MaxAttempts  int    `json:"max_attempts"`
	QiID         string `json:"qi_id"`
	RequestID    string `json:"request_id"`
	RunID        string `json:"run_id"`
	StepID       string `json:"step_id"`
	UseAPI       bool   `json:"use_api"`
	GenerationID int    `json:"generation_id"`
	Stack        struct {
		Current int      `json:"current"`
		Stack   []string `json:"stack"`
	} `json:"stack"`
}

type floorRequest struct {
	Ctx     floorCtx                   `json:"ctx"`
	Event   json.RawMessage            `json:"event"`
	Events  []json.RawMessage          `json:"events"`
	Steps   map[string]json.RawMessage `json:"steps"`
	UseAPI  bool                       `json:"use_api"`
	Version int                        `json:"version"`
}

// BenchmarkCallFloor is a floor BenchmarkCall is measured against: what a
// hand-written encoding/json program does with the same body (envelope with raw
// steps, then each step payload into its struct). It is a floor for that codec,
// not for the work: BenchmarkCallFloorSDKCodec does the same with the SDK's codecs.
func BenchmarkCallFloor(b *testing.B) {
	benchFloor(b, json.Unmarshal, json.Unmarshal)
}

// BenchmarkCallFloorSDKCodec is BenchmarkCallFloor decoded with the codecs the SDK
// uses: jsoncodec.UnmarshalWire for the envelope, jsoncodec.Unmarshal
// (encoding/json) for each step payload, a user value. BenchmarkCall compared with
// it measures the SDK's own work and not the choice of codec.
func BenchmarkCallFloorSDKCodec(b *testing.B) {
	benchFloor(b, jsoncodec.UnmarshalWire, jsoncodec.Unmarshal)
}

// BenchmarkCallFloorFastCodec decodes the step payloads with the envelope's faster
// codec too, as the SDK did before its user values went to encoding/json: the
// difference from BenchmarkCallFloorSDKCodec is what keeping encoding/json's
// semantics for user values costs.
func BenchmarkCallFloorFastCodec(b *testing.B) {
	benchFloor(b, jsoncodec.UnmarshalWire, jsoncodec.UnmarshalWire)
}

// benchFloor decodes the call body of each memoCounts like a hand-written program:
// the envelope with the event and the steps raw (with envelope), then the event
// and each step payload into its struct (with memo).
func benchFloor(b *testing.B, envelope, memo func([]byte, any) error) {
	for _, k := range memoCounts {
		b.Run("memoized="+strconv.Itoa(k), func(b *testing.B) {
			body := callBody(b, memoizedSteps(k))
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			cpu := startCPU()
			for b.Loop() {
				var req floorRequest
				if err := envelope(body, &req); err != nil {
					b.Fatal(err)
				}
				var ev floorEvent // the event's data is a user value
				if err := memo(req.Event, &ev); err != nil {
					b.Fatal(err)
				}
				for _, raw := range req.Steps {
					var m struct {
						Data payload `json:"data"`
					}
					if err := memo(raw, &m); err != nil {
						b.Fatal(err)
					}
					sink = m.Data.Items
				}
			}
			cpu.report(b)
		})
	}
}
