package sqlitestore

import (
	"bytes"
	"database/sql"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// timeLayout is fixed-width so that stored times sort as text.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// encodeTime returns t in UTC as text, or NULL for the zero time.
func encodeTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(timeLayout)
}

// decodeTime reads a time written by encodeTime.
func decodeTime(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	t, err := time.Parse(timeLayout, s.String)
	if err != nil {
		return time.Time{}, fmt.Errorf("inngest: sqlitestore: bad time %q: %w", s.String, err)
	}
	return t, nil
}

// Run formats (runs.format).
const (
	// runFormatGob is gob of the whole enginestore.RunRecord in runs.state, no
	// run_items rows: what schema versions 1 and 2 wrote. Still read; a run
	// saved again is rewritten in runFormat.
	runFormatGob = 1
	// runFormatItems is the run's header (encodeHeader) in runs.state and
	// its memo, step records and history as run_items rows, one per entry
	// (encodeStep, encodeHistory).
	runFormatItems = 2
)

// runFormat is the encoding of runs this build writes (runs.format); a run
// of a newer format is refused with a *VersionError, one of an older format
// is read and rewritten in runFormat when it is saved again.
const runFormat = runFormatItems

// The binary encoding of the header and the items. It keeps what gob kept
// and encoding/json would not: fields tagged json:"-" (RunError.NoRetry),
// raw JSON values byte for byte, times to the nanosecond with their zone
// offset (time.Time's binary form, as gob). It also keeps a nil slice or
// map apart from an empty one. Every field of enginestore.RunRecord is written
// (TestEveryRunFieldIsStored fails when one is added and not written here);
// a field that cannot be added at the end of a record gets a new format.

// enc appends the binary encoding of values to b.
type enc struct{ b []byte }

func (e *enc) uint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) int(v int64)   { e.b = binary.AppendVarint(e.b, v) }

func (e *enc) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func (e *enc) str(s string) {
	e.uint(uint64(len(s)))
	e.b = append(e.b, s...)
}

// bytes writes a byte slice, keeping nil apart from empty.
func (e *enc) bytes(v []byte) {
	if v == nil {
		e.uint(0)
		return
	}
	e.uint(uint64(len(v)) + 1)
	e.b = append(e.b, v...)
}

// count writes the length of a slice or map, keeping nil apart from empty.
func (e *enc) count(n int, isNil bool) {
	if isNil {
		e.uint(0)
		return
	}
	e.uint(uint64(n) + 1)
}

func (e *enc) time(t time.Time) {
	if t.IsZero() {
		e.b = append(e.b, 0)
		return
	}
	// The binary form is a version byte (never 0) then fixed fields; it
	// fails for an offset in (-2 min, -1 min] (its minute count, -1, marks
	// UTC; e.g. London's local mean time, -0:01:15, before 1847) or out of
	// range, and then t is kept in UTC: the instant, not the zone.
	b, err := t.AppendBinary(e.b)
	if err != nil {
		b, _ = t.UTC().AppendBinary(e.b)
	}
	e.b = b
}

func (e *enc) stepError(se *runtype.StepError) {
	e.bool(se != nil)
	if se == nil {
		return
	}
	e.str(se.Name)
	e.str(se.Message)
	e.str(se.Stack)
	e.bytes(se.Data)
}

// errCorrupt is the error of decoding bytes that are not a valid encoding.
var errCorrupt = errors.New("inngest: sqlitestore: corrupt run encoding")

// dec reads what enc wrote; the first error sticks and zero values follow.
type dec struct {
	b   []byte
	err error
}

func (d *dec) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.b = nil
}

func (d *dec) uint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) int() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// n reads a count and checks that at least that many bytes follow (every
// element takes at least one byte), so corrupt input cannot make a huge
// allocation.
func (d *dec) n(v uint64) int {
	if v > uint64(len(d.b)) {
		d.fail()
		return 0
	}
	return int(v)
}

