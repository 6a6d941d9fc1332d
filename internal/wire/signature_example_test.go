package wire_test

import (
	"fmt"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

func ExampleSign() {
	body := []byte(`{"ctx":{"attempt":0},"event":{"data":{},"name":"app/demo"}}`)
	fmt.Println(wire.Sign("signkey-test-12345678", time.Unix(1767225600, 0), body))
	// Output: t=1767225600&s=61325aed58e73ef37848a1ba593e03624d06e543a992277659285469928de19e
}

func ExampleVerifySignature() {
	body := []byte(`{"ok":true}`)
	now := time.Unix(1767225600, 0)
	header := wire.Sign("signkey-prod-new", now, body)
	matched, err := wire.VerifySignature(header, body, now.Add(time.Minute), "signkey-prod-old", "signkey-prod-new")
	fmt.Println(matched, err)
	// Output: signkey-prod-new <nil>
}
