package inngest

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// capturedInvokedEvent is the event of the real server's call to an invoked
// function, from the wire capture testdata/wire/invoke.jsonl.
func capturedInvokedEvent(t *testing.T) []byte {
	t.Helper()
	f, err := os.Open("../testdata/wire/invoke.jsonl")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			Dir     string          `json:"dir"`
			ReqBody json.RawMessage `json:"req_body"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line))
		var body struct {
			Event json.RawMessage `json:"event"`
		}
		if line.Dir == "server->sdk" && json.Unmarshal(line.ReqBody, &body) == nil && body.Event != nil {
			var ev struct {
				Name string `json:"name"`
			}
			require.NoError(t, json.Unmarshal(body.Event, &ev))
			if ev.Name == InvokeEventName {
				return body.Event
			}
		}
	}
	require.NoError(t, sc.Err())
	t.Fatal("no invoked event in the capture")
	return nil
}

// TestStripInvokeMeta: the captured invoked event loses data._inngest and keeps
// everything else; events of other names, and invoked events without the key,
// are returned as they are (the same bytes).
func TestStripInvokeMeta(t *testing.T) {
	t.Parallel()
	raw := capturedInvokedEvent(t)
	require.Contains(t, string(raw), `"_inngest":{"correlation_id"`)
	got := stripInvokeMeta(raw)
	var before, after map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &before))
	require.NoError(t, json.Unmarshal(got, &after))
	require.Equal(t, len(before), len(after))
	for k, v := range before {
		if k != "data" {
			require.JSONEq(t, string(v), string(after[k]), k)
		}
	}
	require.JSONEq(t, `{"numbers":[1,2,3,4]}`, string(after["data"]))

	for _, same := range []string{
		`{"name":"inngest/function.failed","data":{"_inngest":{"status":"Failed"},"a":1}}`,
		`{"name":"inngest/function.invoked","data":{"a":"_inngest"}}`,
		`{"name":"inngest/function.invoked","data":{"a":{"_inngest":1}}}`,
		`{"name":"inngest/function.invoked","data":"_inngest"}`,
		`{"name":"inngest/function.invoked","data":{"_inngest":`,
		`"_inngest"`,
	} {
		in := []byte(same)
		out := stripInvokeMeta(in)
		require.Equal(t, same, string(out))
		require.Same(t, &in[0], &out[0], "not copied: %s", same)
	}
}

// FuzzStripInvokeMeta: any bytes give either the input itself or valid JSON of
// an invoked event whose data has no "_inngest" member.
func FuzzStripInvokeMeta(f *testing.F) {
	f.Add([]byte(`{"name":"inngest/function.invoked","data":{"_inngest":{"fn_id":"x"},"k":"v"}}`))
	f.Add([]byte(`{"name":"inngest/function.invoked","data":{"_inngest":1,"_inngest":2}}`))
	f.Add([]byte(`{"name":"app/x","data":{"_inngest":{}}}`))
	f.Add([]byte(`[{"_inngest":1}]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		out := stripInvokeMeta(raw)
		if string(out) == string(raw) {
			return
		}
		var ev struct {
			Name string                     `json:"name"`
			Data map[string]json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(out, &ev); err != nil {
			t.Fatalf("changed into invalid JSON %q: %v", out, err)
		}
		if ev.Name != InvokeEventName {
			t.Fatalf("changed an event named %q", ev.Name)
		}
		if _, ok := ev.Data[invokeMetaKey]; ok {
			t.Fatalf("still has the key: %q", out)
		}
	})
}
