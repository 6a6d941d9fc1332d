package wire

import (
	"bytes"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// RegisterRequest is the body of POST {api}/fn/register (§3.2) and, with Inspection,
// the core of the in-band sync reply.
type RegisterRequest struct {
	V              string          `json:"v"`
	URL            string          `json:"url"`
	DeployType     string          `json:"deployType"`
	SDK            string          `json:"sdk"`
	Framework      string          `json:"framework,omitempty"`
	AppName        string          `json:"appName"`
	AppVersion     string          `json:"appVersion,omitempty"`
	Headers        RegisterHeaders `json:"headers"`
	Capabilities   Capabilities    `json:"capabilities"`
	IdempotencyKey string          `json:"idempotencyKey,omitempty"`
	Functions      []Function      `json:"functions"`
}

// RegisterHeaders is the headers object of a sync body.
type RegisterHeaders struct {
	Env      string `json:"env"`
	Platform string `json:"platform"`
}

// Capabilities advertises optional protocol features.
type Capabilities struct {
	InBandSync string `json:"in_band_sync,omitempty"`
	TrustProbe string `json:"trust_probe,omitempty"`
	Connect    string `json:"connect,omitempty"`
}

// RegisterResponse is the server's reply to /fn/register.
type RegisterResponse struct {
	OK       bool   `json:"ok"`
	Modified bool   `json:"modified"`
	SyncID   string `json:"sync_id,omitempty"`
	AppID    string `json:"app_id,omitempty"`
	Error    string `json:"error,omitempty"`
}

// Function is one function of a sync body (§3.2, §13).
type Function struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Triggers    []Trigger       `json:"triggers"`
	Steps       map[string]Step `json:"steps"`
	Retries     *int            `json:"retries,omitempty"`
	Concurrency Concurrencies   `json:"concurrency,omitempty"`
	Throttle    *Throttle       `json:"throttle,omitempty"`
	RateLimit   *RateLimit      `json:"rateLimit,omitempty"`
	Debounce    *Debounce       `json:"debounce,omitempty"`
	Priority    *Priority       `json:"priority,omitempty"`
	Idempotency string          `json:"idempotency,omitempty"`
	BatchEvents *BatchEvents    `json:"batchEvents,omitempty"`
	Cancel      []Cancel        `json:"cancel,omitempty"`
	Timeouts    *Timeouts       `json:"timeouts,omitempty"`
	Singleton   *Singleton      `json:"singleton,omitempty"`
	Checkpoint  *Checkpoint     `json:"checkpoint,omitempty"`
}

// Trigger is exactly one of an event trigger (with optional expression) or a cron.
type Trigger struct {
	Event      string `json:"event,omitempty"`
	Expression string `json:"expression,omitempty"`
	Cron       string `json:"cron,omitempty"`
	Jitter     string `json:"jitter,omitempty"`
}

// Step is the single "step" entry of a function's steps map.
type Step struct {
	ID      string       `json:"id"`
	Name    string       `json:"name"`
	Runtime StepRuntime  `json:"runtime"`
	Retries *StepRetries `json:"retries,omitempty"`
}

// StepRuntime says where the server calls the function.
type StepRuntime struct {
	Type string `json:"type,omitempty"`
	URL  string `json:"url"`
}

// StepRetries holds the number of retries (not attempts) of a function.
type StepRetries struct {
	Attempts int `json:"attempts"`
}

// Concurrency is one concurrency limit.
type Concurrency struct {
	Limit int    `json:"limit"`
	Key   string `json:"key,omitempty"`
	Scope string `json:"scope,omitempty"`
	// FnLevel is set on the entries of the fn list of the {fn:[…], step:[…]}
	// form: a run-level limit (a slot held from a run's start to its end),
	// which the server validates apart from step-level limits (at most one).
	FnLevel bool `json:"-"`
}

// fnConcurrency is an entry of the fn list as the server's FnConcurrency
// reads it: its scope defaults to "fn" ("app" is the server's own).
type fnConcurrency struct {
	Limit int    `json:"limit"`
	Key   string `json:"key,omitempty"`
	Scope string `json:"scope,omitempty"`
}

