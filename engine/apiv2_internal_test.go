package engine

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// decodeRerunBody accepts what the server's decoder accepted in
// testdata/realserver/rerun.json (and the null forms probed by hand), and
// refuses the rest.
func TestDecodeRerunBody(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body     string
		ok       bool
		fromStep bool
		stepID   string
		input    string
	}{
		{"", true, false, "", ""},
		{"{}", true, false, "", ""},
		{`{"fromStep":null}`, true, false, "", ""},
		{`{"fromStep":{}}`, true, true, "", ""},
		{`{"fromStep":{"stepId":"b"}}`, true, true, "b", ""},
		{`{"from_step":{"step_id":"b"}}`, true, true, "b", ""},
		{`{"fromStep":{"stepId":"b","input":null}}`, true, true, "b", ""},
		{`{"fromStep":{"stepId":"b","input":[ {"x": 1} ]}}`, true, true, "b", `[{"x":1}]`},
		{`{"runId":"x"}`, true, false, "", ""},
		{`{"fromStep":{"stepId":"b","input":{"x":1}}}`, false, false, "", ""},
		{`{"fromStep":{"stepId":5}}`, false, false, "", ""},
		{`{"fromStep":[]}`, false, false, "", ""},
		{`{"step":"b"}`, false, false, "", ""},
		{`{"fromStep":{"stepId":"b","extra":1}}`, false, false, "", ""},
		{`{"fromStep":`, false, false, "", ""},
		{`[]`, false, false, "", ""},
		{`null`, false, false, "", ""},
	} {
		got, err := decodeRerunBody([]byte(tc.body))
		if !tc.ok {
			require.ErrorIs(t, err, errV2Body, tc.body)
			continue
		}
		require.NoError(t, err, tc.body)
		require.Equal(t, tc.fromStep, got.fromStep, tc.body)
		require.Equal(t, tc.stepID, got.stepID, tc.body)
		require.Equal(t, tc.input, string(got.input), tc.body)
	}
}

// decodeRerunBody never panics, and an input it accepts is a JSON array.
func FuzzDecodeRerunBody(f *testing.F) {
	for _, s := range []string{"", "{}", `{"fromStep":{"stepId":"b","input":[1]}}`, `{"from_step":{"step_id":"b"}}`, `{"fromStep":null}`, `[`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeRerunBody(b)
		if err != nil {
			return
		}
		if got.input != nil {
			var arr []any
			require.NoError(t, jsoncodec.Unmarshal(got.input, &arr))
			require.True(t, bytes.HasPrefix(got.input, []byte("[")))
		}
		if !got.fromStep {
			require.Empty(t, got.stepID)
		}
	})
}
