package realtime_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/realtime"
	"github.com/seed-b02f2472/inngest-go/step"
)

type stage struct {
	Ticket int    `json:"ticket"`
	Stage  string `json:"stage" jsonschema:"enum=validated,enum=assigned,enum=done"`
}

var stageTopic = realtime.Define[stage]("stage")

// next reads the next message or error from a pulled iterator within 10 s.
func next[T any](t *testing.T, pull func() (T, error, bool)) (T, error) {
	t.Helper()
	type res struct {
		v   T
		err error
		ok  bool
	}
	ch := make(chan res, 1)
	go func() { v, err, ok := pull(); ch <- res{v, err, ok} }()
	select {
	case r := <-ch:
		require.True(t, r.ok, "the iterator ended")
		return r.v, r.err
	case <-time.After(10 * time.Second):
		// Not t.Fatal: the deferred stop of the pulled iterator would wait for
		// the goroutine still in pull. A panic shows every goroutine instead.
		panic(t.Name() + ": no message within 10 s")
	}
}

func TestDefine(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "$run", "a\nb", strings.Repeat("x", 257)} {
		_, err := realtime.NewTopic[stage](bad)
		require.ErrorIs(t, err, realtime.ErrInvalidTopic, bad)
	}
	require.Panics(t, func() { realtime.Define[stage]("") })
	ref := stageTopic.On("ticket:1")
	require.Equal(t, "ticket:1", ref.Channel())
	require.Equal(t, "stage", ref.Topic())
	require.NotNil(t, stageTopic.Schema())
	require.NoError(t, stageTopic.Validate(stage{Ticket: 1, Stage: "validated"}))
	require.ErrorIs(t, stageTopic.Validate(stage{Ticket: 1, Stage: "lost"}), events.ErrInvalidData)
	require.NoError(t, realtime.Define[stage]("loose", realtime.WithoutValidation()).Validate(stage{Stage: "lost"}))
}

// Publishing and subscribing through the engine's real endpoints, over both
// transports: the typed subscriber gets the typed value; a publish that
// fails the schema is refused before it is sent.
func TestPublishSubscribe(t *testing.T) {
	t.Parallel()
	for _, tr := range []realtime.Transport{realtime.WebSocket, realtime.SSE} {
		t.Run(string(tr), func(t *testing.T) {
			t.Parallel()
			env := inngesttest.Start(t, inngesttest.Options{})
			rt := realtime.New(env.Client())
			ref := stageTopic.On("ticket:7")
			sub, err := realtime.Subscribe(t.Context(), rt, ref, realtime.SubscribeOptions{Transport: tr})
			require.NoError(t, err)
			defer sub.Close()
			pull, stop := iterPull(sub.Messages(t.Context()))
			defer stop()
			require.ErrorIs(t, realtime.Publish(t.Context(), rt, ref, stage{Ticket: 7, Stage: "lost"}), events.ErrInvalidData)
			require.NoError(t, realtime.Publish(t.Context(), rt, ref, stage{Ticket: 7, Stage: "validated"}, realtime.PublishOptions{RunID: "01KBZ0000000000000000000RT"}))
			require.NoError(t, rt.PublishRaw(t.Context(), "ticket:7", "other", []byte(`{}`), realtime.PublishOptions{}))
			require.NoError(t, realtime.Publish(t.Context(), rt, ref, stage{Ticket: 7, Stage: "assigned"}))
			m, err := next(t, pull)
			require.NoError(t, err)
			require.Equal(t, realtime.KindData, m.Kind)
			require.Equal(t, stage{Ticket: 7, Stage: "validated"}, m.Value)
			require.Equal(t, "01KBZ0000000000000000000RT", m.RunID)
			require.False(t, m.CreatedAt.IsZero())
			m, err = next(t, pull)
			require.NoError(t, err)
			require.Equal(t, "assigned", m.Value.Stage)
			require.ErrorIs(t, rt.PublishRaw(t.Context(), "c", "t", make([]byte, realtime.MaxMessageSize+1), realtime.PublishOptions{}), realtime.ErrTooLarge)
		})
	}
}