func (d *dec) bool() bool {
	if len(d.b) == 0 {
		d.fail()
		return false
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v != 0
}

func (d *dec) str() string {
	n := d.n(d.uint())
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *dec) bytes() []byte {
	v := d.uint()
	if v == 0 {
		return nil
	}
	n := d.n(v - 1)
	out := bytes.Clone(d.b[:n])
	if out == nil {
		out = []byte{}
	}
	d.b = d.b[n:]
	return out
}

func (d *dec) raw() json.RawMessage { return json.RawMessage(d.bytes()) }

// count reads what enc.count wrote: the length, or -1 for nil. Each element
// takes at least size bytes: a count that the bytes left cannot hold fails
// before anything is allocated for it, so that what corrupt input makes the
// decoder allocate stays within a small multiple of its length.
func (d *dec) count(size int) int {
	v := d.uint()
	if v == 0 {
		return -1
	}
	if v-1 > uint64(len(d.b)/size) {
		d.fail()
		return 0
	}
	return int(v - 1)
}

func (d *dec) time() time.Time {
	if len(d.b) == 0 {
		d.fail()
		return time.Time{}
	}
	if d.b[0] == 0 {
		d.b = d.b[1:]
		return time.Time{}
	}
	// Version 1 is 15 bytes, version 2 (seconds in the offset) 16.
	size := 15
	if d.b[0] == 2 {
		size = 16
	}
	if len(d.b) < size {
		d.fail()
		return time.Time{}
	}
	var t time.Time
	// Nanoseconds past a second are no time's (Time.UnmarshalBinary takes
	// them, and would not write them back).
	if binary.BigEndian.Uint32(d.b[9:13]) >= 1e9 {
		d.fail()
		return time.Time{}
	}
	if err := t.UnmarshalBinary(d.b[:size]); err != nil {
		d.fail()
		return time.Time{}
	}
	if size == 16 && int8(d.b[15]) < 0 {
		// The seconds of a negative offset (a local mean time west of
		// Greenwich) are written as a signed byte and read back unsigned,
		// 256 seconds east: the instant is right, the zone is not.
		_, off := t.Zone()
		t = t.In(time.FixedZone("", off-256))
	}
	// The encoder never writes a time whose binary form fails (an offset
	// in (-2 min, -1 min], which it keeps in UTC): such bytes are corrupt.
	var buf [16]byte
	if _, err := t.AppendBinary(buf[:0]); err != nil {
		d.fail()
		return time.Time{}
	}
	d.b = d.b[size:]
	return t
}

func (d *dec) stepError() *runtype.StepError {
	if !d.bool() {
		return nil
	}
	return &runtype.StepError{Name: d.str(), Message: d.str(), Stack: d.str(), Data: d.raw()}
}

// done returns the first error, or errCorrupt when bytes are left over.
func (d *dec) done() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = errCorrupt
	}
	return d.err
}

