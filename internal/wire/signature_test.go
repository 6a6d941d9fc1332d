package wire

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// captureVectors holds values copied from the wire captures (testdata/sig/capture.json).
type captureVectors struct {
	SigningKey           string   `json:"signing_key"`
	RegisterBearer       string   `json:"register_bearer"`
	InbandReplySignature string   `json:"inband_reply_signature"`
	DriverPutBody        string   `json:"driver_put_body"`
	DriverPutSignature   string   `json:"driver_put_signature"`
	DriverGetSignature   string   `json:"driver_get_signature"`
	EventIDSeed          string   `json:"event_id_seed"`
	EventIDs             []string `json:"event_ids"`
}

func loadCapture(t testing.TB) captureVectors {
	t.Helper()
	raw, err := os.ReadFile("testdata/sig/capture.json")
	require.NoError(t, err)
	var v captureVectors
	require.NoError(t, json.Unmarshal(raw, &v))
	require.NotEmpty(t, v.SigningKey)
	return v
}

// inbandReplyBody returns the body of the in-band sync reply of sync.jsonl #6 in
// the module's captures (../../testdata/wire): the stored compact JSON, which is
// what inngestgo's json.Encoder wrote, plus its trailing newline.
func inbandReplyBody(t testing.TB) []byte {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "wire", "sync.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var line struct {
			Seq         int             `json:"seq"`
			RespBody    json.RawMessage `json:"resp_body"`
			RespBodyLen int             `json:"resp_body_len"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line))
		if line.Seq == 6 {
			body := append(append([]byte(nil), line.RespBody...), '\n')
			require.Len(t, body, line.RespBodyLen)
			return body
		}
	}
	require.NoError(t, sc.Err())
	t.Fatal("sync.jsonl has no seq 6")
	return nil
}

// captureTime is the t= of every signature in sync.jsonl #6-#8.
var captureTime = time.Unix(1795726908, 0)

const (
	exampleKey  = "signkey-test-12345678"
	exampleBody = `{"ctx":{"attempt":0},"event":{"data":{},"name":"app/demo"}}`
	exampleSig  = "t=1767225600&s=61325aed58e73ef37848a1ba593e03624d06e543a992277659285469928de19e"
)

var exampleTime = time.Unix(1767225600, 0)

func TestSign(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		key  string
		now  time.Time
		body string
		want string
	}{
		{"protocol 2.1 worked example", exampleKey, exampleTime, exampleBody, exampleSig},
		{"prod prefix signs identically", "signkey-prod-12345678", exampleTime, exampleBody, exampleSig},
		{"no prefix signs identically", "12345678", exampleTime, exampleBody, exampleSig},
		{"capture driver PUT (sync.jsonl #7)", "7468697320697320612074657374206b6579", captureTime,
			`{"url":"http://127.0.0.1:3100/api/inngest"}`,
			"t=1795726908&s=7b2e5799f52ff11625274c3edb03a125d2c0c1f34934ef54324402bebec7a653"},
		{"capture driver GET, empty body (sync.jsonl #8)", "7468697320697320612074657374206b6579", captureTime, "",
			"t=1795726908&s=7fd2c10d3a0704445d5e151add33e1b1b72aff545390f20d817d85b2aa64cf55"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, Sign(tc.key, tc.now, []byte(tc.body)))
		})
	}
}

func TestSignResponseCapture(t *testing.T) {
	t.Parallel()
	v := loadCapture(t)
	body := inbandReplyBody(t)
	require.Len(t, body, 8977, "exact wire bytes, json.Encoder newline included")
	require.Equal(t, v.InbandReplySignature, SignResponse("", captureTime, body))
	// Without stripping the newline the MAC differs (PROTOCOL §15.2).
	require.NotEqual(t, v.InbandReplySignature, Sign("", captureTime, body))
	// Only one newline is stripped.
	require.NotEqual(t, v.InbandReplySignature, SignResponse("", captureTime, append(body, '\n')))
	// A verifier with an empty key cannot verify it: empty keys never match.
	_, err := VerifySignature(v.InbandReplySignature, body[:len(body)-1], captureTime, "", "")
	require.ErrorIs(t, err, ErrSignatureInvalid)
}

func TestVerifySignatureCapture(t *testing.T) {
	t.Parallel()
	v := loadCapture(t)
	k, err := VerifySignature(v.DriverPutSignature, []byte(v.DriverPutBody), captureTime, v.SigningKey, "")
	require.NoError(t, err)
	require.Equal(t, v.SigningKey, k)
	k, err = VerifySignature(v.DriverGetSignature, nil, captureTime.Add(time.Minute), "signkey-prod-"+v.SigningKey, "")
	require.NoError(t, err)
	require.Equal(t, "signkey-prod-"+v.SigningKey, k)
}

func TestParseSignature(t *testing.T) {
	t.Parallel()
	mac := "61325aed58e73ef37848a1ba593e03624d06e543a992277659285469928de19e"
	tests := []struct {
		name    string
		header  string
		wantTS  int64
		wantErr error
	}{
		{"valid", "t=1767225600&s=" + mac, 1767225600, nil},
		{"order swapped", "s=" + mac + "&t=1767225600", 1767225600, nil},
		{"upper-case hex", "t=1&s=" + strings.ToUpper(mac), 1, nil},
		{"unknown pair ignored", "t=1&v=2&s=" + mac, 1, nil},
		{"empty pairs ignored", "&t=1&&s=" + mac + "&", 1, nil},
		{"missing", "", 0, ErrSignatureMissing},
		{"t=abc&s=zz", "t=abc&s=zz", 0, ErrSignatureMalformed},
		{"s= only", "s=", 0, ErrSignatureMalformed},
		{"s only", "s=" + mac, 0, ErrSignatureMalformed},
		{"t only", "t=1767225600", 0, ErrSignatureMalformed},
		{"garbage", "garbage", 0, ErrSignatureMalformed},
		{"binary garbage", "\x00\xff=&=\x80", 0, ErrSignatureMalformed},
		{"non-hex mac", "t=1&s=" + strings.Repeat("zz", 32), 0, ErrSignatureMalformed},
		{"short mac", "t=1&s=" + mac[:62], 0, ErrSignatureMalformed},
		{"long mac", "t=1&s=" + mac + "00", 0, ErrSignatureMalformed},
		{"negative t", "t=-1&s=" + mac, 0, ErrSignatureMalformed},
		{"plus t", "t=+1&s=" + mac, 0, ErrSignatureMalformed},
		{"empty t", "t=&s=" + mac, 0, ErrSignatureMalformed},
		{"t overflows int64", "t=9999999999999999999&s=" + mac, 0, ErrSignatureMalformed},
		{"duplicate t", "t=1&t=2&s=" + mac, 0, ErrSignatureMalformed},
		{"duplicate s", "t=1&s=" + mac + "&s=" + mac, 0, ErrSignatureMalformed},
		{"percent-encoded", "t=1&s=%36" + mac[1:], 0, ErrSignatureMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts, got, err := ParseSignature(tc.header)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				require.Nil(t, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.wantTS, ts)
			require.Len(t, got, 32)
			require.Equal(t, byte(0x61), got[0])
		})
	}
}

func TestVerifySignature(t *testing.T) {
	t.Parallel()
	const (
		primary  = "signkey-prod-aaaa1111"
		fallback = "signkey-prod-bbbb2222"
	)
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"ctx":{"attempt":0},"event":{"data":{"a":1},"name":"app/x"}}`)
	// Not canonical: spaces, unsorted keys, Go-style \u0026 escape.
	loose := []byte(`{ "url": "http://h/api?a=1\u0026b=2", "b": [1.0, 2e0], "a": {"z": 1, "y": null} }`)
	canon, err := Canonicalize(loose)
	require.NoError(t, err)
	require.Equal(t, `{"a":{"y":null,"z":1},"b":[1,2],"url":"http://h/api?a=1&b=2"}`, string(canon))

	// A body over CanonicalFallbackMaxBytes is only checked in its raw form, even
	// when its canonical form carries the MAC; one at the bound still gets the retry.
	largeLoose := []byte(`{ "a": "` + strings.Repeat("x", CanonicalFallbackMaxBytes) + `" }`)
	largeCanon, err := Canonicalize(largeLoose)
	require.NoError(t, err)
	boundLoose := []byte(`{ "a": "` + strings.Repeat("x", CanonicalFallbackMaxBytes-11) + `" }`)
	require.Equal(t, CanonicalFallbackMaxBytes, len(boundLoose))
	boundCanon, err := Canonicalize(boundLoose)
	require.NoError(t, err)

	tests := []struct {
		name     string
		header   string
		body     []byte
		key      string
		fallback string
		wantKey  string
		wantErr  error
	}{
		{"valid", Sign(primary, now, body), body, primary, "", primary, nil},
		{"valid with fallback configured", Sign(primary, now, body), body, primary, fallback, primary, nil},
		{"prefix does not matter", Sign("aaaa1111", now, body), body, primary, "", primary, nil},
		{"fallback key works", Sign(fallback, now, body), body, primary, fallback, fallback, nil},
		{"tampered body", Sign(primary, now, body), []byte(strings.Replace(string(body), `"a":1`, `"a":2`, 1)), primary, fallback, "", ErrSignatureInvalid},
		{"wrong key", Sign("signkey-prod-cccc", now, body), body, primary, fallback, "", ErrSignatureInvalid},
		{"no key configured", Sign("", now, body), body, "", "", "", ErrSignatureInvalid},
		{"expired 6 min", Sign(primary, now.Add(-6*time.Minute), body), body, primary, "", "", ErrSignatureExpired},
		{"exactly max age ok", Sign(primary, now.Add(-SignatureMaxAge), body), body, primary, "", primary, nil},
		{"future within max age ok (clock skew)", Sign(primary, now.Add(SignatureMaxAge), body), body, primary, "", primary, nil},
		{"future beyond max age", Sign(primary, now.Add(SignatureMaxAge+time.Second), body), body, primary, "", "", ErrSignatureFuture},
		{"an hour in the future", Sign(primary, now.Add(time.Hour), body), body, primary, "", "", ErrSignatureFuture},
		{"large body: no canonical-form retry", Sign(primary, now, largeCanon), largeLoose, primary, "", "", ErrSignatureInvalid},
		{"large body, raw form", Sign(primary, now, largeLoose), largeLoose, primary, "", primary, nil},
		{"canonical-form fallback at the size bound", Sign(primary, now, boundCanon), boundLoose, primary, "", primary, nil},
		{"missing", "", body, primary, "", "", ErrSignatureMissing},
		{"malformed t=abc&s=zz", "t=abc&s=zz", body, primary, "", "", ErrSignatureMalformed},
		{"malformed s= only", "s=", body, primary, "", "", ErrSignatureMalformed},
		{"malformed garbage", "not a signature", body, primary, "", "", ErrSignatureMalformed},
		{"canonical-form fallback", Sign(primary, now, canon), loose, primary, "", primary, nil},
		{"canonical-form fallback with fallback key", Sign(fallback, now, canon), loose, primary, fallback, fallback, nil},
		{"raw-form of loose body", Sign(primary, now, loose), loose, primary, "", primary, nil},
		{"canonical fallback, tampered", Sign(primary, now, canon), []byte(`{"a":1}`), primary, "", "", ErrSignatureInvalid},
		{"invalid JSON body, wrong MAC", Sign(primary, now, []byte("x")), []byte("{not json"), primary, "", "", ErrSignatureInvalid},
		{"empty body (introspection)", Sign(primary, now, nil), nil, primary, "", primary, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := VerifySignature(tc.header, tc.body, now, tc.key, tc.fallback)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				require.Empty(t, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.wantKey, got)
		})
	}
}

