// Package fuzzvalue builds Go values of any type from fuzz bytes, for the
// differential fuzz tests that hold the module's JSON encoding to encoding/json
// (internal/jsoncodec) and to the event schemas (events). It is used by tests only.
//
// Every choice is read from the bytes, so an input always builds the same value:
// lengths, which pointer is nil, which dynamic type an interface holds, edge values
// (NaN, ±Inf, -0, times outside years 0–9999, zone offsets of a day or more,
// invalid UTF-8, strings that are JSON or HTML).
package fuzzvalue

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"reflect"
	"time"
)

// Source hands out the fuzz bytes; reading past the end gives zeros.
type Source struct {
	data []byte
	// Any, when set, makes the value stored in an interface field; the default
	// menu (Source.AnyValue) holds JSON-like values, durations and times.
	Any func(s *Source, depth int) any
	// Strings, when set, are the strings picked half of the time for a string
	// field (the other half are bytes of the input, UTF-8 or not).
	Strings []string
	// NoEdgeFloats keeps floats finite (for values that must encode).
	NoEdgeFloats bool
	// MaxDepth bounds nesting (default 3).
	MaxDepth int
}

// New returns a Source reading data.
func New(data []byte) *Source { return &Source{data: data} }

// Byte returns the next byte.
func (s *Source) Byte() byte {
	if len(s.data) == 0 {
		return 0
	}
	b := s.data[0]
	s.data = s.data[1:]
	return b
}

// Uint64 returns the next 8 bytes as a number.
func (s *Source) Uint64() uint64 {
	var b [8]byte
	n := copy(b[:], s.data)
	s.data = s.data[n:]
	return binary.LittleEndian.Uint64(b[:])
}

// Pick returns a number in [0, n).
func (s *Source) Pick(n int) int { return int(s.Byte()) % n }

// Fill sets every exported, settable part of v (a pointer) from the bytes.
func (s *Source) Fill(v any) { s.fill(reflect.ValueOf(v).Elem(), 0) }

// FillAt is Fill for a value nested depth levels deep (from an Any func).
func (s *Source) FillAt(v any, depth int) { s.fill(reflect.ValueOf(v).Elem(), depth) }

var (
	durationType = reflect.TypeFor[time.Duration]()
	timeType     = reflect.TypeFor[time.Time]()
	numberType   = reflect.TypeFor[json.Number]()
	rawType      = reflect.TypeFor[json.RawMessage]()
)

func (s *Source) maxDepth() int {
	if s.MaxDepth == 0 {
		return 3
	}
	return s.MaxDepth
}

var numbers = []string{"0", "-0", "1", "1.5", "1e3", "-12345678901234567890", "1E+400", "", "01", "1.", "abc", "0x10", " 1"}

var raws = []string{"", "null", "1", `"s"`, `{"a":[1,2]}`, ` { "b" : true } `, `{`, `[1,]`, `"<&>"`, "\"\xff\"", `nul`, `1 2`}

var years = []int{-1, 0, 1, 1969, 1970, 2026, 9999, 10000, -10000, 292277026596}

var offsets = []int{0, 3600, -3600, 19800, -1, -59, 23*3600 + 59*60, 24 * 3600, -24 * 3600, 100 * 3600}

// Time returns a time from the bytes: years and zone offsets include ones that
// encoding/json refuses.
func (s *Source) Time() time.Time {
	if s.Pick(4) == 0 {
		return time.Time{}
	}
	year := years[s.Pick(len(years))]
	if s.Pick(2) == 0 {
		year = int(int16(s.Uint64()))
	}
	loc := time.UTC
	if k := s.Pick(len(offsets) + 1); k < len(offsets) {
		loc = time.FixedZone("", offsets[k])
	}
	return time.Date(year, time.Month(s.Pick(13)), s.Pick(32), s.Pick(25), s.Pick(61), s.Pick(61), int(s.Uint64()%2e9), loc)
}