// encodeHeader encodes everything of a run but its memo, step records and
// history, which are run_items rows.
func encodeHeader(buf []byte, r *enginestore.RunRecord) []byte {
	e := enc{b: buf}
	e.str(r.ID)
	e.str(r.AppID)
	e.str(r.FunctionID)
	e.str(r.FunctionUUID)
	e.str(string(r.Status))
	e.bytes(r.Output)
	e.bool(r.Error != nil)
	if r.Error != nil {
		e.str(r.Error.Name)
		e.str(r.Error.Message)
		e.bool(r.Error.NoRetry)
	}
	e.count(len(r.EventIDs), r.EventIDs == nil)
	for _, id := range r.EventIDs {
		e.str(id)
	}
	e.count(len(r.Events), r.Events == nil)
	for _, ev := range r.Events {
		e.bytes(ev)
	}
	e.time(r.StartedAt)
	e.time(r.EndedAt)
	e.int(int64(r.Calls))
	e.int(int64(r.Attempts))
	e.int(int64(r.MaxAttempts))
	e.str(r.ParentRunID)
	e.count(len(r.Waits), r.Waits == nil)
	for _, w := range r.Waits {
		e.str(w.StepID)
		e.str(w.Event)
		e.str(w.Signal)
		e.str(w.If)
		e.time(w.Expires)
	}
	e.int(int64(r.Version))
	e.bool(r.ForcePlan)
	e.int(int64(r.Pending))
	e.bool(r.GroupTargeted)
	e.bool(r.Started)
	e.int(int64(r.Attempt))
	e.str(r.CorrelationID)
	e.int(r.Priority)
	e.count(len(r.Keys), r.Keys == nil)
	for k, v := range r.Keys {
		e.str(k)
		e.str(v)
	}
	e.str(r.Cron)
	e.int(int64(r.StackCurrent))
	e.int(int64(r.HistoryDropped))
	e.str(r.OriginalRunID)
	e.count(len(r.StepInputs), r.StepInputs == nil)
	for _, in := range r.StepInputs {
		e.str(in.ID)
		e.bytes(in.Value)
	}
	return e.b
}

// decodeHeader reads what encodeHeader wrote into a new run.
func decodeHeader(b []byte) (*enginestore.RunRecord, error) {
	d := dec{b: b}
	r := new(enginestore.RunRecord)
	r.ID = d.str()
	r.AppID = d.str()
	r.FunctionID = d.str()
	r.FunctionUUID = d.str()
	r.Status = runtype.Status(d.str())
	r.Output = d.raw()
	if d.bool() {
		r.Error = &runtype.RunError{Name: d.str(), Message: d.str(), NoRetry: d.bool()}
	}
	if n := d.count(1); n >= 0 { // a string: its length
		r.EventIDs = make([]string, n)
		for i := range r.EventIDs {
			r.EventIDs[i] = d.str()
		}
	}
	if n := d.count(1); n >= 0 { // raw bytes: their length
		r.Events = make([]json.RawMessage, n)
		for i := range r.Events {
			r.Events[i] = d.raw()
		}
	}
	r.StartedAt = d.time()
	r.EndedAt = d.time()
	r.Calls = int(d.int())
	r.Attempts = int(d.int())
	r.MaxAttempts = int(d.int())
	r.ParentRunID = d.str()
	if n := d.count(5); n >= 0 { // four strings and a time
		r.Waits = make([]runtype.WaitInfo, n)
		for i := range r.Waits {
			r.Waits[i] = runtype.WaitInfo{StepID: d.str(), Event: d.str(), Signal: d.str(), If: d.str(), Expires: d.time()}
		}
	}
	r.Version = int(d.int())
	r.ForcePlan = d.bool()
	r.Pending = int(d.int())
	r.GroupTargeted = d.bool()
	r.Started = d.bool()
	r.Attempt = int(d.int())
	r.CorrelationID = d.str()
	r.Priority = d.int()
	if n := d.count(2); n >= 0 { // two strings
		// Presized for a few: a map costs more per entry than a list.
		r.Keys = make(map[string]string, min(n, 8))
		for range n {
			k := d.str()
			r.Keys[k] = d.str()
		}
	}
	r.Cron = d.str()
	r.StackCurrent = int(d.int())
	if len(d.b) > 0 { // absent from headers written before it was added
		r.HistoryDropped = int(d.int())
	}
	if len(d.b) > 0 { // absent from headers written before reruns from a step
		r.OriginalRunID = d.str()
		if n := d.count(2); n >= 0 { // a string and raw bytes
			r.StepInputs = make([]enginestore.MemoEntry, n)
			for i := range r.StepInputs {
				r.StepInputs[i] = enginestore.MemoEntry{ID: d.str(), Value: d.raw()}
			}
		}
	}
	if err := d.done(); err != nil {
		return nil, err
	}
	return r, nil
}