func TestSignRoundTrip(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	for _, key := range []string{"signkey-test-00ff", "plain", "signkey-branch_1-x"} {
		h := Sign(key, now, []byte("body"))
		ts, mac, err := ParseSignature(h)
		require.NoError(t, err)
		require.Equal(t, now.Unix(), ts)
		require.Len(t, mac, 32)
		got, err := VerifySignature(h, []byte("body"), now, key, "")
		require.NoError(t, err)
		require.Equal(t, key, got)
	}
}

func FuzzParseSignature(f *testing.F) {
	f.Add(exampleSig)
	f.Add("")
	f.Add("t=abc&s=zz")
	f.Add("s=")
	f.Add("t=1&s=" + strings.Repeat("0", 64))
	f.Add("t=1&t=2&&s=")
	f.Add("\x00=\xff&")
	f.Fuzz(func(t *testing.T, header string) {
		ts, mac, err := ParseSignature(header)
		if err != nil {
			require.Nil(t, mac)
			return
		}
		require.GreaterOrEqual(t, ts, int64(0))
		require.Len(t, mac, 32)
	})
}

func FuzzVerifySignature(f *testing.F) {
	f.Add(exampleSig, []byte(exampleBody), int64(1767225600), exampleKey, "")
	f.Add(exampleSig, []byte(`{ "event": {"name":"app/demo","data":{}}, "ctx":{"attempt":0} }`), int64(1767225600), "x", exampleKey)
	f.Add("t=abc&s=zz", []byte("{}"), int64(0), "k", "")
	f.Add("", []byte(nil), int64(0), "", "")
	f.Add("t=1&s="+strings.Repeat("ab", 32), []byte(`[[[[[[1]]]]]]`), int64(1), "k", "f")
	f.Fuzz(func(t *testing.T, header string, body []byte, now int64, key, fallback string) {
		got, err := VerifySignature(header, body, time.Unix(now, 0), key, fallback)
		if err != nil {
			require.Empty(t, got)
			return
		}
		require.True(t, got == key || got == fallback)
		require.NotEmpty(t, got)
		// Whatever verified must be the MAC of the raw or the canonical bytes.
		ts, mac, perr := ParseSignature(header)
		require.NoError(t, perr)
		sum := computeMAC(NormalizeKey(got), body, ts)
		if !bytes.Equal(sum[:], mac) {
			canon, cerr := Canonicalize(body)
			require.NoError(t, cerr)
			sum = computeMAC(NormalizeKey(got), canon, ts)
			require.Equal(t, mac, sum[:])
		}
	})
}

