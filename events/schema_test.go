package events_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

type item struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty" jsonschema:"minimum=1"`
}

type embeddedMeta struct {
	Source string `json:"source"`
}

type order struct {
	ID        string            `json:"id"`
	Customer  customer          `json:"customer"`
	Items     []item            `json:"items"`
	Labels    map[string]string `json:"labels,omitempty"`
	Coupon    *string           `json:"coupon"`
	Notes     []*string         `json:"notes,omitempty"`
	Total     int64             `json:"total,string"`
	ByCode    map[int]bool      `json:"by_code,omitempty"`
	PlacedAt  time.Time         `json:"placed_at"`
	ShippedAt *time.Time        `json:"shipped_at,omitempty"`
	Extra     json.RawMessage   `json:"extra,omitempty"`
	Any       any               `json:"any,omitempty"`
	*embeddedMeta
	internal int
}

type customer struct {
	Name     string    `json:"name"`
	Referrer *customer `json:"referrer,omitempty"`
}

var orderPlaced = events.Define[order]("app/order.placed")

func TestSchemaGolden(t *testing.T) {
	t.Parallel()
	got := orderPlaced.SchemaJSON()
	path := filepath.Join("testdata", "order.schema.json")
	if *update {
		require.NoError(t, os.WriteFile(path, append(got, '\n'), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.JSONEq(t, string(want), string(got))
}

func TestSchemaShape(t *testing.T) {
	t.Parallel()
	s := orderPlaced.Schema()
	require.Equal(t, "#/$defs/order", s.Ref)
	o := s.Definitions["order"]
	require.Equal(t, "object", o.Type)
	require.ElementsMatch(t, []string{"id", "customer", "items", "coupon", "total", "placed_at"}, o.Required,
		"omitempty fields and fields of the embedded pointer are optional")

	placed, ok := o.Properties.Get("placed_at")
	require.True(t, ok)
	require.Equal(t, "string", placed.Type)
	require.Equal(t, "date-time", placed.Format)

	items, _ := o.Properties.Get("items")
	require.Len(t, items.AnyOf, 2, "a nil slice marshals as null")
	require.Equal(t, "array", items.AnyOf[0].Type)
	require.Equal(t, "#/$defs/item", items.AnyOf[0].Items.Ref)
	require.Equal(t, "null", items.AnyOf[1].Type)

	coupon, _ := o.Properties.Get("coupon")
	require.Equal(t, "string", coupon.AnyOf[0].Type)

	total, _ := o.Properties.Get("total")
	require.Equal(t, "string", total.Type, `json:",string"`)

	labels, _ := o.Properties.Get("labels")
	require.Equal(t, "object", labels.AnyOf[0].Type)
	require.Equal(t, "string", labels.AnyOf[0].AdditionalProperties.Type)

	_, ok = o.Properties.Get("source")
	require.True(t, ok, "embedded struct fields are promoted")
	_, ok = o.Properties.Get("internal")
	require.False(t, ok)
}

func TestSchemaValidation(t *testing.T) {
	t.Parallel()
	coupon := "SAVE"
	o := order{
		ID:           "o1",
		Customer:     customer{Name: "Ann", Referrer: &customer{Name: "Bob"}},
		Items:        []item{{SKU: "a", Qty: 2}},
		Coupon:       &coupon,
		Notes:        []*string{nil, &coupon},
		Total:        1200,
		ByCode:       map[int]bool{-1: true, 2: false},
		PlacedAt:     time.Now(),
		Extra:        json.RawMessage(`[1,{"x":null}]`),
		Any:          []any{1, "x"},
		embeddedMeta: &embeddedMeta{Source: "web"},
		internal:     1,
	}
	require.NoError(t, orderPlaced.Validate(o))
	require.NoError(t, orderPlaced.Validate(order{}), "zero value: nil slices, nil pointers, nil embedded pointer")
	o.Items = append(o.Items, item{SKU: "b"})
	require.EqualError(t, orderPlaced.Validate(o), `inngest: event "app/order.placed" data invalid: /items/1/qty: 0 is less than minimum 1`)

	require.ErrorContains(t, orderPlaced.ValidateJSON([]byte(`{"id":"o","customer":{"name":"a","referrer":{"name":1}},"items":[],"coupon":null,"total":"1","placed_at":"x"}`)),
		"/customer/referrer/name: expected string, got number")
	require.ErrorContains(t, orderPlaced.ValidateJSON([]byte(`{"id":"o","customer":{"name":"a"},"items":[],"coupon":null,"total":1,"placed_at":"x"}`)),
		"/total: expected string, got number")
	require.ErrorContains(t, orderPlaced.ValidateJSON([]byte(`{"id":"o","customer":{"name":"a"},"items":[],"coupon":null,"total":"1","placed_at":"x","by_code":{"x":true}}`)),
		"/by_code/x: property not allowed")
}

type status string

func (s status) MarshalJSON() ([]byte, error) { return json.Marshal(map[string]string{"s": string(s)}) }

type level int

func (l level) MarshalText() ([]byte, error) { return []byte("L" + string(rune('0'+l))), nil }

func TestSchemaSelfMarshalling(t *testing.T) {
	t.Parallel()
	type data struct {
		Status status `json:"status"`
		Level  level  `json:"level"`
	}
	d := events.Define[data]("app/self.marshalled")
	require.NoError(t, d.Validate(data{Status: "ok", Level: 3}))
	require.ErrorContains(t, d.ValidateJSON([]byte(`{"status":1,"level":3}`)), "/level: expected string, got number")
}
