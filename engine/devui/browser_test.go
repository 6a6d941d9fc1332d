package devui_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// One headless Chromium per test binary; each browser test opens its own tab.
var browser struct {
	once   sync.Once
	ctx    context.Context
	cancel func()
	path   string
	shots  string
}

// findChromium returns the browser's path, or "".
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// tab opens a browser tab for the test; without a browser the test is
// skipped loudly, except in CI (CI set), where .ci/run installs Chromium and
// its absence is a failure.
func tab(t *testing.T) context.Context {
	t.Helper()
	browser.once.Do(func() {
		browser.path = findChromium()
		if browser.path == "" {
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(browser.path), chromedp.NoSandbox, chromedp.WindowSize(1200, 860),
			chromedp.Flag("disable-dev-shm-usage", true))
		actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
		bctx, bcancel := chromedp.NewContext(actx)
		browser.ctx, browser.cancel = bctx, func() { bcancel(); acancel() }
		browser.shots = os.Getenv("TEST_SCREENSHOT_DIR")
		if browser.shots == "" {
			browser.shots, _ = os.MkdirTemp("", "devui-screenshots-")
		}
		_ = os.MkdirAll(browser.shots, 0o755)
	})
	if browser.path == "" {
		msg := "!!! NO BROWSER: Chromium is not installed (apt-get install -y chromium), so the web UI's browser tests DID NOT RUN !!!"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	ctx, cancel := chromedp.NewContext(browser.ctx)
	t.Cleanup(cancel)
	ctx, cancel2 := context.WithTimeout(ctx, 30*time.Second)
	t.Cleanup(cancel2)
	require.NoError(t, chromedp.Do(ctx), "start a tab in %s", browser.path)
	t.Logf("screenshots in %s", browser.shots)
	return ctx
}

func stopBrowser() {
	if browser.cancel != nil {
		browser.cancel()
	}
}

// shot saves a screenshot of the page as name.png.
func shot(t *testing.T, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		png, err := chromedp.CaptureScreenshot()(ctx, tg)
		if err != nil {
			return err
		}
		p := filepath.Join(browser.shots, name+".png")
		t.Logf("screenshot %s (%d bytes)", p, len(png))
		return os.WriteFile(p, png, 0o644)
	})
}

// follow clicks sel, which loads a page, and waits for that page.
func follow(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	require.NoError(t, err, "click %s", sel)
	require.Less(t, resp.Status, int64(400), "click %s: %s", sel, resp.URL)
}

// into runs a and stores its value in p.
func into[T any](p *T, a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		v, err := a(ctx, tg)
		*p = v
		return err
	})
}

