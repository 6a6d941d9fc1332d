package sqlitestore

import (
	"bytes"
	"database/sql"
	"encoding/gob"
	"fmt"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine"
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

// runFormat is the encoding of runs this build writes (runs.format): 1 is
// gob of engine.RunState. gob matches fields by name, so fields added to or
// removed from RunState keep format 1 readable; a change gob cannot absorb
// gets a new format, and decodeRun keeps reading the old ones.
const runFormat = 1

// encodeRun serializes a run with gob: unlike encoding/json it keeps fields
// tagged json:"-" (RunError.NoRetry) and raw JSON values byte for byte.
func encodeRun(r *engine.RunState) ([]byte, error) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(r); err != nil {
		return nil, fmt.Errorf("inngest: sqlitestore: encode run %s: %w", r.ID, err)
	}
	return b.Bytes(), nil
}

// decodeRun reads a run written by encodeRun in format.
func decodeRun(path string, id string, format int, b []byte) (*engine.RunState, error) {
	if format != runFormat {
		return nil, &VersionError{Path: path, What: "run " + id + " encoding", Found: format, Supported: runFormat}
	}
	r := new(engine.RunState)
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(r); err != nil {
		return nil, fmt.Errorf("inngest: sqlitestore: decode run: %w", err)
	}
	return r, nil
}
