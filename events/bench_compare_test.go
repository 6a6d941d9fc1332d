package events_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/stretchr/testify/require"
)

type signup struct {
	Email string `json:"email" jsonschema:"minLength=3"`
	Plan  string `json:"plan,omitempty" jsonschema:"enum=free,enum=pro"`
	Seats int    `json:"seats" jsonschema:"minimum=1"`
}

// BenchmarkValidatorVersusReference compares this package's validator with
// github.com/santhosh-tekuri/jsonschema/v6 on the same schema and bytes:
// "ours" is ValidateJSON; "reference" decodes the bytes (its UnmarshalJSON)
// and validates, which is what it needs to check received data;
// "reference, decoded" is its Validate alone, on a value decoded once.
func BenchmarkValidatorVersusReference(b *testing.B) {
	orders := make([]dfItem, 400)
	for i := range orders {
		orders[i] = dfItem{SKU: fmt.Sprintf("AB-%d", i), Qty: uint16(1 + i%99), Price: 1.25 + float64(i)}
	}
	at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	large := dfOrder{dfBase: dfBase{ID: "o-1"}, Status: "open", Total: 1, Tags: []string{"a"}, At: at,
		Ship: dfAddr{Street: "Main"}, Items: orders, Attrs: map[string]int{"a": 1, "b": 2}}
	payloads := []struct {
		name string
		def  func([]byte) error
		raw  []byte
	}{
		{name: "small", def: events.Define[signup]("app/user.signed-up").ValidateJSON, raw: mustJSON(b, signup{Email: "a@example.com", Plan: "pro", Seats: 3})},
		{name: "user 1KB", def: userCreated.ValidateJSON, raw: mustJSON(b, benchUser())},
		{name: "order 16KB", def: events.Define[dfOrder]("app/order.placed").ValidateJSON, raw: mustJSON(b, large)},
	}
	schemas := map[string][]byte{
		"small":      events.Define[signup]("app/user.signed-up").SchemaJSON(),
		"user 1KB":   userCreated.SchemaJSON(),
		"order 16KB": events.Define[dfOrder]("app/order.placed").SchemaJSON(),
	}
	for _, p := range payloads {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemas[p.name]))
		require.NoError(b, err)
		c := jsonschema.NewCompiler()
		require.NoError(b, c.AddResource("mem://s.json", doc))
		ref, err := c.Compile("mem://s.json")
		require.NoError(b, err)
		require.NoError(b, p.def(p.raw))
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(p.raw))
		require.NoError(b, err)
		require.NoError(b, ref.Validate(inst))
		b.Run(p.name+"/ours", func(b *testing.B) {
			b.SetBytes(int64(len(p.raw)))
			b.ReportAllocs()
			for b.Loop() {
				if err := p.def(p.raw); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(p.name+"/reference", func(b *testing.B) {
			b.SetBytes(int64(len(p.raw)))
			b.ReportAllocs()
			for b.Loop() {
				v, err := jsonschema.UnmarshalJSON(bytes.NewReader(p.raw))
				if err != nil {
					b.Fatal(err)
				}
				if err := ref.Validate(v); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(p.name+"/reference, decoded", func(b *testing.B) {
			b.SetBytes(int64(len(p.raw)))
			b.ReportAllocs()
			for b.Loop() {
				if err := ref.Validate(inst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func mustJSON(b *testing.B, v any) []byte {
	raw, err := json.Marshal(v)
	require.NoError(b, err)
	return raw
}
