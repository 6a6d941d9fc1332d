package events_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/stretchr/testify/require"
)

type address struct {
	Street string `json:"street"`
	City   string `json:"city"`
	Zip    string `json:"zip,omitempty" jsonschema:"pattern=^[0-9]{5}$"`
}

type user struct {
	Email     string         `json:"email" jsonschema:"minLength=3"`
	Name      string         `json:"name,omitempty" jsonschema:"maxLength=5"`
	Age       int            `json:"age,omitempty" jsonschema:"minimum=0,maximum=150"`
	Score     float64        `json:"score,omitempty"`
	Role      string         `json:"role,omitempty" jsonschema:"enum=admin,enum=member"`
	Active    bool           `json:"active,omitempty"`
	Address   address        `json:"address"`
	Tags      []string       `json:"tags"`
	Attrs     map[string]int `json:"attrs,omitempty"`
	Backup    *address       `json:"backup"`
	Manager   *user          `json:"manager,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
}

var userCreated = events.Define[user]("app/user.created")

func TestDefinePanics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []events.Option
		want string // panic message part; empty: no panic
	}{
		{name: "app/user.created"},
		{name: "UserSignup", want: `invalid event name "UserSignup": use "<prefix>/<feature>.<action>"`},
		{name: "UserSignup", opts: []events.Option{events.AllowAnyName()}},
		{name: "inngest/function.failed", want: "reserved"},
		{name: "inngest/function.failed", opts: []events.Option{events.AllowAnyName()}},
		{name: "", opts: []events.Option{events.AllowAnyName()}, want: "empty"},
		{name: strings.Repeat("x", 256), opts: []events.Option{events.AllowAnyName()}, want: "limit is 255"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.want == "" {
				require.NotPanics(t, func() { events.Define[user](tt.name, tt.opts...) })
				d, err := events.NewDefinition[user](tt.name, tt.opts...)
				require.NoError(t, err)
				require.Equal(t, tt.name, d.EventName())
				return
			}
			require.PanicsWithValue(t, mustErr(t, tt.name, tt.opts), func() { events.Define[user](tt.name, tt.opts...) })
			_, err := events.NewDefinition[user](tt.name, tt.opts...)
			require.ErrorIs(t, err, events.ErrInvalidName)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}

func mustErr(t *testing.T, name string, opts []events.Option) string {
	t.Helper()
	_, err := events.NewDefinition[user](name, opts...)
	require.Error(t, err)
	return err.Error()
}

func TestInternal(t *testing.T) {
	t.Parallel()
	d := events.Internal[map[string]any]("inngest/function.failed")
	require.Equal(t, "inngest/function.failed", d.EventName())
	require.Panics(t, func() { events.Internal[user]("app/user.created") })
	require.Panics(t, func() { events.Internal[user]("inngest/Bad") })
}

func TestZeroDefinition(t *testing.T) {
	t.Parallel()
	var d events.Definition[user]
	require.Empty(t, d.EventName())
	require.Nil(t, d.Schema())
	require.Nil(t, d.SchemaJSON())
	require.NoError(t, d.Validate(user{}))
	require.NoError(t, d.ValidateJSON([]byte("nonsense")))
}

func validUser() user {
	return user{
		Email:     "a@example.com",
		Address:   address{Street: "1 Main St", City: "Springfield"},
		Tags:      []string{"x"},
		CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	u := validUser()
	require.NoError(t, userCreated.Validate(u))
	u.Tags = nil // marshals as null
	require.NoError(t, userCreated.Validate(u))
	u.Manager = &user{Email: "boss@example.com"} // nested nils, nested required present
	require.NoError(t, userCreated.Validate(u))

	bad := []struct {
		name string
		edit func(*user)
		want string
	}{
		{"min length", func(u *user) { u.Email = "a" }, "/email: length 1 is less than minLength 3"},
		{"max length", func(u *user) { u.Name = "abcdef" }, "/name: length 6 is more than maxLength 5"},
		{"maximum", func(u *user) { u.Age = 200 }, "/age: 200 is greater than maximum 150"},
		{"minimum", func(u *user) { u.Age = -1 }, "/age: -1 is less than minimum 0"},
		{"enum", func(u *user) { u.Role = "root" }, `/role: value not allowed, want one of "admin", "member"`},
		{"pattern", func(u *user) { u.Address.Zip = "12a" }, `/address/zip: does not match pattern "^[0-9]{5}$"`},
		{"nested pointer", func(u *user) { u.Manager = &user{Email: "x"} }, "/manager/email: length 1 is less than minLength 3"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := validUser()
			tt.edit(&u)
			err := userCreated.Validate(u)
			require.ErrorIs(t, err, events.ErrInvalidData)
			require.EqualError(t, err, `inngest: event "app/user.created" data invalid: `+tt.want)
			var de *events.DataError
			require.ErrorAs(t, err, &de)
			require.Equal(t, "app/user.created", de.Event)
		})
	}
}

func TestValidateJSON(t *testing.T) {
	t.Parallel()
	const ok = `{"email":"a@b.c","address":{"street":"s","city":"c"},"tags":["t"],"backup":null,"created_at":"2026-01-01T00:00:00Z"}`
	tests := []struct {
		name string
		data string
		want string // empty: valid
	}{
		{"valid", ok, ""},
		{"extra properties allowed", strings.Replace(ok, `{`, `{"_inngest":{"fn_id":"x"},"new":1,`, 1), ""},
		{"whitespace", " \n" + strings.ReplaceAll(ok, ",", " ,\t") + "\r\n", ""},
		{"escaped key", strings.Replace(ok, `"email"`, `"\u0065mail"`, 1), ""},
		{"unicode string", strings.Replace(ok, `"a@b.c"`, `"é\u00e9\ud83d\ude00"`, 1), ""},
		{"backup object", strings.Replace(ok, `"backup":null`, `"backup":{"street":"s","city":"c"}`, 1), ""},
		{"wrong type", strings.Replace(ok, `"a@b.c"`, `12`, 1), "/email: expected string, got number"},
		{"missing required", strings.Replace(ok, `"email":"a@b.c",`, ``, 1), "/email: missing required property"},
		{"missing nested", strings.Replace(ok, `"city":"c"`, `"zip":"12345"`, 1), "/address/city: missing required property"},
		{"array item", strings.Replace(ok, `["t"]`, `["t",3]`, 1), "/tags/1: expected string, got number"},
		{"null not allowed", strings.Replace(ok, `{"street":"s","city":"c"}`, `null`, 1), "/address: expected object, got null"},
		{"pointer wrong type", strings.Replace(ok, `"backup":null`, `"backup":[]`, 1), "/backup: expected object or null, got array"},
		{"integer", strings.Replace(ok, `{`, `{"age":1.5,`, 1), "/age: expected integer, got number 1.5"},
		{"integer exponent", strings.Replace(ok, `{`, `{"age":1e2,`, 1), "/age: expected integer, got number 1e2"},
		{"number accepts integer", strings.Replace(ok, `{`, `{"score":3,`, 1), ""},
		{"boolean", strings.Replace(ok, `{`, `{"active":"yes",`, 1), "/active: expected boolean, got string"},
		{"map value", strings.Replace(ok, `{`, `{"attrs":{"a/b":"x"},`, 1), "/attrs/a~1b: expected integer, got string"},
		{"case-folded key is checked like encoding/json", strings.Replace(ok, `{`, `{"EMAIL":5,`, 1), "/EMAIL: expected string, got number"},
		{"long path shortened", strings.Replace(ok, `{`, `{"manager":`+strings.Repeat(`{"manager":`, 39)+`{"email":1}`+strings.Repeat(`}`, 39)+`,`, 1),
			strings.Repeat("/manager", 24) + "/..." + strings.Repeat("/manager", 8) + "/email: expected string, got number"},
		{"long key shortened", strings.Replace(ok, `{`, `{"attrs":{"`+strings.Repeat("k", 100)+`":"x"},`, 1), "/attrs/" + strings.Repeat("k", 64) + "...: expected integer"},
		{"root not object", `[1]`, "/: expected object, got array"},
		{"syntax", `{"email":}`, "/email: invalid JSON at offset 9: unexpected character '}'"},
		{"trailing", ok + `x`, "/: invalid JSON at offset " + strconv.Itoa(len(ok)) + ": unexpected data after the value"},
		{"empty", ``, "/: invalid JSON at offset 0: unexpected end of input"},
		{"deep", strings.Replace(ok, `{`, `{"x":`+strings.Repeat("[", 600)+strings.Repeat("]", 600)+`,`, 1), "nested deeper than 512 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := userCreated.ValidateJSON([]byte(tt.data))
			if tt.want == "" {
				require.NoError(t, err)
				var u user
				require.NoError(t, json.Unmarshal([]byte(tt.data), &u), "validated data must decode")
				return
			}
			require.ErrorIs(t, err, events.ErrInvalidData)
			require.Contains(t, err.Error(), `inngest: event "app/user.created" data invalid: `)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestWithoutValidation(t *testing.T) {
	t.Parallel()
	d := events.Define[user]("app/user.created", events.WithoutValidation())
	require.NoError(t, d.Validate(user{}))
	require.NoError(t, d.ValidateJSON([]byte(`{"email":1}`)))
	_, err := d.New(user{Email: "x"}).Envelope()
	require.NoError(t, err)
	ev, err := d.Decode([]byte(`{"name":"app/user.created","data":{"name":"bob"}}`))
	require.NoError(t, err)
	require.Equal(t, "bob", ev.Data.Name)
	// Decoding still fails when the data cannot become a user.
	_, err = d.Decode([]byte(`{"name":"app/user.created","data":{"email":1}}`))
	require.ErrorIs(t, err, events.ErrInvalidData)
}

func TestDecode(t *testing.T) {
	t.Parallel()
	type optional struct {
		Note string `json:"note,omitempty"`
	}
	opt := events.Define[optional]("app/note.added")
	tests := []struct {
		name string
		in   string
		want events.Event[optional]
		err  string
	}{
		{
			name: "full",
			in:   `{"id":"01K","name":"app/note.added","data":{"note":"hi"},"user":{},"ts":1767225600123,"v":"2"}`,
			want: events.Event[optional]{ID: "01K", Name: "app/note.added", Data: optional{Note: "hi"}, User: map[string]any{}, TS: 1767225600123, V: "2"},
		},
		{
			name: "missing data",
			in:   `{"name":"app/note.added"}`,
			want: events.Event[optional]{Name: "app/note.added"},
		},
		{
			name: "null data",
			in:   `{"name":"app/note.added","data":null}`,
			want: events.Event[optional]{Name: "app/note.added"},
		},
		{
			name: "invoked keeps received name and ignores _inngest",
			in:   `{"name":"inngest/function.invoked","data":{"note":"x","_inngest":{"fn_id":"a"}}}`,
			want: events.Event[optional]{Name: "inngest/function.invoked", Data: optional{Note: "x"}},
		},
		{name: "no name", in: `{"data":{}}`, err: "no name"},
		{name: "not object", in: `[]`, err: "expected a JSON object"},
		{name: "bad json", in: `{"name":`, err: "inngest: decode event"},
		{name: "bad data", in: `{"name":"app/note.added","data":{"note":5}}`, err: "/note: expected string, got number"},
		{name: "data not object", in: `{"name":"app/note.added","data":"x"}`, err: "/: expected object, got string"},
		{name: "bad ts", in: `{"name":"app/note.added","ts":"now"}`, err: "inngest: decode event"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := opt.Decode([]byte(tt.in))
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want.ID, got.ID)
			require.Equal(t, tt.want.Name, got.Name)
			require.Equal(t, tt.want.Data, got.Data)
			require.Equal(t, tt.want.User, got.User)
			require.Equal(t, tt.want.TS, got.TS)
			require.Equal(t, tt.want.V, got.V)
		})
	}

	// Required fields must be present on receipt.
	_, err := userCreated.Decode([]byte(`{"name":"app/user.created"}`))
	require.EqualError(t, err, `inngest: event "app/user.created" data invalid: /email: missing required property`)
}

func TestDecodeTime(t *testing.T) {
	t.Parallel()
	ev, err := events.Define[map[string]any]("app/x.y").Decode([]byte(`{"name":"app/x.y","data":{},"ts":1767225600123}`))
	require.NoError(t, err)
	require.True(t, ev.Time().Equal(time.UnixMilli(1767225600123)))
	require.True(t, events.Event[int]{}.Time().IsZero())
}

func TestDecodedEventRevalidatesOnSend(t *testing.T) {
	t.Parallel()
	ev, err := userCreated.Decode([]byte(`{"name":"app/user.created","data":{"email":"a@b.c","address":{"street":"s","city":"c"},"tags":null,"backup":null,"created_at":"2026-01-01T00:00:00Z"}}`))
	require.NoError(t, err)
	ev.Data.Email = ""
	_, err = ev.Envelope()
	require.ErrorIs(t, err, events.ErrInvalidData)
}

func TestSchemaConcurrent(t *testing.T) {
	t.Parallel()
	d := events.Define[user]("app/user.created")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			require.NotNil(t, d.Schema())
			require.NoError(t, d.Validate(validUser()))
		})
	}
	wg.Wait()
	require.Same(t, d.Schema(), d.Schema())
}

func TestSchemaUnsupportedType(t *testing.T) {
	t.Parallel()
	type withChan struct {
		C chan int `json:"c"`
	}
	d := events.Define[withChan]("app/chan.made")
	require.Nil(t, d.Schema())
	err := d.ValidateJSON([]byte(`{}`))
	require.ErrorContains(t, err, `inngest: event "app/chan.made": schema for`)
}
