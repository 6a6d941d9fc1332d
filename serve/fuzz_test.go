package serve_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
)

// FuzzCallRequest posts arbitrary bodies to the handler (dev mode, every captured
// scenario's function): it must never panic and always answer JSON with the SDK
// headers. Seeds: testdata/fuzz/FuzzCallRequest and the captured calls.
func FuzzCallRequest(f *testing.F) {
	for _, name := range sortedKeys(replays) {
		if len(name) > 10 && name[:10] == "checkpoint" {
			continue
		}
		for _, c := range calls(loadCapture(f, name)) {
			u, _ := url.Parse(c.URL)
			f.Add(u.Query().Get("fnId"), u.Query().Get("stepId"), []byte(c.ReqBody))
		}
	}
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "wirecap", Mode: inngest.ModeDev, APIBaseURL: "http://127.0.0.1:1",
		SendRetries: -1, Checkpoint: inngest.CheckpointOptions{Disabled: true}, Logger: discardLogger()})
	if err != nil {
		f.Fatal(err)
	}
	var h *serve.Server
	f.Fuzz(func(t *testing.T, fnID, stepID string, body []byte) {
		if h == nil {
			h, err = serve.New(c, serve.Options{}, wireFunctions(t, c, &failureSeen{})...)
			if err != nil {
				t.Fatal(err)
			}
		}
		target := "/api/inngest?fnId=" + url.QueryEscape(fnID) + "&stepId=" + url.QueryEscape(stepID)
		rec := do(h, http.MethodPost, target, body, nil)
		if rec.Header().Get("X-Inngest-SDK") != sdkHeader || rec.Header().Get("X-Inngest-Req-Version") != "2" {
			t.Fatalf("missing SDK headers: %v", rec.Header())
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("status %d, body is not JSON: %q", rec.Code, rec.Body.String())
		}
		if rec.Code != 200 && rec.Code != 206 && rec.Header().Get("X-Inngest-No-Retry") == "" {
			t.Fatalf("status %d without X-Inngest-No-Retry", rec.Code)
		}
	})
}

// FuzzSignatureHeader sends arbitrary signature headers and bodies to a cloud-mode
// handler: it must never panic, and must run user code only when the header really
// verifies.
func FuzzSignatureHeader(f *testing.F) {
	body := call{}.body()
	f.Add(wire.Sign(testSigningKey, fixedNow, body), body)
	f.Add("t=1795734000&s="+string(make([]byte, 64)), body)
	f.Add("t=&s=", []byte(nil))
	f.Add("s=00&t=1&t=2", []byte("{}"))
	f.Add("t=99999999999999999999&s=0000000000000000000000000000000000000000000000000000000000000000", body)
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "wirecap", Mode: inngest.ModeCloud, SigningKey: testSigningKey,
		APIBaseURL: "http://127.0.0.1:1", Checkpoint: inngest.CheckpointOptions{Disabled: true}, Logger: discardLogger()})
	if err != nil {
		f.Fatal(err)
	}
	var h *serve.Server
	var cf *countingFn
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		if h == nil {
			cf = newCountingFn(t, c)
			h, err = serve.New(c, serve.Options{Now: func() time.Time { return fixedNow }}, cf.fn)
			if err != nil {
				t.Fatal(err)
			}
		}
		before := cf.runs.Load()
		rec := do(h, http.MethodPost, "/api/inngest?fnId=wirecap-counted&stepId=step", body, map[string]string{"X-Inngest-Signature": header})
		_, verr := wire.VerifySignature(header, body, fixedNow, testSigningKey, "")
		if verr != nil {
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("bad signature %q accepted: %d", header, rec.Code)
			}
			if cf.runs.Load() != before {
				t.Fatal("user code ran for a rejected request")
			}
		}
		if !json.Valid(rec.Body.Bytes()) || rec.Header().Get("X-Inngest-SDK") != sdkHeader {
			t.Fatalf("bad response %d %q", rec.Code, rec.Body.String())
		}
	})
}