// TestBrowserSendWatchOpenCancel drives the UI in headless Chromium: send an
// event through the form, watch its run appear and complete in the live
// list, open it and read each step and its output, see a run started
// elsewhere appear without reloading, cancel that sleeping run, and advance
// the virtual clock past another run's sleep. One screenshot per page.
func TestBrowserSendWatchOpenCancel(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := tab(t)
	var out, status string
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(f.ui.URL+"/events"),
		chromedp.SetValue(chromedp.CSS("#ev-name"), "demo/user.greeted"),
		chromedp.SetValue(chromedp.CSS("#ev-data"), `{"name": "Ada <b>Lovelace</b>"}`),
	))
	follow(t, ctx, "#send")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`#flash`)),
		chromedp.WaitVisible(chromedp.CSS(`tr.run[data-status="Completed"] a`)),
	))
	follow(t, ctx, `tr.run[data-status="Completed"] a`)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`li.step[data-step="compose"] pre.output`)),
		chromedp.WaitVisible(chromedp.CSS(`li.step[data-step="count"] pre.output`)),
		into(&out, chromedp.Text(chromedp.CSS(`li.step[data-step="compose"] pre.output`))),
		into(&status, chromedp.Text(chromedp.CSS(`#run-status`))),
	))
	require.Equal(t, `"hello Ada <b>Lovelace</b>"`, strings.TrimSpace(out), "the step output, as text")
	require.Equal(t, "Completed", status)
	var output string
	require.NoError(t, chromedp.Do(ctx, into(&output, chromedp.Text(chromedp.CSS(`#output`)))))
	require.Contains(t, output, `"message": "hello Ada <b>Lovelace</b>"`)

	// A run started elsewhere appears in the open list without a reload.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(f.ui.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`#runs-rows`))))
	napID := f.env.Send(t, napEv.New(Greeting{Name: "Bob"}))[0]
	sleeping := f.waitRun(t, napID, runtype.StatusRunning)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`tr.run[data-id="`+sleeping.ID+`"][data-status="Running"]`)),
		shot(t, "runs"),
	))
	follow(t, ctx, `tr.run[data-id="`+sleeping.ID+`"] a`)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`li.step[data-step="nap"]`))))
	follow(t, ctx, `#cancel`)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#run-status.cancelled`))))
	r, _ := f.eng.Run(sleeping.ID)
	require.Equal(t, runtype.StatusCancelled, r.Status)

	// The virtual clock, advanced from the header, ends another run's sleep.
	other := f.waitRun(t, f.env.Send(t, napEv.New(Greeting{Name: "Cy"}))[0], runtype.StatusRunning)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(f.ui.URL+"/runs/"+other.ID),
		chromedp.WaitVisible(chromedp.CSS(`li.step[data-step="nap"]`)),
		chromedp.SetValue(chromedp.CSS(`#clock input[name="by"]`), "2h"),
	))
	follow(t, ctx, `#advance`)
	var now string
	require.NoError(t, chromedp.Do(ctx, into(&now, chromedp.Text(chromedp.CSS(`#clock-now`)))))
	require.Contains(t, now, "02:00:00", "back on the run page, two hours later")
	fin, err := f.eng.WaitForRun(ctx, other.ID)
	require.NoError(t, err)
	require.Equal(t, runtype.StatusCompleted, fin.Status)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(f.ui.URL+"/runs/"+other.ID),
		chromedp.WaitVisible(chromedp.CSS(`#run-status.completed`)),
		chromedp.WaitVisible(chromedp.CSS(`li.step[data-step="after"] pre.output`)),
		shot(t, "run"),
	))
}

// TestBrowserEventsAndApps renders the events and apps pages in the browser
// (markup in event data stays text, no script runs) and re-sends an event.
func TestBrowserEventsAndApps(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id := f.env.Send(t, greetEv.New(Greeting{Name: `<script>document.title="pwned"</script>`}))[0]
	f.waitRun(t, id, runtype.StatusCompleted)
	f.waitRun(t, f.env.Send(t, waitEv.New(Greeting{Name: "Di"}))[0], runtype.StatusRunning)
	ctx := tab(t)
	var title, payload string
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(f.ui.URL+"/events"),
		chromedp.WaitVisible(chromedp.CSS(`#ev-`+id)),
		chromedp.Click(chromedp.CSS(`#ev-`+id+` summary`)),
		into(&payload, chromedp.Text(chromedp.CSS(`#ev-`+id+` pre.json`))),
		into(&title, chromedp.Title()),
		shot(t, "events"),
	))
	require.Contains(t, payload, `<script>document.title=\"pwned\"</script>`)
	require.Equal(t, "Events · inngest-go engine", title)

	follow(t, ctx, `#ev-`+id+` button`)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#flash`))))
	require.Len(t, must(f.eng.Events(10)), 3, "re-sent")

	var fns string
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(f.ui.URL+"/apps"),
		chromedp.WaitVisible(chromedp.CSS(`section.app`)),
		into(&fns, chromedp.Text(chromedp.CSS(`section.app`))),
		shot(t, "apps"),
	))
	for _, s := range []string{"demo-greet", "demo-nap", "demo/user.napped", `"concurrency"`, "Re-sync"} {
		require.Contains(t, fns, s)
	}
}
