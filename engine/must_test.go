package engine_test

// must returns v, or panics with err: the engine's tests read runs, apps and
// events through it, so that a Store error fails the test where it happens
// (also inside a goroutine or a require.Eventually condition, where t.Fatal
// may not be called).
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
