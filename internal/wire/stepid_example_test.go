package wire_test

import (
	"fmt"

	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

func ExampleHashID() {
	// The same step id used three times in one run.
	for n := range 3 {
		fmt.Println(wire.HashID("my-step-id", n))
	}
	// Output:
	// e7d8a2f140845095749d60246ff1110c9d01d76a
	// f47c6228c581af870aa285200cf95ec3ac59bb6a
	// 5fdb32cd3e6e3d62fa480ac2ad526b79c2682845
}