// Result sources of an encoded step record.
const (
	resultNil  = 0 // Result is nil
	resultMemo = 1 // Result is the run's memoized value of the step
	resultOwn  = 2 // Result follows
)

// encodeStep encodes a step record but its ID (run_items.step_id). A result
// equal to the step's memoized value (memo, nil when none) is not written
// twice: it is read back from the memo.
func encodeStep(buf []byte, s *runtype.Step, memo json.RawMessage) []byte {
	e := enc{b: buf}
	e.str(s.Name)
	e.str(s.Op)
	e.int(int64(s.Attempts))
	switch {
	case s.Result == nil:
		e.uint(resultNil)
	case memo != nil && bytes.Equal(s.Result, memo):
		e.uint(resultMemo)
	default:
		e.uint(resultOwn)
		e.bytes(s.Result)
	}
	e.stepError(s.Error)
	e.stepError(s.LastError)
	e.bool(s.Done)
	e.bool(s.Race)
	return e.b
}

// decodeStep reads what encodeStep wrote. fromMemo reports that the
// record's result is its memoized value, for the caller to fill in.
func decodeStep(id string, b []byte) (s runtype.Step, fromMemo bool, err error) {
	d := dec{b: b}
	s = runtype.Step{ID: id, Name: d.str(), Op: d.str(), Attempts: int(d.int())}
	switch d.uint() {
	case resultNil:
	case resultMemo:
		fromMemo = true
	case resultOwn:
		s.Result = d.raw()
	default:
		d.fail()
	}
	s.Error = d.stepError()
	s.LastError = d.stepError()
	s.Done = d.bool()
	if len(d.b) > 0 { // absent from records written before it was added
		s.Race = d.bool()
	}
	return s, fromMemo, d.done()
}

// encodeHistory encodes a history item but its step ID (run_items.step_id).
// Its AI metadata comes last, after a presence flag: an item written before
// AI existed ends at Detail and reads as one without.
func encodeHistory(buf []byte, h *runtype.HistoryItem) []byte {
	e := enc{b: buf}
	e.time(h.Time)
	e.str(h.Kind)
	e.int(int64(h.Status))
	e.str(h.Detail)
	if h.Transport != "" || h.ConnectionID != "" || h.InstanceID != "" || h.AI != nil {
		// An optional tail: items stored before it existed end here.
		e.str(h.Transport)
		e.str(h.ConnectionID)
		e.str(h.InstanceID)
	}
	if a := h.AI; a != nil {
		// A second optional tail, after the first: the AI metadata.
		e.bool(true)
		e.str(a.Provider)
		e.str(a.RequestModel)
		e.str(a.ResponseModel)
		e.int(a.InputTokens)
		e.int(a.OutputTokens)
		e.int(a.TotalTokens)
	}
	return e.b
}

// decodeHistory reads what encodeHistory wrote.
func decodeHistory(stepID string, b []byte) (runtype.HistoryItem, error) {
	d := dec{b: b}
	h := runtype.HistoryItem{Time: d.time(), Kind: d.str(), StepID: stepID, Status: int(d.int()), Detail: d.str()}
	if len(d.b) > 0 {
		h.Transport, h.ConnectionID, h.InstanceID = d.str(), d.str(), d.str()
	}
	if len(d.b) > 0 && d.bool() {
		h.AI = &runtype.AIMetadata{Provider: d.str(), RequestModel: d.str(), ResponseModel: d.str(),
			InputTokens: d.int(), OutputTokens: d.int(), TotalTokens: d.int()}
	}
	return h, d.done()
}

// decodeGob reads a run of runFormatGob.
func decodeGob(b []byte) (*enginestore.RunRecord, error) {
	r := new(enginestore.RunRecord)
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(r); err != nil {
		return nil, fmt.Errorf("inngest: sqlitestore: decode run: %w", err)
	}
	return r, nil
}