// A streamed publish arrives as datastream-start, chunks of at most 1024
// bytes that put the body back together, and datastream-end.
func TestStream(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	rt := realtime.New(env.Client())
	sub, err := rt.Subscribe(t.Context(), "answer:1", []string{"tokens"}, realtime.SubscribeOptions{})
	require.NoError(t, err)
	defer sub.Close()
	pull, stop := iterPull(sub.Messages(t.Context()))
	defer stop()
	body := strings.Repeat("token ", 500)
	require.NoError(t, rt.Stream(t.Context(), "answer:1", "tokens", strings.NewReader(body), realtime.PublishOptions{}))
	m, err := next(t, pull)
	require.NoError(t, err)
	require.Equal(t, realtime.KindDataStreamStart, m.Kind)
	id := m.StreamID
	require.NotEmpty(t, id)
	var got strings.Builder
	for {
		m, err = next(t, pull)
		require.NoError(t, err)
		require.Equal(t, id, m.StreamID)
		if m.Kind == realtime.KindDataStreamEnd {
			break
		}
		require.Equal(t, realtime.KindChunk, m.Kind)
		require.LessOrEqual(t, len(m.Chunk()), realtime.ChunkSize)
		got.WriteString(m.Chunk())
	}
	require.Equal(t, body, got.String())
}

// PublishStep publishes once per run although the function is called again
// for each later step; a plain Publish in the function's body is sent on
// every call (it is not durable).
func TestPublishStepIsMemoized(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{Client: inngest.ClientOptions{Checkpoint: inngest.CheckpointOptions{Disabled: true}}})
	rt := realtime.New(env.Client())
	started := events.Define[struct {
		N int `json:"n"`
	}]("test/ticket.opened")
	durable, plain := stageTopic.On("durable"), stageTopic.On("plain")
	fn, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "pipeline"}, inngest.OnEvent(started),
		func(ctx context.Context, in inngest.Input[struct {
			N int `json:"n"`
		}]) (string, error) {
			if _, err := realtime.PublishStep(ctx, "publish-validated", durable, stage{Ticket: in.Event.Data.N, Stage: "validated"}); err != nil {
				return "", err
			}
			if err := realtime.Publish(ctx, rt, plain, stage{Ticket: in.Event.Data.N, Stage: "validated"}); err != nil {
				return "", err
			}
			for _, id := range []string{"a", "b", "c"} {
				if _, err := step.Run(ctx, id, func(context.Context) (string, error) { return id, nil }); err != nil {
					return "", err
				}
			}
			if _, err := realtime.PublishStep(ctx, "publish-done", durable, stage{Ticket: in.Event.Data.N, Stage: "done"}); err != nil {
				return "", err
			}
			return "ok", nil
		})
	require.NoError(t, err)
	env.Serve(fn)
	dsub, err := realtime.Subscribe(t.Context(), rt, durable, realtime.SubscribeOptions{})
	require.NoError(t, err)
	defer dsub.Close()
	psub, err := realtime.Subscribe(t.Context(), rt, plain, realtime.SubscribeOptions{})
	require.NoError(t, err)
	defer psub.Close()
	ids := env.Send(t, started.New(struct {
		N int `json:"n"`
	}{N: 3}))
	run := env.WaitForRun(t, ids[0])
	require.Equal(t, "Completed", string(run.Status))

	dpull, dstop := iterPull(dsub.Messages(t.Context()))
	defer dstop()
	m, err := next(t, dpull)
	require.NoError(t, err)
	require.Equal(t, "validated", m.Value.Stage)
	require.Equal(t, run.ID, m.RunID)
	m, err = next(t, dpull)
	require.NoError(t, err)
	require.Equal(t, "done", m.Value.Stage, "the durable publish was sent once, then the next one")

	ppull, pstop := iterPull(psub.Messages(t.Context()))
	defer pstop()
	for range 4 { // one per call of the function: before steps a, b, c and the last publish
		m, err = next(t, ppull)
		require.NoError(t, err)
		require.Equal(t, "validated", m.Value.Stage)
	}
}

