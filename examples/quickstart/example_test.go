package main

import (
	"context"
	"fmt"
)

// Example runs the quickstart on the embedded engine: one event, one run.
func Example() {
	out, err := runEmbedded(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out)
	// Output: quickstart-send-welcome-email Completed: "welcome e-mail sent to alice@example.com"
}
