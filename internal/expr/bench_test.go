package expr_test

import (
	"testing"

	"github.com/seed-b02f2472/inngest-go/internal/expr"
)

func BenchmarkProgramBool(b *testing.B) {
	ev := loadEvents(b)
	p := mustCompile(b, expr.Wait, "async.data.id == event.data.id && async.data.answer > 0")
	vars := expr.Vars{Event: ev["trigger"], Async: ev["matched"]}
	b.ReportAllocs()
	for b.Loop() {
		ok, err := p.Bool(vars)
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkCompileCached(b *testing.B) {
	cache := expr.NewCache(0)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cache.Compile(expr.Trigger, "event.data.amount > 0"); err != nil {
			b.Fatal(err)
		}
	}
}