// Tokens are minted with the signing key, and with the fallback key when
// the server refuses the signing key (401); a subscription to a topic the
// token does not grant delivers nothing of it.
func TestTokenFallbackKey(t *testing.T) {
	t.Parallel()
	const key = "signkey-test-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
	eng, err := engine.New(engine.Options{SigningKey: key})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Close() })
	srv := httptest.NewServer(eng.Handler())
	defer srv.Close()
	wrong, err := inngest.NewClient(inngest.ClientOptions{AppID: "a", SigningKey: "signkey-test-ffff", BaseURL: srv.URL})
	require.NoError(t, err)
	_, err = realtime.New(wrong).Token(t.Context(), "c", "t")
	require.ErrorIs(t, err, inngest.ErrUnauthorized)
	rotated, err := inngest.NewClient(inngest.ClientOptions{AppID: "a", SigningKey: "signkey-test-ffff", SigningKeyFallback: key, BaseURL: srv.URL})
	require.NoError(t, err)
	rt := realtime.New(rotated)
	tok, err := rt.Token(t.Context(), "c", "t")
	require.NoError(t, err)
	cl, err := realtime.ParseToken(tok.Key)
	require.NoError(t, err)
	require.Equal(t, []realtime.TokenTopic{{Kind: "run", EnvID: cl.Env, Channel: "c", Name: "t"}}, cl.Topics)
	require.False(t, cl.Publish)
	require.Equal(t, 60*time.Second, cl.Expires.Sub(cl.IssuedAt))
	require.Equal(t, cl.Expires, tok.Expires)
	// A token for "t" does not read "secret".
	sub, err := rt.Subscribe(t.Context(), "c", nil, realtime.SubscribeOptions{Token: &tok})
	require.NoError(t, err)
	defer sub.Close()
	pull, stop := iterPull(sub.Messages(t.Context()))
	defer stop()
	require.NoError(t, rt.PublishRaw(t.Context(), "c", "secret", []byte(`1`), realtime.PublishOptions{}))
	require.NoError(t, rt.PublishRaw(t.Context(), "c", "t", []byte(`2`), realtime.PublishOptions{}))
	m, err := next(t, pull)
	require.NoError(t, err)
	require.Equal(t, "t", m.Topic)
	require.JSONEq(t, `2`, string(m.Data))
	// Asking a token for what it does not grant is refused before connecting.
	_, err = rt.Subscribe(t.Context(), "other", nil, realtime.SubscribeOptions{Token: &tok})
	require.ErrorIs(t, err, realtime.ErrInvalidTopic)
	_, err = rt.Subscribe(t.Context(), "c", []string{"secret"}, realtime.SubscribeOptions{Token: &tok})
	require.ErrorIs(t, err, realtime.ErrInvalidTopic)
	// A forged token is refused with 401.
	forged := tok
	forged.Key = tok.Key[:strings.LastIndexByte(tok.Key, '.')+1] + "AAAA"
	_, err = rt.Subscribe(t.Context(), "c", nil, realtime.SubscribeOptions{Token: &forged, Transport: realtime.SSE})
	require.ErrorIs(t, err, inngest.ErrUnauthorized)
	_, err = rt.Subscribe(t.Context(), "c", nil, realtime.SubscribeOptions{Token: &forged})
	require.ErrorIs(t, err, inngest.ErrUnauthorized)
}

// cutter is a TCP proxy whose connections can be cut.
type cutter struct {
	ln     net.Listener
	mu     sync.Mutex
	conns  []net.Conn
	closed bool
	wg     sync.WaitGroup
}

func newCutter(t *testing.T, target string) *cutter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	c := &cutter{ln: ln}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			c.mu.Lock()
			if c.closed {
				c.mu.Unlock()
				in.Close()
				out.Close()
				continue
			}
			c.conns = append(c.conns, in, out)
			c.mu.Unlock()
			c.wg.Add(2)
			go func() { defer c.wg.Done(); _, _ = io.Copy(out, in); out.Close() }()
			go func() { defer c.wg.Done(); _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		c.mu.Lock()
		c.closed = true
		c.mu.Unlock()
		c.cut()
		c.wg.Wait()
	})
	return c
}

func (c *cutter) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, x := range c.conns {
		x.Close()
	}
	c.conns = nil
}

// A dropped connection is reconnected with a fresh token; Messages says
// ErrGap (what was published meanwhile is lost) and goes on. Cancelling ctx
// ends Messages without an error.
func TestReconnect(t *testing.T) {
	t.Parallel()
	for _, tr := range []realtime.Transport{realtime.WebSocket, realtime.SSE} {
		t.Run(string(tr), func(t *testing.T) {
			t.Parallel()
			env := inngesttest.Start(t, inngesttest.Options{})
			px := newCutter(t, strings.TrimPrefix(env.URL(), "http://"))
			c := env.NewClient(t, inngest.ClientOptions{AppID: "sub"})
			via, err := inngest.NewClient(inngest.ClientOptions{AppID: "sub", Mode: inngest.ModeDev, BaseURL: "http://" + px.ln.Addr().String()})
			require.NoError(t, err)
			pub, rt := realtime.New(c), realtime.New(via)
			ref := stageTopic.On("t:1")
			ctx, cancel := context.WithCancel(t.Context())
			sub, err := realtime.Subscribe(ctx, rt, ref, realtime.SubscribeOptions{Transport: tr, Backoff: 10 * time.Millisecond})
			require.NoError(t, err)
			defer sub.Close()
			pull, stop := iterPull(sub.Messages(ctx))
			defer stop()
			require.NoError(t, realtime.Publish(t.Context(), pub, ref, stage{Stage: "validated"}))
			m, err := next(t, pull)
			require.NoError(t, err)
			require.Equal(t, "validated", m.Value.Stage)
			px.cut()
			_, err = next(t, pull)
			require.ErrorIs(t, err, realtime.ErrGap)
			// Publish until the new connection delivers.
			done := make(chan struct{})
			go func() {
				for {
					select {
					case <-done:
						return
					case <-time.After(20 * time.Millisecond):
						_ = realtime.Publish(context.Background(), pub, ref, stage{Stage: "assigned"})
					}
				}
			}()
			m, err = next(t, pull)
			close(done)
			require.NoError(t, err)
			require.Equal(t, "assigned", m.Value.Stage)
			cancel()
			_, _, ok := pull()
			for ok { // drain what was queued; the iterator then ends without an error
				_, err, ok = pull()
				if ok {
					require.NoError(t, err)
				}
			}
		})
	}
}

