package connectgw

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/internal/connectproto"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// recording is one scenario of testdata/connect (see its README).
type recording struct {
	Scenario string `json:"scenario"`
	HTTP     []struct {
		Path        string          `json:"path"`
		Request     json.RawMessage `json:"request"`
		Status      int             `json:"status"`
		Response    json.RawMessage `json:"response"`
		RawResponse string          `json:"raw_response"`
	} `json:"http"`
	Frames []struct {
		From    string          `json:"from"`
		Kind    string          `json:"kind"`
		Payload json.RawMessage `json:"payload"`
		Note    string          `json:"note"`
	} `json:"frames"`
	Close string `json:"close"`
}

// idFields are the payload fields whose values differ from run to run: the
// replay maps each recorded value to the one this gateway produced.
var idFields = map[string]bool{"request_id": true, "lease_id": true, "new_lease_id": true, "run_id": true, "job_id": true, "connection_id": true}

// replayer drives one recording against the gateway: it sends the recorded
// worker frames (with the recorded IDs replaced by this run's) and checks
// that the gateway answers with the recorded frames, field for field.
type replayer struct {
	t   *testing.T
	e   *env
	c   *client
	ids map[string]string // recorded → live
	// event is the trigger of the connected app's first function.
	event string
	sent  bool
	runID string // live
	// output is the body of the last DONE reply sent.
	output []byte
}

// TestReplayRecordings replays every recording of the real gateway in
// testdata/connect against this gateway.
func TestReplayRecordings(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../testdata/connect/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			var rec recording
			require.NoError(t, json.Unmarshal(b, &rec))
			r := &replayer{t: t, e: newEnv(t, engine.Options{}, Options{}), ids: map[string]string{}}
			r.replay(&rec)
		})
	}
}

func (r *replayer) replay(rec *recording) {
	t := r.t
	require.Equal(t, "/v0/connect/start", rec.HTTP[0].Path)
	r.start(rec.HTTP[0].Response)
	for i, f := range rec.Frames {
		kind := connectproto.GatewayMessageType(connectproto.GatewayMessageType_value[f.Kind])
		require.Equal(t, f.Kind, kind.String(), "frame %d", i)
		if f.From == "worker" {
			r.sendWorker(kind, f.Payload, f.Note)
			continue
		}
		if kind == connectproto.GatewayMessageType_GATEWAY_HELLO {
			continue // dial read it
		}
		if kind == connectproto.GatewayMessageType_GATEWAY_CLOSING && strings.HasPrefix(rec.Close, "after SIGTERM") {
			go func() { _ = r.e.gw.Close() }() // the recorder's SIGTERM
		}
		if kind == connectproto.GatewayMessageType_GATEWAY_EXECUTOR_REQUEST && !r.sent {
			_, err := r.e.eng.SendJSON(context.Background(), []byte(`{"name":"`+r.event+`","data":{"at":1}}`))
			require.NoError(t, err)
			r.sent = true
		}
		m := r.c.read()
		require.Equal(t, kind, m.Kind, "frame %d (%s)", i, f.Note)
		r.compare(kind, f.Payload, m.Payload, i)
	}
	var flushed []byte
	for _, h := range rec.HTTP[1:] {
		require.Equal(t, connectproto.FlushPath, h.Path)
		var resp connectproto.SDKResponse
		require.NoError(t, protojson.Unmarshal(r.subst(h.Request), &resp))
		status, body := r.e.post(h.Path, "dev", mustProtoT(&resp))
		require.Equal(t, h.Status, status, string(body))
		if status != 200 {
			require.JSONEq(t, h.RawResponse, string(body))
			continue
		}
		var fr connectproto.FlushResponse
		require.NoError(t, proto.Unmarshal(body, &fr))
		want := map[string]any{}
		require.NoError(t, json.Unmarshal(h.Response, &want))
		require.Equal(t, r.ids[want["request_id"].(string)], fr.RequestId)
		flushed = resp.Body
	}
	r.finish(rec.Close)
	if flushed != nil {
		r.output = flushed
	}
	if r.runID != "" && r.output != nil { // the run completed with the worker's reply
		run := r.e.waitRun(r.runID)
		require.Equal(t, runtype.StatusCompleted, run.Status)
		require.JSONEq(t, string(r.output), string(run.Output))
	}
}

// start posts /v0/connect/start as the recorder did (Bearer dev) and dials.
func (r *replayer) start(recorded json.RawMessage) {
	t := r.t
	var want map[string]any
	require.NoError(t, json.Unmarshal(recorded, &want))
	r.c = r.e.dial("dev")
	sr := r.c.sr
	require.Equal(t, want["gateway_group"], sr.GatewayGroup)
	require.Equal(t, want["sync_token"], sr.SyncToken)
	require.True(t, strings.HasSuffix(sr.GatewayEndpoint, "/v0/connect"), sr.GatewayEndpoint)
	require.True(t, strings.HasSuffix(want["gateway_endpoint"].(string), "/v0/connect"))
	_, err := wire.ULIDTime(sr.ConnectionId)
	require.NoError(t, err)
	r.ids[want["connection_id"].(string)] = sr.ConnectionId
	r.ids["<session jwt>"] = sr.SessionToken
}