func BenchmarkVerifySignature(b *testing.B) {
	const key = "signkey-prod-0123456789abcdef"
	body := []byte(`{"data":"` + strings.Repeat("x", 100*1024-11) + `"}`)
	now := time.Unix(1_800_000_000, 0)
	header := Sign(key, now, body)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := VerifySignature(header, body, now, key, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// largeCallBody is an ~8 MB call body (the handler's default limit) made of
// memoized steps, with non-canonical number forms so canonicalising it is real work.
func largeCallBody() []byte {
	var b strings.Builder
	b.WriteString(`{"ctx":{"attempt":0,"run_id":"01KRUN"},"event":{"data":{},"name":"app/x"},"steps":{`)
	for i := 0; b.Len() < 8<<20-512; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"%040d":{"data":{"n":%d.0,"f":1.5e0,"s":"step output number %d with some text","list":[1,2,3,{"k":"v"}]}}`, i, i, i)
	}
	b.WriteString(`},"version":2}`)
	return []byte(b.String())
}

// BenchmarkVerifySignatureBadLarge is the cost of rejecting a bad signature on an
// ~8 MB body: the canonical-form retry is bounded to small bodies, so this is two
// HMACs over the raw bytes (one per key), not a JSON canonicalisation on top.
func BenchmarkVerifySignatureBadLarge(b *testing.B) {
	body := largeCallBody()
	now := time.Unix(1_800_000_000, 0)
	header := Sign("signkey-prod-ffff", now, body)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := VerifySignature(header, body, now, "signkey-prod-0123", "signkey-prod-4567"); err == nil {
			b.Fatal("verified")
		}
	}
}