// Concurrencies accepts every form the server accepts (a number, an object, an array,
// or inngestgo's {fn:[…], step:[…]}). It writes the array form, which holds
// step-level limits only, unless a run-level (FnLevel) limit is present: then
// it writes {"fn":[…],"step":[…]} (step left out when empty), the form the
// server's ConcurrencyLimits reads both from.
type Concurrencies []Concurrency

// MarshalJSON implements json.Marshaler.
func (c Concurrencies) MarshalJSON() ([]byte, error) {
	var fn []fnConcurrency
	step := make([]Concurrency, 0, len(c))
	for _, x := range c {
		if x.FnLevel {
			fn = append(fn, fnConcurrency{Limit: x.Limit, Key: x.Key, Scope: x.Scope})
		} else {
			step = append(step, x)
		}
	}
	if fn == nil {
		return jsoncodec.Marshal([]Concurrency(step))
	}
	split := struct {
		Fn   []fnConcurrency `json:"fn"`
		Step []Concurrency   `json:"step,omitempty"`
	}{fn, step}
	return jsoncodec.Marshal(split)
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *Concurrencies) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, " \t\r\n") // JSON whitespace only
	if len(b) == 0 || string(b) == "null" {
		*c = nil
		return nil
	}
	switch b[0] {
	case '[':
		var list []Concurrency
		if err := jsoncodec.Unmarshal(b, &list); err != nil {
			return err
		}
		*c = list
		return nil
	case '{':
		var split struct {
			Fn   []Concurrency `json:"fn"`
			Step []Concurrency `json:"step"`
		}
		if err := jsoncodec.Unmarshal(b, &split); err != nil {
			return err
		}
		if split.Fn != nil || split.Step != nil {
			out := make([]Concurrency, 0, len(split.Fn)+len(split.Step))
			for _, f := range split.Fn {
				f.FnLevel = true // its Scope as sent: the server refuses all but "" and "fn"
				out = append(out, f)
			}
			out = append(out, split.Step...)
			*c = out
			return nil
		}
		var one Concurrency
		if err := jsoncodec.Unmarshal(b, &one); err != nil {
			return err
		}
		*c = Concurrencies{one}
		return nil
	default:
		var n int
		if err := jsoncodec.Unmarshal(b, &n); err != nil {
			return err
		}
		*c = Concurrencies{{Limit: n}}
		return nil
	}
}

// Throttle limits how fast runs start.
type Throttle struct {
	Limit  int    `json:"limit"`
	Period string `json:"period"`
	Burst  int    `json:"burst,omitempty"`
	Key    string `json:"key,omitempty"`
}

// RateLimit drops runs over the limit.
type RateLimit struct {
	Limit  int    `json:"limit"`
	Period string `json:"period"`
	Key    string `json:"key,omitempty"`
}

// Debounce delays a run until events stop arriving for Period.
type Debounce struct {
	Period  string `json:"period"`
	Key     string `json:"key,omitempty"`
	Timeout string `json:"timeout,omitempty"`
}

// Priority sets a run's priority from an expression.
type Priority struct {
	Run string `json:"run,omitempty"`
}

// BatchEvents groups events into one run.
type BatchEvents struct {
	MaxSize int    `json:"maxSize"`
	Timeout string `json:"timeout"`
	Key     string `json:"key,omitempty"`
	If      string `json:"if,omitempty"`
}

// Cancel cancels a run when a matching event arrives.
type Cancel struct {
	Event   string `json:"event"`
	If      string `json:"if,omitempty"`
	Timeout string `json:"timeout,omitempty"`
}

// Timeouts bound a run's start delay and total duration.
type Timeouts struct {
	Start  string `json:"start,omitempty"`
	Finish string `json:"finish,omitempty"`
}

// Singleton allows one run per key at a time.
type Singleton struct {
	Key  string `json:"key,omitempty"`
	Mode string `json:"mode"`
}

// Checkpoint advertises the SDK's checkpoint settings (informational).
type Checkpoint struct {
	BatchSteps    int    `json:"batch_steps,omitempty"`
	BatchInterval string `json:"batch_interval,omitempty"`
	MaxRuntime    string `json:"max_runtime,omitempty"`
}
