// Command wirecheck records what the real Inngest server does in the wire
// situations issue 20 fixed in the SDK, each through this SDK's real serve
// handler: a call cut mid-step (-case cut), repeated step ids (-case stepids),
// final failures (-case noretry) against `inngest dev`, and the signed sync
// and calls of `inngest start` (-case signed). Each case writes
// testdata/realserver/wire-<case>.json, which tests in inngesttest and engine
// replay; no test runs this command. See testdata/realserver/README.md.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	server := flag.String("server", "http://127.0.0.1:9102", "the real server's URL")
	app := flag.String("app", "127.0.0.1:12310", "where the app listens (the server must reach it)")
	which := flag.String("case", "", "cut, stepids, noretry, race or signed")
	key := flag.String("signing-key", "", "the server's signing key (-case signed)")
	eventKey := flag.String("event-key", "test", "the server's event key (-case signed)")
	commit := flag.String("commit", "253303cdff", "the server source's commit, stored as given")
	out := flag.String("out", "testdata/realserver", "directory the recording is written to")
	flag.Parse()
	cases := map[string]func(env) (any, error){
		"cut": recordCut, "stepids": recordStepIDs, "race": recordRace, "noretry": recordNoRetry, "signed": recordSigned,
	}
	f, ok := cases[*which]
	if !ok {
		fmt.Fprintln(os.Stderr, "wirecheck: -case must be cut, stepids, noretry, race or signed")
		os.Exit(2)
	}
	rec, err := f(env{server: *server, app: *app, signingKey: *key, eventKey: *eventKey, commit: *commit})
	if err == nil {
		err = write(filepath.Join(*out, "wire-"+*which+".json"), rec)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "wirecheck:", err)
		os.Exit(1)
	}
}

// env is what every case needs to know.
type env struct {
	server, app          string
	signingKey, eventKey string
	commit               string
}
