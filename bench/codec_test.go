package bench

import (
	"encoding/json"
	"testing"

	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/stretchr/testify/require"
)

// decodeSeeds are call bodies, valid and not, on which wire.DecodeCallRequest must
// agree with encoding/json.
var decodeSeeds = []string{
	`{"ctx":{"run_id":"r","stack":{"stack":["a","b"]}},"steps":{"a":{"data":1},"b\u0041":null, "c" : [1,"x\"]",{"y":"}"}] ,"d":"s\\"},"event":{"name":"x"},"version":2}`,
	`{"steps":null}`, `{"steps":{}}`, `{"steps":"x"}`, `{"steps":[]}`, `{"steps":{"a":1,"a":2}}`,
	`{"steps":{"a":tru}}`, `{"Steps":{"a":1}}`, `{}`, `{"steps":{"\xff":1}}`, `{"steps":{"é":"\\\"","k\n":1}}`,
	"{\"steps\":{\"a\" :\t{\"data\" : [ 1 , 2 ] } ,\n\"b\":\"\\\\\"}}", `{"steps":{"a":{"data":1}}`, `{"steps":{"a":1e5,"b":-0.5,"c":true,"d":false}}`,
	`[]`, `null`, ``, `{"steps":{"a":"\ud83d\ude00"}}`,
}

func TestDecodeCallRequestMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, body := range decodeSeeds {
		t.Run(body, func(t *testing.T) {
			t.Parallel()
			checkDecodeCallRequest(t, []byte(body))
		})
	}
}

func FuzzDecodeCallRequest(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Add(callBody(f, memoizedSteps(2)))
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecodeCallRequest(t, body)
	})
}

// checkDecodeCallRequest requires the same outcome as encoding/json: both fail, or
// both succeed with equal requests.
func checkDecodeCallRequest(t *testing.T, body []byte) {
	var want, got wire.CallRequest
	errWant := json.Unmarshal(body, &want)
	errGot := wire.DecodeCallRequest(body, &got)
	if errWant != nil {
		require.Error(t, errGot, "encoding/json: %v", errWant)
		return
	}
	require.NoError(t, errGot)
	require.Equal(t, want.Steps == nil, got.Steps == nil)
	require.Equal(t, len(want.Steps), len(got.Steps))
	for k, v := range want.Steps {
		require.Contains(t, got.Steps, k)
		require.Equal(t, string(v), string(got.Steps[k]))
	}
	want.Steps, got.Steps = nil, nil
	require.Equal(t, want, got)
}
