package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// Diff compares a replay (got) with a recording (want) of scenario s and returns
// one line per difference: the number of runs per function; then, run by run
// (paired by the events they received when s.Strict, else by start order), status,
// the number of events received and listed under (the indexes themselves when
// Strict), start and end offsets within s.Tol(), and outputs (ignoring event
// indexes unless Strict).
func Diff(s *Scenario, want, got *Recording) []string {
	var out []string
	tol := s.Tol().Milliseconds()
	w, g := byFunction(want.Runs), byFunction(got.Runs)
	names := map[string]bool{}
	for k := range w {
		names[k] = true
	}
	for k := range g {
		names[k] = true
	}
	fns := make([]string, 0, len(names))
	for k := range names {
		fns = append(fns, k)
	}
	sort.Strings(fns)
	for _, fn := range fns {
		wr, gr := w[fn], g[fn]
		if len(wr) != len(gr) {
			out = append(out, fmt.Sprintf("%s: %d runs, want %d (got %s, want %s)", fn, len(gr), len(wr), brief(gr), brief(wr)))
			continue
		}
		if s.Strict {
			wr, gr = pairByEvents(wr, gr)
		}
		for i := range wr {
			a, b := wr[i], gr[i]
			p := fmt.Sprintf("%s run %d (events %v)", fn, i, a.Events)
			if a.Status != b.Status {
				out = append(out, fmt.Sprintf("%s: status %s, want %s", p, b.Status, a.Status))
			}
			if s.Strict {
				if !slices.Equal(a.Events, b.Events) {
					out = append(out, fmt.Sprintf("%s: events %v, want %v", p, b.Events, a.Events))
				}
				if !slices.Equal(a.ListedUnder, b.ListedUnder) {
					out = append(out, fmt.Sprintf("%s: listed under events %v, want %v", p, b.ListedUnder, a.ListedUnder))
				}
			} else {
				if len(a.Events) != len(b.Events) {
					out = append(out, fmt.Sprintf("%s: %d events, want %d", p, len(b.Events), len(a.Events)))
				}
				if len(a.ListedUnder) != len(b.ListedUnder) {
					out = append(out, fmt.Sprintf("%s: listed under %d events, want %d", p, len(b.ListedUnder), len(a.ListedUnder)))
				}
			}
			out = append(out, offsets(p, "start", a.StartMS, b.StartMS, tol)...)
			out = append(out, offsets(p, "end", a.EndMS, b.EndMS, tol)...)
			if wo, go_ := normalize(a.Output, s.Strict), normalize(b.Output, s.Strict); wo != go_ {
				out = append(out, fmt.Sprintf("%s: output %s, want %s", p, go_, wo))
			}
		}
	}
	return out
}

// pairByEvents aligns the runs of want and got that received the same events,
// then the others in their (start) order.
func pairByEvents(want, got []RecordedRun) ([]RecordedRun, []RecordedRun) {
	used := make([]bool, len(got))
	var w, g, restW []RecordedRun
	for _, a := range want {
		found := false
		for j, b := range got {
			if !used[j] && slices.Equal(a.Events, b.Events) {
				used[j], found = true, true
				w, g = append(w, a), append(g, b)
				break
			}
		}
		if !found {
			restW = append(restW, a)
		}
	}
	for j, b := range got {
		if !used[j] {
			g = append(g, b)
		}
	}
	return append(w, restW...), g
}

func byFunction(runs []RecordedRun) map[string][]RecordedRun {
	rec := Recording{Runs: slices.Clone(runs)}
	rec.Sort()
	out := map[string][]RecordedRun{}
	for _, r := range rec.Runs {
		out[r.Function] = append(out[r.Function], r)
	}
	return out
}

func brief(runs []RecordedRun) string {
	parts := make([]string, len(runs))
	for i, r := range runs {
		parts[i] = fmt.Sprintf("%v %s @%s", r.Events, r.Status, time.Duration(r.StartMS)*time.Millisecond)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func offsets(p, what string, want, got, tol int64) []string {
	switch {
	case (want < 0) != (got < 0):
		return []string{fmt.Sprintf("%s: %s at %d ms, want %d ms (-1: none)", p, what, got, want)}
	case want >= 0 && (got-want > tol || want-got > tol):
		return []string{fmt.Sprintf("%s: %s at %d ms, want %d ms ± %d", p, what, got, want, tol)}
	}
	return nil
}

// normalize returns raw as compact JSON; unless strict, without "n" keys (the
// indexes of the events received, which depend on which concurrent event won).
func normalize(raw json.RawMessage, strict bool) string {
	if len(bytes.TrimSpace(raw)) == 0 {
		return ""
	}
	var v any
	if err := jsoncodec.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	if !strict {
		v = dropN(v)
	}
	b, _ := jsoncodec.Marshal(v)
	return string(b)
}

func dropN(v any) any {
	switch t := v.(type) {
	case map[string]any:
		delete(t, "n")
		for k, x := range t {
			t[k] = dropN(x)
		}
	case []any:
		for i, x := range t {
			t[i] = dropN(x)
		}
	}
	return v
}
