package connectkinds

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	cp "github.com/seed-b02f2472/inngest-go/internal/connectproto"
)

// Recording is what testdata/connect/worker/kinds.json holds: how each kind
// of step ended when the fixture ran through this module's Connect worker,
// and the frames the worker exchanged with the gateway, normalised.
type Recording struct {
	About  string `json:"about"`
	Server string `json:"server"`
	// Kinds are the kinds of step, in the fixture's order.
	Kinds []Kind `json:"kinds"`
	// Connections is how many sockets the worker opened; Flushes how many
	// replies it sent to the flush endpoint.
	Connections int `json:"connections"`
	Flushes     int `json:"flushes"`
	// Frames are every frame of every socket, in the order the tap forwarded them.
	Frames []Frame `json:"frames"`
}

// Kind is one kind of step: its runs and how often each step's code ran.
type Kind struct {
	Name string `json:"name"`
	// Runs are the runs of the kind's first function (for flow control, one per
	// event that started a run), sorted by output.
	Runs []RunResult `json:"runs"`
	// Steps counts the executions of each step's code ("function/step"),
	// including the helper functions of the kind (the invoked child, the
	// receiver of a sent event, the signal sender, the failure handler).
	Steps map[string]int `json:"steps"`
	// Calls counts the gateway's executor requests for the kind's functions.
	Calls map[string]int `json:"calls"`
	// AnyOutput says the runs' outputs are not compared, only their number and
	// status: which of several events a rate limit lets through is not fixed.
	AnyOutput bool `json:"any_output,omitempty"`
	// Notes says what else was observed (not compared).
	Notes string `json:"notes,omitempty"`
}

// RunResult is a run's final status and output as the run API gave them.
type RunResult struct {
	Status string          `json:"status"`
	Output json.RawMessage `json:"output,omitempty"`
}

// Frame is one WebSocket frame, normalised: IDs are replaced by r1, r2 …
// (requests), l1 … (leases), in order of first appearance; timestamps are
// replaced by the offset from the first frame of the socket.
type Frame struct {
	Conn int    `json:"conn"`
	From string `json:"from"`
	Kind string `json:"kind"`
	AtMS int64  `json:"at_ms"`
	// Function is the slug of the request's function, without the app prefix.
	Function string `json:"function,omitempty"`
	Request  string `json:"request,omitempty"`
	// Step is an executor request's step_id.
	Step     string `json:"step,omitempty"`
	Lease    string `json:"lease,omitempty"`
	NewLease string `json:"new_lease,omitempty"`
	// Detail holds a reply's status, the intervals of a ready message, the
	// function count of a connect message.
	Detail string `json:"detail,omitempty"`
}