// Float returns a float64, edge values included unless NoEdgeFloats.
func (s *Source) Float() float64 {
	edges := []float64{0, math.Copysign(0, -1), 1e21, 1e20, 1e-7, 1e-6, math.MaxFloat64, math.SmallestNonzeroFloat64, 0.1, -2.5, math.MaxFloat32, 1 << 53}
	k := s.Pick(len(edges) + 4)
	switch {
	case k < len(edges):
		return edges[k]
	case s.NoEdgeFloats:
		f := math.Float64frombits(s.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 1
		}
		return f
	case k == len(edges):
		return math.NaN()
	case k == len(edges)+1:
		return math.Inf(1 - 2*s.Pick(2))
	}
	return math.Float64frombits(s.Uint64())
}

// String returns a string from the menu or from the input's bytes.
func (s *Source) String() string {
	if len(s.Strings) > 0 && s.Pick(2) == 0 {
		return s.Strings[s.Pick(len(s.Strings))]
	}
	n := s.Pick(12)
	if n > len(s.data) {
		n = len(s.data)
	}
	str := string(s.data[:n])
	s.data = s.data[n:]
	return str
}

// AnyValue is the default menu for interface fields.
func (s *Source) AnyValue(depth int) any {
	if depth >= s.maxDepth() {
		return nil
	}
	switch s.Pick(13) {
	case 0:
		return nil
	case 1:
		return s.Float()
	case 2:
		return s.String()
	case 3:
		return s.Pick(2) == 0
	case 4:
		a := make([]any, s.Pick(4))
		for i := range a {
			a[i] = s.anyAt(depth + 1)
		}
		return a
	case 5:
		m := map[string]any{}
		for range s.Pick(4) {
			m[s.String()] = s.anyAt(depth + 1)
		}
		return m
	case 6:
		return time.Duration(s.Uint64())
	case 7:
		return s.Time()
	case 8:
		m := map[int]any{}
		for range s.Pick(3) {
			m[int(int8(s.Byte()))] = s.anyAt(depth + 1)
		}
		return m
	case 9:
		return json.Number(numbers[s.Pick(len(numbers))])
	case 10:
		d := time.Duration(int64(s.Uint64()))
		return &d
	case 11:
		return []byte(s.String())
	}
	return int64(s.Uint64())
}

func (s *Source) anyAt(depth int) any {
	if s.Any != nil {
		return s.Any(s, depth)
	}
	return s.AnyValue(depth)
}

func (s *Source) fill(v reflect.Value, depth int) {
	if !v.CanSet() {
		return
	}
	switch v.Type() {
	case durationType:
		v.SetInt(int64(s.Uint64()))
		return
	case timeType:
		v.Set(reflect.ValueOf(s.Time()))
		return
	case numberType:
		v.SetString(numbers[s.Pick(len(numbers))])
		return
	case rawType:
		if r := raws[s.Pick(len(raws))]; r != "" {
			v.SetBytes([]byte(r))
		}
		return
	}
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(s.Pick(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := int64(s.Uint64())
		if s.Pick(2) == 0 {
			n = int64(int8(n))
		}
		v.SetInt(n) // truncated to the type's size
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n := s.Uint64()
		if s.Pick(2) == 0 {
			n %= 256
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(s.Float())
	case reflect.String:
		v.SetString(s.String())
	case reflect.Interface:
		if v.NumMethod() == 0 {
			if a := s.anyAt(depth); a != nil {
				v.Set(reflect.ValueOf(a))
			}
		}
	case reflect.Pointer:
		if depth >= s.maxDepth() || s.Pick(3) == 0 {
			return
		}
		p := reflect.New(v.Type().Elem())
		s.fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		if s.Pick(4) == 0 {
			return // nil
		}
		n := s.Pick(4)
		if depth >= s.maxDepth() {
			n = 0
		}
		sl := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			s.fill(sl.Index(i), depth+1)
		}
		v.Set(sl)
	case reflect.Array:
		for i := range v.Len() {
			s.fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		if s.Pick(4) == 0 {
			return
		}
		m := reflect.MakeMap(v.Type())
		n := s.Pick(4)
		if depth >= s.maxDepth() {
			n = 0
		}
		for range n {
			k := reflect.New(v.Type().Key()).Elem()
			s.fill(k, depth+1)
			e := reflect.New(v.Type().Elem()).Elem()
			s.fill(e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			s.fill(v.Field(i), depth)
		}
	}
}
