package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

// SignedRecording is wire-signed.json: what `inngest start` (signed mode)
// sent to an app in cloud mode, and what an unsigned PUT did to an app with
// ServeOrigin set.
type SignedRecording struct {
	About  string `json:"about"`
	Server string `json:"server"`
	// SigningKey is the (throwaway) key the server and the app shared.
	SigningKey string `json:"signing_key"`
	// Sync is the server's first PUT to the app (started with --sdk-url),
	// with its headers and body, and the SDK's answer.
	Sync Exchange `json:"sync"`
	// Register is the SDK's POST /fn/register that the PUT made it send, and
	// RegisterAuth how it authenticated (its Authorization header).
	Register     Exchange `json:"register"`
	RegisterAuth string   `json:"register_auth"`
	// Calls are the server's calls of a run of a one-step function, with
	// every header.
	Calls []Exchange `json:"calls"`
	Run   Run        `json:"run"`
	// UnsignedNoOrigin is the answer to an unsigned PUT (Host and
	// X-Forwarded-* pointing elsewhere) to the app without ServeOrigin.
	UnsignedNoOrigin Exchange `json:"unsigned_no_origin"`
	// Origin* is the same PUT to a second app (its own app id) with
	// ServeOrigin set: its answer, the registration it made, and the server's
	// calls of a run of its function (the URL the server used is the query's
	// host in the call log: the app's own listener).
	OriginPut      Exchange   `json:"origin_put"`
	OriginRegister Exchange   `json:"origin_register"`
	OriginCalls    []Exchange `json:"origin_calls"`
	OriginRun      Run        `json:"origin_run"`
}

var signedEvent = events.Define[caseData]("wirecheck/signed.started")

func recordSigned(e env) (any, error) {
	if e.signingKey == "" {
		return nil, fmt.Errorf("-case signed needs -signing-key (the server's)")
	}
	ctx := context.Background()
	rec := SignedRecording{About: "inngest start with a signing key; apps in cloud mode with the same key", Server: "inngest start " + e.commit, SigningKey: e.signingKey}
	mk := func(appID, origin string, out *outbound) (*inngest.Client, *serve.Server, error) {
		c, err := inngest.NewClient(inngest.ClientOptions{AppID: appID, Mode: inngest.ModeCloud, SigningKey: e.signingKey, EventKey: e.eventKey,
			APIBaseURL: e.server, EventAPIBaseURL: e.server, ServeOrigin: origin, Checkpoint: inngest.CheckpointOptions{Disabled: true},
			HTTPClient: &http.Client{Transport: out, Timeout: 30 * time.Second}})
		if err != nil {
			return nil, nil, err
		}
		fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "one-step"}, inngest.OnEvent(signedEvent),
			func(ctx context.Context, in inngest.Input[caseData]) (string, error) {
				return step.Run(ctx, "greet", func(context.Context) (string, error) { return "hello", nil })
			})
		if err != nil {
			return nil, nil, err
		}
		h, err := serve.New(c, serve.Options{}, fn)
		return c, h, err
	}
	out := &outbound{start: time.Now()}
	c, h, err := mk("wirecheck-signed", "", out)
	if err != nil {
		return nil, err
	}
	a, err := serveApp(e.app, h, true)
	if err != nil {
		return nil, err
	}
	defer a.close()
	out2 := &outbound{start: out.start}
	// The server syncs the app it was started with (--sdk-url) by a PUT.
	fmt.Println("waiting for the server's PUT to", a.url())
	if rec.Sync, err = waitFor(a, http.MethodPut, 2*time.Minute); err != nil {
		return nil, err
	}
	if rec.Register, err = waitOut(out, "/fn/register", 10*time.Second); err != nil {
		return nil, err
	}
	rec.RegisterAuth = rec.Register.Header["Authorization"]
	if _, err := c.Send(ctx, signedEvent.New(caseData{N: 1})); err != nil {
		return nil, err
	}
	id, err := runOf(a, "wirecheck-signed-one-step", 30*time.Second)
	if err != nil {
		return nil, err
	}
	if rec.Run, err = waitRun(e.server, e.signingKey, id, time.Minute); err != nil {
		return nil, err
	}
	for _, ex := range a.exchanges() {
		if ex.RunID == id {
			ex.Body = nil
			rec.Calls = append(rec.Calls, ex)
		}
	}
	if rec.UnsignedNoOrigin, err = unsignedPut(a); err != nil {
		return nil, err
	}

	// A second app, ServeOrigin set to its own listener; the unsigned PUT
	// claims another host.
	host, port, _ := strings.Cut(e.app, ":")
	p, _ := strconv.Atoi(port)
	originAddr := fmt.Sprintf("%s:%d", host, p+1)
	c2, h2, err := mk("wirecheck-origin", "http://"+originAddr, out2)
	if err != nil {
		return nil, err
	}
	a2, err := serveApp(originAddr, h2, true)
	if err != nil {
		return nil, err
	}
	defer a2.close()
	if rec.OriginPut, err = unsignedPut(a2); err != nil {
		return nil, err
	}
	if rec.OriginRegister, err = waitOut(out2, "/fn/register", 10*time.Second); err != nil {
		return nil, err
	}
	if _, err := c2.Send(ctx, signedEvent.New(caseData{N: 2})); err != nil {
		return nil, err
	}
	id2, err := runOf(a2, "wirecheck-origin-one-step", 30*time.Second)
	if err != nil {
		return nil, err
	}
	if rec.OriginRun, err = waitRun(e.server, e.signingKey, id2, time.Minute); err != nil {
		return nil, err
	}
	for _, ex := range a2.exchanges() {
		if ex.RunID == id2 {
			ex.Body = nil
			rec.OriginCalls = append(rec.OriginCalls, ex)
		}
	}
	return rec, nil
}

// unsignedPut sends the app an unsigned PUT whose Host, X-Forwarded-Host and
// X-Forwarded-Proto point at an attacker's host, and returns the app's log of it.
func unsignedPut(a *app) (Exchange, error) {
	n := len(a.exchanges())
	req, _ := http.NewRequest(http.MethodPut, a.url(), bytes.NewReader([]byte(`{"url":"https://evil.example/api/inngest"}`)))
	req.Host = "evil.example"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-Host", "evil.example")
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Exchange{}, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	ex := a.exchanges()
	if len(ex) <= n {
		return Exchange{}, fmt.Errorf("the app did not log the unsigned PUT")
	}
	return ex[len(ex)-1], nil
}

func waitFor(a *app, method string, timeout time.Duration) (Exchange, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, ex := range a.exchanges() {
			if ex.Method == method {
				return ex, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return Exchange{}, fmt.Errorf("no %s reached the app", method)
}

func waitOut(o *outbound, path string, timeout time.Duration) (Exchange, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, ex := range o.exchanges() {
			if strings.HasSuffix(ex.Path, path) {
				return ex, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return Exchange{}, fmt.Errorf("the SDK sent no %s", path)
}