// Without reconnects, a drop ends Messages with the error.
func TestNoReconnect(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	px := newCutter(t, strings.TrimPrefix(env.URL(), "http://"))
	via, err := inngest.NewClient(inngest.ClientOptions{AppID: "sub", Mode: inngest.ModeDev, BaseURL: "http://" + px.ln.Addr().String()})
	require.NoError(t, err)
	sub, err := realtime.Subscribe(t.Context(), realtime.New(via), stageTopic.On("x"), realtime.SubscribeOptions{MaxReconnects: -1})
	require.NoError(t, err)
	defer sub.Close()
	pull, stop := iterPull(sub.Messages(t.Context()))
	defer stop()
	px.cut()
	_, err = next(t, pull)
	require.Error(t, err)
	require.False(t, errors.Is(err, realtime.ErrGap))
	_, _, ok := pull()
	require.False(t, ok)
}

// The SSE relay streams a channel to a plain HTTP client (a browser) and the
// token handler hands out a token the browser can subscribe with directly;
// a resolver's refusal is a 403 (or its own status).
func TestHandlers(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	rt := realtime.New(env.Client())
	resolve := func(r *http.Request) (string, []string, error) {
		id := r.URL.Query().Get("ticket")
		switch id {
		case "":
			return "", nil, errors.New("not your ticket")
		case "gone":
			return "", nil, &realtime.HTTPError{Status: http.StatusNotFound, Message: "no such ticket"}
		}
		return "ticket:" + id, []string{"stage"}, nil
	}
	mux := http.NewServeMux()
	mux.Handle("/events", rt.SSEHandler(resolve))
	mux.Handle("/token", rt.TokenHandler(resolve))
	app := httptest.NewServer(mux)
	defer app.Close()

	for path, want := range map[string]int{"/events": 403, "/token": 403, "/events?ticket=gone": 404, "/token?ticket=gone": 404} {
		resp, err := http.Get(app.URL + path)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, want, resp.StatusCode, path)
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, app.URL+"/events?ticket=9", nil)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	frames := make(chan []byte, 8)
	go func() {
		_ = realtime.ReadSSE(resp.Body, func(b []byte) bool { frames <- b; return true })
		close(frames)
	}()
	ref := stageTopic.On("ticket:9")
	publishUntil := func(ch chan []byte) []byte {
		for {
			require.NoError(t, realtime.Publish(t.Context(), rt, ref, stage{Ticket: 9, Stage: "assigned"}))
			select {
			case b := <-ch:
				return b
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	m, err := realtime.DecodeMessage(publishUntil(frames))
	require.NoError(t, err)
	require.Equal(t, "ticket:9", m.Channel)
	require.JSONEq(t, `{"ticket":9,"stage":"assigned"}`, string(m.Data))
	cancel()

	tresp, err := http.Get(app.URL + "/token?ticket=9")
	require.NoError(t, err)
	defer tresp.Body.Close()
	require.Equal(t, http.StatusOK, tresp.StatusCode)
	var tok realtime.Token
	require.NoError(t, decodeJSON(tresp.Body, &tok))
	require.Equal(t, "ticket:9", tok.Channel)
	require.Equal(t, []string{"stage"}, tok.Topics)
	sub, err := realtime.Subscribe(t.Context(), rt, ref, realtime.SubscribeOptions{Token: &tok, Transport: realtime.SSE})
	require.NoError(t, err)
	defer sub.Close()
	pull, stop := iterPull(sub.Messages(t.Context()))
	defer stop()
	require.NoError(t, realtime.Publish(t.Context(), rt, ref, stage{Ticket: 9, Stage: "done"}))
	got, err := next(t, pull)
	require.NoError(t, err)
	require.Equal(t, "done", got.Value.Stage)
}
