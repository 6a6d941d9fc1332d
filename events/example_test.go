package events_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/seed-b02f2472/inngest-go/events"
)

// SignupData is the data of "app/user.signed-up".
type SignupData struct {
	Email string `json:"email" jsonschema:"minLength=3"`
	Plan  string `json:"plan,omitempty" jsonschema:"enum=free,enum=pro"`
}

// UserSignedUp binds the event name to SignupData, once.
var UserSignedUp = events.Define[SignupData]("app/user.signed-up")

func ExampleDefine() {
	fmt.Println(UserSignedUp.EventName())

	// Receipt side: decode and validate an event as the server sends it.
	ev, err := UserSignedUp.Decode([]byte(`{"id":"01K","name":"app/user.signed-up","data":{"email":"ann@example.com","plan":"pro"},"user":{},"ts":1767225600000}`))
	fmt.Println(ev.Data.Email, ev.Data.Plan, ev.Time().UTC().Format("2006-01-02"), err)

	_, err = UserSignedUp.Decode([]byte(`{"name":"app/user.signed-up","data":{"email":"ann@example.com","plan":"gold"}}`))
	fmt.Println(err)
	// Output:
	// app/user.signed-up
	// ann@example.com pro 2026-01-01 <nil>
	// inngest: event "app/user.signed-up" data invalid: /plan: value not allowed, want one of "free", "pro"
}

func ExampleDefinition_New() {
	env, err := UserSignedUp.New(SignupData{Email: "ann@example.com"}).Envelope()
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := json.Marshal(env)
	fmt.Println(string(body))

	_, err = UserSignedUp.New(SignupData{Email: "a"}).Envelope()
	fmt.Println(err)
	fmt.Println(errors.Is(err, events.ErrInvalidData))
	// Output:
	// {"name":"app/user.signed-up","data":{"email":"ann@example.com"}}
	// inngest: event "app/user.signed-up" data invalid: /email: length 1 is less than minLength 3
	// true
}

func ExampleCheckName() {
	for _, name := range []string{"app/ticket.created", "UserSignup", "inngest/function.failed"} {
		fmt.Println(events.CheckName(name))
	}
	// Output:
	// <nil>
	// inngest: invalid event name "UserSignup": use "<prefix>/<feature>.<action>" in lower case, e.g. "app/user.created" (or events.AllowAnyName())
	// inngest: invalid event name "inngest/function.failed": names starting with "inngest/" are reserved for the server's internal events
}

func ExampleRaw() {
	env, _ := events.Raw{Name: "Legacy Event", Data: map[string]any{"id": 7}}.Envelope()
	body, _ := json.Marshal(env)
	fmt.Println(string(body))
	// Output: {"name":"Legacy Event","data":{"id":7}}
}