// subst replaces the recorded IDs in a recorded payload by the live ones.
func (r *replayer) subst(raw json.RawMessage) []byte {
	var v any
	require.NoError(r.t, json.Unmarshal(raw, &v))
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "\u003csession jwt\u003e" reads as "<session jwt>"
	require.NoError(r.t, enc.Encode(v))
	out := buf.String()
	keys := make([]string, 0, len(r.ids))
	for k := range r.ids {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	for _, k := range keys {
		out = strings.ReplaceAll(out, k, r.ids[k])
	}
	return []byte(out)
}

var badBytesNote = regexp.MustCompile(`bytes ((?:[0-9a-f]{2} ?)+)`)

func (r *replayer) sendWorker(kind connectproto.GatewayMessageType, payload json.RawMessage, note string) {
	t := r.t
	if len(payload) == 0 {
		if m := badBytesNote.FindStringSubmatch(note); m != nil {
			var raw []byte
			for _, h := range strings.Fields(m[1]) {
				var v byte
				for _, ch := range h {
					v = v<<4 | byte(strings.IndexRune("0123456789abcdef", ch))
				}
				raw = append(raw, v)
			}
			r.c.sendRaw(envelope(kind, raw))
			return
		}
		r.c.send(kind, nil)
		return
	}
	msg := connectproto.NewPayload(kind)
	require.NotNil(t, msg, kind.String())
	require.NoError(t, protojson.Unmarshal(r.subst(payload), msg))
	if d, ok := msg.(*connectproto.SDKResponse); ok && d.Status == connectproto.SDKResponseStatus_DONE {
		r.output = d.Body
	}
	if d, ok := msg.(*connectproto.WorkerConnectRequestData); ok {
		var fns []struct {
			Triggers []struct {
				Event string `json:"event"`
			} `json:"triggers"`
		}
		require.NoError(t, json.Unmarshal(d.Apps[0].Functions, &fns))
		r.event = fns[0].Triggers[0].Event
	}
	r.c.send(kind, msg)
}

// compare checks a gateway payload against the recorded one: the same
// fields; IDs consistent with the ones seen before; trace contexts JSON
// objects; the request payload the same JSON shape; everything else equal.
func (r *replayer) compare(kind connectproto.GatewayMessageType, recorded json.RawMessage, live []byte, i int) {
	t := r.t
	msg := connectproto.NewPayload(kind)
	if msg == nil {
		require.Empty(t, live, "frame %d", i)
		require.Empty(t, recorded, "frame %d", i)
		return
	}
	require.NoError(t, proto.Unmarshal(live, msg))
	lb, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(msg)
	require.NoError(t, err)
	var want, got map[string]any
	require.NoError(t, json.Unmarshal(recorded, &want))
	require.NoError(t, json.Unmarshal(lb, &got))
	require.Equal(t, sortedKeys(want), sortedKeys(got), "frame %d %s: fields", i, kind)
	for k, wv := range want {
		gv := got[k]
		switch {
		case idFields[k]:
			ws, gs := wv.(string), gv.(string)
			if prev, ok := r.ids[ws]; ok {
				require.Equal(t, prev, gs, "frame %d %s.%s", i, kind, k)
			} else {
				r.ids[ws] = gs
			}
			if k == "run_id" {
				r.runID = gs
			}
		case k == "function_id":
			require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, gv)
		case k == "system_trace_ctx" || k == "user_trace_ctx":
			b, err := base64.StdEncoding.DecodeString(gv.(string))
			require.NoError(t, err)
			var obj map[string]any
			require.NoError(t, json.Unmarshal(b, &obj), "frame %d %s.%s is a JSON object", i, kind, k)
		case k == "request_payload":
			wb, _ := base64.StdEncoding.DecodeString(wv.(string))
			gb, _ := base64.StdEncoding.DecodeString(gv.(string))
			require.Equal(t, jsonShape(t, wb), jsonShape(t, gb), "frame %d request_payload", i)
		default:
			require.Equal(t, wv, gv, "frame %d %s.%s", i, kind, k)
		}
	}
}

// jsonShape lists the key paths of a JSON document (values left out), with
// ctx's values kept for the keys that do not vary between runs.
func jsonShape(t *testing.T, b []byte) []string {
	var v any
	require.NoError(t, json.Unmarshal(b, &v))
	var out []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if m, ok := v.(map[string]any); ok {
			for k, c := range m {
				walk(prefix+"."+k, c)
			}
			return
		}
		switch prefix {
		case ".ctx.attempt", ".ctx.step_id", ".ctx.use_api", ".use_api", ".ctx.disable_immediate_execution", ".ctx.env":
			b, _ := json.Marshal(v)
			out = append(out, prefix+"="+string(b))
		default:
			out = append(out, prefix)
		}
	}
	walk("", v)
	sort.Strings(out)
	return out
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// closeRe reads the recording's "gateway closed: code N reason "X"".
var closeRe = regexp.MustCompile(`^gateway closed: code (\d+) reason "(.*)"$`)

// finish ends the socket as the recording did and checks how it ended.
func (r *replayer) finish(how string) {
	t := r.t
	switch {
	case how == "worker closed 1000 WORKER_SHUTDOWN":
		require.NoError(t, r.c.ws.Close(websocket.StatusNormalClosure, connectproto.WorkerDisconnectReason_WORKER_SHUTDOWN.String()))
		require.Eventually(t, func() bool { return len(r.e.gw.Connections()) == 0 }, testBound, 5*time.Millisecond)
	case strings.HasPrefix(how, "after SIGTERM"):
		require.NoError(t, r.e.gw.Close())
		_, err := r.c.readFrame() // no GATEWAY_CLOSING, no close frame
		require.Error(t, err)
		require.Equal(t, websocket.StatusCode(-1), websocket.CloseStatus(err), err.Error())
	default:
		m := closeRe.FindStringSubmatch(how)
		require.NotNil(t, m, "unknown close %q", how)
		ce := r.c.readClose()
		require.Equal(t, m[1], strconv.Itoa(int(ce.Code)))
		require.Equal(t, m[2], ce.Reason)
	}
}