// normalise turns the tap's frames into recorded frames.
func normalise(raw []rawFrame) []Frame {
	ids := map[string]string{}
	next := map[string]int{}
	name := func(prefix, id string) string {
		if id == "" {
			return ""
		}
		if n, ok := ids[id]; ok {
			return n
		}
		next[prefix]++
		ids[id] = fmt.Sprintf("%s%d", prefix, next[prefix])
		return ids[id]
	}
	fnOf := map[string]string{}
	first := map[int]time.Time{}
	out := make([]Frame, 0, len(raw))
	for _, r := range raw {
		if _, ok := first[r.conn]; !ok {
			first[r.conn] = r.at
		}
		f := Frame{Conn: r.conn, From: r.from, Kind: r.kind.String(), AtMS: r.at.Sub(first[r.conn]).Milliseconds()}
		if r.bad {
			f.Kind, f.Detail = "UNDECODABLE", r.kind.String()
		}
		switch m := r.msg.(type) {
		case *cp.WorkerConnectRequestData:
			var fns []json.RawMessage
			if len(m.Apps) > 0 {
				_ = json.Unmarshal(m.Apps[0].Functions, &fns)
			}
			f.Detail = fmt.Sprintf("apps=%d functions=%d instance=%s", len(m.Apps), len(fns), m.InstanceId)
		case *cp.GatewayConnectionReadyData:
			f.Detail = fmt.Sprintf("heartbeat_interval=%s extend_lease_interval=%s status_interval=%s", m.HeartbeatInterval, m.ExtendLeaseInterval, m.StatusInterval)
		case *cp.GatewayExecutorRequestData:
			f.Request = name("r", m.RequestId)
			f.Function = strings.TrimPrefix(m.FunctionSlug, AppID+"-")
			fnOf[f.Request] = f.Function
			f.Step = m.GetStepId()
			f.Lease = name("l", m.LeaseId)
		case *cp.WorkerRequestAckData:
			f.Request = name("r", m.RequestId)
		case *cp.WorkerRequestExtendLeaseData:
			f.Request = name("r", m.RequestId)
			f.Lease = name("l", m.LeaseId)
		case *cp.WorkerRequestExtendLeaseAckData:
			f.Request = name("r", m.RequestId)
			if m.NewLeaseId != nil {
				f.NewLease = name("l", *m.NewLeaseId)
			} else {
				f.Detail = "lease lost"
			}
		case *cp.SDKResponse:
			f.Request = name("r", m.RequestId)
			f.Detail = m.Status.String()
			if m.NoRetry {
				f.Detail += " no_retry"
			}
			if m.RetryAfter != nil {
				f.Detail += " retry_after"
			}
		case *cp.WorkerReplyAckData:
			f.Request = name("r", m.RequestId)
		case *cp.SystemError:
			f.Detail = m.Code
		}
		if f.Function == "" && f.Request != "" {
			f.Function = fnOf[f.Request]
		}
		out = append(out, f)
	}
	return out
}

