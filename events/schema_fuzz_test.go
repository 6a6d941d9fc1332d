package events_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/internal/fuzzvalue"
)

// The types below are event data of many shapes; whatever encoding/json writes
// for a value of one must validate against its definition's schema.

type schemaKey string

func (k schemaKey) MarshalText() ([]byte, error) { return []byte("k-" + string(k)), nil }

type schemaMarshaler struct{ N int }

func (m schemaMarshaler) MarshalJSON() ([]byte, error) {
	if m.N%2 == 0 {
		return json.Marshal(m.N)
	}
	return json.Marshal([]int{m.N})
}

type schemaText struct{ S string }

func (t schemaText) MarshalText() ([]byte, error) {
	if t.S == "err" {
		return nil, errors.New("schemaText: err")
	}
	return []byte(t.S), nil
}

type schemaZero struct{ N int }

func (z schemaZero) IsZero() bool { return z.N == 0 }

type SchemaBase struct {
	ID   string `json:"id"`
	Same int    `json:"same"`
}

type SchemaOther struct {
	Same string `json:"same"` // conflicts with SchemaBase.Same at the same depth: dropped
	Own  bool   `json:"own"`
}

type schemaPriv struct{ Hidden int }

type schemaOrder struct {
	SchemaBase
	*SchemaOther
	*schemaPriv
	Wait    time.Duration            `json:"wait"`
	WaitP   *time.Duration           `json:"wait_p,omitempty"`
	At      time.Time                `json:"at"`
	AtP     *time.Time               `json:"at_p"`
	Zero    time.Time                `json:"zero,omitzero"`
	Items   []schemaItem             `json:"items"`
	ByID    map[int]schemaItem       `json:"by_id,omitempty"`
	ByKey   map[schemaKey]float64    `json:"by_key"`
	Uint    map[uint16]string        `json:"uint"`
	Durs    map[string]time.Duration `json:"durs"`
	Extra   any                      `json:"extra"`
	Num     json.Number              `json:"num"`
	Raw     json.RawMessage          `json:"raw"`
	Bytes   []byte                   `json:"bytes"`
	Arr     [3]int8                  `json:"arr"`
	Quoted  int                      `json:"quoted,string"`
	QuotedF float64                  `json:"quoted_f,string"`
	QuotedB bool                     `json:"quoted_b,string"`
	QuotedS string                   `json:"quoted_s,string"`
	QuotedP *int                     `json:"quoted_p,string"`
	Custom  schemaMarshaler          `json:"custom"`
	Text    schemaText               `json:"text"`
	TextP   *schemaText              `json:"text_p"`
	IsZero  schemaZero               `json:"is_zero,omitzero"`
	F32     float32                  `json:"f32"`
	U64     uint64                   `json:"u64"`
	Nested  [][]*schemaItem          `json:"nested"`
	Parent  *schemaOrder             `json:"parent,omitempty"`
	Skipped string                   `json:"-"`
	//lint:ignore SA5008 a field named "-" is one of the shapes under test
	DashName string `json:"-,"`
	NoTag    string
}

type schemaItem struct {
	SKU   string  `json:"sku"`
	Qty   int     `json:"qty,omitempty"`
	Price float64 `json:"price"`
	Note  *string `json:"note"`
}

var (
	orderDef = events.Define[schemaOrder]("app/schema.order")
	itemsDef = events.Define[map[string][]schemaItem]("app/schema.items")
	durDef   = events.Define[struct {
		D  time.Duration   `json:"d"`
		DS []time.Duration `json:"ds"`
	}]("app/schema.durations")
)

// FuzzSchemaAcceptsEncodingJSON builds event data from the input and requires
// what encoding/json writes for it (when it writes anything) to validate against
// the type's schema, through ValidateJSON and Validate alike.
func FuzzSchemaAcceptsEncodingJSON(f *testing.F) {
	for _, s := range []string{"", "\x00", "\x01\x01\x01\x01", strings.Repeat("\x02", 64), strings.Repeat("\xff", 300), "abcdefghijklmnopqrstuvwxyz0123456789"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var order schemaOrder
		fuzzvalue.New(data).Fill(&order)
		check(t, orderDef, order)
		var items map[string][]schemaItem
		fuzzvalue.New(data).Fill(&items)
		check(t, itemsDef, items)
		var durs struct {
			D  time.Duration   `json:"d"`
			DS []time.Duration `json:"ds"`
		}
		fuzzvalue.New(data).Fill(&durs)
		check(t, durDef, durs)
	})
}

func check[T any](t *testing.T, def events.Definition[T], v T) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		require.Error(t, def.Validate(v), "Validate must fail where encoding/json does")
		return
	}
	if string(b) == "null" {
		b = []byte("{}") // what a send carries for nil data
	}
	require.NoError(t, def.ValidateJSON(b), "encoding/json wrote %s", b)
	require.NoError(t, def.Validate(v))
}
