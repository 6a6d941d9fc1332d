package encryption_test

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/seed-b02f2472/inngest-go/runtype"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/sqlitestore"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/middleware/encryption"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

// wireLog keeps every byte that crossed HTTP between the SDK and the engine.
type wireLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *wireLog) add(b []byte) {
	w.mu.Lock()
	w.buf.Write(b)
	w.buf.WriteByte('\n')
	w.mu.Unlock()
}

func (w *wireLog) bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Clone(w.buf.Bytes())
}

// recordingTransport logs request and response bodies of outbound requests.
type recordingTransport struct{ log *wireLog }

func (rt recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		rt.log.add(b)
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	rt.log.add(b)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

type payment struct {
	Order     string      `json:"order"`
	Encrypted paymentCard `json:"encrypted"`
}

type paymentCard struct {
	Card   string `json:"card"`
	Amount int    `json:"amount"`
}

var paymentRequested = events.Define[payment]("shop/payment.requested")

const (
	plainCard    = "4242-4242-4242-4242"
	plainReceipt = "receipt-for-4242"
	plainOutput  = "charged-4242"
)

// TestEncryptedRunStoresNoPlaintext runs a paying function with the encryption
// middleware on the embedded engine backed by SQLite, with every HTTP body (the
// sent event, the calls and their answers, checkpoints) recorded: the card, the
// step's result and the function's output appear in none of them, nor in the
// database file, while the function sees them in clear and completes.
func TestEncryptedRunStoresNoPlaintext(t *testing.T) {
	t.Parallel()
	log := &wireLog{}
	httpc := &http.Client{Transport: recordingTransport{log: log}}
	dbPath := filepath.Join(t.TempDir(), "engine.db")
	store, err := sqlitestore.Open(dbPath)
	require.NoError(t, err)
	eng, err := engine.New(engine.Options{Store: store, HTTPClient: httpc, Retention: -1})
	require.NoError(t, err)
	api := httptest.NewServer(eng.Handler())
	defer api.Close()

	enc, err := encryption.New(encryption.Options{Key: "new-key", FallbackKeys: []string{"old-key"}})
	require.NoError(t, err)
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "shop", Mode: inngest.ModeDev, BaseURL: api.URL,
		HTTPClient: httpc, Middleware: []*inngest.Middleware{enc}})
	require.NoError(t, err)
	var seen sync.Map
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "charge"}, inngest.OnEvent(paymentRequested),
		func(ctx context.Context, in inngest.Input[payment]) (string, error) {
			seen.Store("card", in.Event.Data.Encrypted.Card)
			receipt, err := step.Run(ctx, "charge-card", func(ctx context.Context) (string, error) {
				return "receipt-for-" + in.Event.Data.Encrypted.Card[:4], nil
			})
			if err != nil {
				return "", err
			}
			// A second step, so that the first comes back memoized (sealed).
			n, err := step.Run(ctx, "record", func(ctx context.Context) (int, error) { return len(receipt), nil })
			if err != nil {
				return "", err
			}
			seen.Store("receipt", receipt)
			seen.Store("n", n)
			return "charged-" + in.Event.Data.Encrypted.Card[:4], nil
		})
	require.NoError(t, err)
	h, err := serve.New(c, serve.Options{}, fn)
	require.NoError(t, err)
	app := httptest.NewServer(h)
	defer app.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, eng.Sync(ctx, app.URL+"/api/inngest"))

	ids, err := c.Send(ctx, paymentRequested.New(payment{Order: "o-1", Encrypted: paymentCard{Card: plainCard, Amount: 1999}}))
	require.NoError(t, err)
	var run runtype.Run
	require.Eventually(t, func() bool {
		runs := must(eng.RunsForEvent(ids[0]))
		if len(runs) == 1 && runs[0].Status.Done() {
			run = runs[0]
			return true
		}
		return false
	}, 30*time.Second, 5*time.Millisecond)
	require.Equal(t, runtype.StatusCompleted, run.Status, string(run.Output))
	card, _ := seen.Load("card")
	receipt, _ := seen.Load("receipt")
	require.Equal(t, plainCard, card)
	require.Equal(t, plainReceipt, receipt)

	// The output opens to the function's result.
	out, err := mustBox(t).Open(run.Output)
	require.NoError(t, err)
	require.JSONEq(t, `"`+plainOutput+`"`, string(out))
	require.True(t, encryption.IsSealed(run.Output), string(run.Output))

	stored, err := json.Marshal(must(eng.Runs()))
	require.NoError(t, err)
	evs, err := json.Marshal(must(eng.Events(100)))
	require.NoError(t, err)
	require.NoError(t, eng.Close())
	require.NoError(t, store.Close())
	db := readAll(t, dbPath)
	wire := log.bytes()
	require.Contains(t, string(wire), "o-1", "the recorder saw the event")
	for name, blob := range map[string][]byte{"runs": stored, "events": evs, "database": db, "wire": wire} {
		for _, secret := range []string{plainCard, plainReceipt, plainOutput, "1999"} {
			require.NotContains(t, string(blob), secret, "%s holds %q in clear", name, secret)
		}
	}
}

func mustBox(t *testing.T) *encryption.Box {
	b, err := encryption.NewBox("new-key")
	require.NoError(t, err)
	return b
}

// readAll reads the database and its WAL and journal files, if any.
func readAll(t *testing.T, path string) []byte {
	var all []byte
	for _, p := range []string{path, path + "-wal", path + "-journal"} {
		b, err := os.ReadFile(p)
		if err == nil {
			all = append(all, b...)
		}
	}
	require.NotEmpty(t, all)
	return all
}