// exchanges lists, for each function, the kinds of the frames of each of its
// requests in order, leaving out the lease extensions: how many a request
// gets depends on where the worker's lease tick falls (see leaseKept).
func exchanges(frames []Frame) map[string][]string {
	byReq := map[string][]string{}
	fnOf := map[string]string{}
	var order []string
	for _, f := range frames {
		if f.Request == "" || isLease(f.Kind) {
			continue
		}
		k := f.Kind
		if k == cp.GatewayMessageType_WORKER_REPLY.String() {
			k += " " + f.Detail
		}
		if _, ok := byReq[f.Request]; !ok {
			order = append(order, f.Request)
		}
		byReq[f.Request] = append(byReq[f.Request], k)
		if f.Function != "" {
			fnOf[f.Request] = f.Function
		}
	}
	out := map[string][]string{}
	for _, r := range order {
		out[fnOf[r]] = append(out[fnOf[r]], strings.Join(byReq[r], " → "))
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}

func isLease(kind string) bool {
	return kind == cp.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE.String() || kind == cp.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE_ACK.String()
}

// leaseKept checks the lease kind's request: between its ack and its reply
// every extension was answered with a new lease (the gateway kept it), and
// there were at least two. It returns what is wrong, or "".
func leaseKept(frames []Frame) string {
	var extends, renewed int
	replied := false
	for _, f := range frames {
		if f.Function != "lease" {
			continue
		}
		switch {
		case f.Kind == cp.GatewayMessageType_WORKER_REPLY.String():
			replied = true
		case replied:
		case f.Kind == cp.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE.String():
			extends++
		case f.Kind == cp.GatewayMessageType_WORKER_REQUEST_EXTEND_LEASE_ACK.String():
			if f.NewLease == "" {
				return "an extension before the reply was answered without a new lease"
			}
			renewed++
		}
	}
	if extends < 2 || renewed < extends-1 {
		return fmt.Sprintf("%d extensions before the reply, %d answered with a new lease", extends, renewed)
	}
	return ""
}

// prologue is the kinds of each socket's first three frames.
func prologue(frames []Frame) []string {
	seen := map[int]int{}
	var out []string
	for _, f := range frames {
		if seen[f.Conn] < 3 {
			seen[f.Conn]++
			out = append(out, fmt.Sprintf("%d %s %s %s", f.Conn, f.From, f.Kind, f.Detail))
		}
	}
	return out
}

// heartbeats counts the worker's heartbeats and the gateway's answers.
func heartbeats(frames []Frame) (sent, answered int) {
	for _, f := range frames {
		switch f.Kind {
		case cp.GatewayMessageType_WORKER_HEARTBEAT.String():
			sent++
		case cp.GatewayMessageType_GATEWAY_HEARTBEAT.String():
			answered++
		}
	}
	return sent, answered
}

// Diff compares a replay (got) with a recording (want) and returns one line
// per difference: each kind's runs (status, output), step executions and
// gateway calls; each socket's first frames; for each function, the
// exchanges of its requests (executor request → ack → reply → reply ack);
// that the long step's lease was extended and kept; and that every heartbeat
// was answered. ignore lists
// "kind.field" differences that are known (see the replay test).
func Diff(want, got *Recording, ignore map[string]bool) []string {
	var out []string
	gk := map[string]Kind{}
	for _, k := range got.Kinds {
		gk[k.Name] = k
	}
	for _, w := range want.Kinds {
		g, ok := gk[w.Name]
		if !ok {
			out = append(out, w.Name+": not replayed")
			continue
		}
		if !ignore[w.Name+".runs"] && !sameRuns(w.Runs, g.Runs, w.AnyOutput) {
			out = append(out, fmt.Sprintf("%s: runs %s, want %s", w.Name, runsString(g.Runs), runsString(w.Runs)))
		}
		if !ignore[w.Name+".steps"] && fmt.Sprint(w.Steps) != fmt.Sprint(g.Steps) {
			out = append(out, fmt.Sprintf("%s: step executions %v, want %v", w.Name, g.Steps, w.Steps))
		}
		if !ignore[w.Name+".calls"] && fmt.Sprint(w.Calls) != fmt.Sprint(g.Calls) {
			out = append(out, fmt.Sprintf("%s: gateway calls %v, want %v", w.Name, g.Calls, w.Calls))
		}
	}
	if w, g := prologue(want.Frames), prologue(got.Frames); strings.Join(w, "\n") != strings.Join(g, "\n") {
		out = append(out, fmt.Sprintf("socket prologue:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(w, "\n")))
	}
	we, ge := exchanges(want.Frames), exchanges(got.Frames)
	fns := map[string]bool{}
	for k := range we {
		fns[k] = true
	}
	for k := range ge {
		fns[k] = true
	}
	names := make([]string, 0, len(fns))
	for k := range fns {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, fn := range names {
		if ignore[fn+".exchanges"] {
			continue
		}
		if w, g := strings.Join(we[fn], "\n"), strings.Join(ge[fn], "\n"); w != g {
			out = append(out, fmt.Sprintf("%s: exchanges\n%s\nwant:\n%s", fn, g, w))
		}
	}
	for _, r := range []*Recording{want, got} {
		which := "replay"
		if r == want {
			which = "recording"
		}
		if msg := leaseKept(r.Frames); msg != "" {
			out = append(out, which+": lease: "+msg)
		}
		if sent, answered := heartbeats(r.Frames); sent == 0 || answered < sent-r.Connections || answered > sent {
			out = append(out, fmt.Sprintf("%s: %d worker heartbeats, %d answered", which, sent, answered))
		}
	}
	return out
}

func sameRuns(a, b []RunResult, anyOutput bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Status != b[i].Status || (!anyOutput && !jsonEqual(a[i].Output, b[i].Output)) {
			return false
		}
	}
	return true
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

func runsString(rs []RunResult) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.Status + " " + string(r.Output)
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

// Table renders the kinds as a Markdown table (kind | result | notes).
func Table(r *Recording) string {
	var b strings.Builder
	b.WriteString("| kind | result | notes |\n|---|---|---|\n")
	for _, k := range r.Kinds {
		steps := make([]string, 0, len(k.Steps))
		for s, n := range k.Steps {
			steps = append(steps, fmt.Sprintf("%s×%d", s, n))
		}
		sort.Strings(steps)
		calls := 0
		for _, n := range k.Calls {
			calls += n
		}
		fmt.Fprintf(&b, "| %s | %s | steps %s; %d calls over Connect", k.Name, runsString(k.Runs), strings.Join(steps, ", "), calls)
		if k.Notes != "" {
			b.WriteString("; " + k.Notes)
		}
		b.WriteString(" |\n")
	}
	return b.String()
}
