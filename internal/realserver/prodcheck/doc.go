// Package prodcheck tries README's "Going to production" walkthrough on the
// real server's `inngest start` with Postgres and Redis, restarting the
// server while a function sleeps and while a step runs. Its test is behind
// the realserver build tag (never in CI); see prod_test.go for how to run
// it.
package prodcheck
