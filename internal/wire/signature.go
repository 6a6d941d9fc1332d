package wire

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// SignatureMaxAge is how far a request signature's timestamp may be from now, in
// either direction: older is a replay, further in the future is not a clock skew
// worth accepting (a signature made for later would otherwise stay valid until
// then).
const SignatureMaxAge = 5 * time.Minute

// CanonicalFallbackMaxBytes bounds the bodies whose RFC 8785 canonical form is tried
// when the raw bytes do not verify. The server MACs the exact bytes of a call, and
// the canonical form only of the small bodies it signs through the official SDK's
// Sign (the sync PUT's {"url": ...}); without the bound a bad signature on an 8 MB
// call would cost a full JSON canonicalisation on top of the HMACs.
const CanonicalFallbackMaxBytes = 64 << 10

// Errors returned by ParseSignature and VerifySignature. Compare them with
// errors.Is.
var (
	// ErrSignatureMissing means the X-Inngest-Signature header was absent or empty.
	ErrSignatureMissing = errors.New("inngest: missing X-Inngest-Signature")
	// ErrSignatureMalformed means the header was not "t=<unix>&s=<64 hex digits>".
	ErrSignatureMalformed = errors.New("inngest: malformed X-Inngest-Signature")
	// ErrSignatureExpired means the header's timestamp is older than SignatureMaxAge.
	ErrSignatureExpired = errors.New("inngest: X-Inngest-Signature expired")
	// ErrSignatureFuture means the header's timestamp is more than SignatureMaxAge
	// ahead of the clock.
	ErrSignatureFuture = errors.New("inngest: X-Inngest-Signature timestamp is too far in the future")
	// ErrSignatureInvalid means no configured key produced the header's MAC.
	ErrSignatureInvalid = errors.New("inngest: X-Inngest-Signature does not match")
)

// macSize is the length in bytes of an HMAC-SHA256 digest.
const macSize = sha256.Size

// Sign returns the X-Inngest-Signature value "t=<unix seconds>&s=<hex>" for
// body at time now. The MAC is lowercase hex HMAC-SHA256, keyed with
// signingKey minus any "signkey-<env>-" prefix (the rest is used as ASCII
// bytes, not hex-decoded), over body followed by the decimal timestamp.
//
// An empty key is allowed: in dev mode the official SDK signs its in-band
// sync reply with an empty HMAC key (PROTOCOL §2.3). body is MACed as is;
// callers that need a canonical form canonicalize first.
func Sign(signingKey string, now time.Time, body []byte) string {
	ts := now.Unix()
	sum := computeMAC(NormalizeKey(signingKey), body, ts)
	buf := make([]byte, 0, len("t=&s=")+20+2*macSize)
	buf = append(buf, "t="...)
	buf = strconv.AppendInt(buf, ts, 10)
	buf = append(buf, "&s="...)
	buf = hex.AppendEncode(buf, sum[:])
	return string(buf)
}

// SignResponse signs a response body the way the official Go SDK signs its
// in-band sync and trust-probe replies: one trailing '\n' (added by Go's
// json.Encoder) is removed before MACing. key is the key that verified the
// request (empty in dev mode); its prefix is stripped as in Sign.
func SignResponse(key string, now time.Time, body []byte) string {
	if n := len(body); n > 0 && body[n-1] == '\n' {
		body = body[:n-1]
	}
	return Sign(key, now, body)
}

// computeMAC returns HMAC-SHA256(key, body || decimal(ts)). key must already
// be normalized.
func computeMAC(key string, body []byte, ts int64) [macSize]byte {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	var tbuf [20]byte
	m.Write(strconv.AppendInt(tbuf[:0], ts, 10))
	var sum [macSize]byte
	m.Sum(sum[:0])
	return sum
}

// ParseSignature parses an X-Inngest-Signature value. The value is read like
// a query string: '&'-separated "name=value" pairs, of which "t" (a
// non-negative decimal Unix time in seconds) and "s" (a 64-digit hex
// HMAC-SHA256, either case) are required and other names are ignored. A
// repeated "t" or "s" is malformed. The only allocation is the returned MAC.
//
// An empty header yields ErrSignatureMissing; any other defect yields
// ErrSignatureMalformed. It never panics.
func ParseSignature(header string) (ts int64, mac []byte, err error) {
	if header == "" {
		return 0, nil, ErrSignatureMissing
	}
	var tv, sv string
	var haveT, haveS bool
	rest := header
	for rest != "" {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		name, value, ok := strings.Cut(pair, "=")
		if !ok {
			if pair == "" {
				continue
			}
			return 0, nil, ErrSignatureMalformed
		}
		switch name {
		case "t":
			if haveT {
				return 0, nil, ErrSignatureMalformed
			}
			tv, haveT = value, true
		case "s":
			if haveS {
				return 0, nil, ErrSignatureMalformed
			}
			sv, haveS = value, true
		}
	}
	if !haveT || !haveS || tv == "" || len(tv) > 19 || len(sv) != 2*macSize {
		return 0, nil, ErrSignatureMalformed
	}
	// ParseUint takes digits only (no sign, no underscores in base 10); bitSize 63
	// keeps the value within int64.
	uts, perr := strconv.ParseUint(tv, 10, 63)
	if perr != nil {
		return 0, nil, ErrSignatureMalformed
	}
	mac, herr := hex.DecodeString(sv)
	if herr != nil {
		return 0, nil, ErrSignatureMalformed
	}
	return int64(uts), mac, nil
}

// VerifySignature checks an X-Inngest-Signature header against body at time
// now. The timestamp must be within SignatureMaxAge of now, in the past
// (ErrSignatureExpired) or in the future (ErrSignatureFuture). The MAC is tried
// over the raw body with key, then with fallback (when non-empty); only if both
// fail, and body is at most CanonicalFallbackMaxBytes long, is body replaced by
// its RFC 8785 canonical form (Canonicalize) and both keys tried again, because
// the server MACs the canonical form of the sync PUT's body (call bodies are
// MACed as sent). Comparisons are constant-time.
//
// On success it returns the key string that matched, exactly as passed (key
// or fallback), so the caller can sign its response with it. Empty keys never
// verify anything: with no key configured the result is ErrSignatureInvalid
// (dev mode skips verification instead of calling this).
func VerifySignature(header string, body []byte, now time.Time, key, fallback string) (matchedKey string, err error) {
	ts, mac, err := ParseSignature(header)
	if err != nil {
		return "", err
	}
	const maxAge = int64(SignatureMaxAge / time.Second)
	switch nowTS := now.Unix(); {
	case ts < nowTS && nowTS-ts > maxAge:
		return "", ErrSignatureExpired
	case ts > nowTS && ts-nowTS > maxAge:
		return "", ErrSignatureFuture
	}
	keys := [2]string{key, fallback}
	if k, ok := matchMAC(keys, body, ts, mac); ok {
		return k, nil
	}
	if len(body) > CanonicalFallbackMaxBytes {
		return "", ErrSignatureInvalid
	}
	canon, cerr := Canonicalize(body)
	if cerr == nil && !bytes.Equal(canon, body) {
		if k, ok := matchMAC(keys, canon, ts, mac); ok {
			return k, nil
		}
	}
	return "", ErrSignatureInvalid
}

// matchMAC returns the first non-empty key whose MAC over body and ts equals mac.
func matchMAC(keys [2]string, body []byte, ts int64, mac []byte) (string, bool) {
	for _, k := range keys {
		if k == "" {
			continue
		}
		sum := computeMAC(NormalizeKey(k), body, ts)
		if hmac.Equal(sum[:], mac) {
			return k, true
		}
	}
	return "", false
}
