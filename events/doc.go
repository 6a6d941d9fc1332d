// Package events binds each Inngest event name to the Go type of its data,
// once, so that senders and functions agree on both.
//
//	type SignupData struct {
//		Email string `json:"email"`
//		Plan  string `json:"plan,omitempty"`
//	}
//
//	var UserSignedUp = events.Define[SignupData]("app/user.signed-up")
//
//	ev := UserSignedUp.New(SignupData{Email: "a@example.com"}) // an Event[SignupData]
//	env, err := ev.Envelope() // what client.Send and step.SendEvent put on the wire
//
// # Names
//
// Event names follow "<prefix>/<feature>.<action>" in lower case: a prefix,
// one slash, then at least two dot-separated segments, each made of
// lower-case letters, digits, '-' and '_' (for example "app/ticket.created",
// "app/auth.email-verified", "app/user.profile.updated"). Define panics and
// NewDefinition fails on other names, unless AllowAnyName is given for
// interop with existing apps. Names starting with "inngest/" are reserved
// for the server's own events (function.failed, function.invoked,
// scheduled.timer, ...) and are defined with Internal. Empty names and names
// over MaxNameLength bytes are always refused. CheckName applies the same
// rules on its own.
//
// # Schemas
//
// Each Definition describes T as a JSON Schema (draft 2020-12), generated
// lazily on first use with github.com/invopop/jsonschema and kept for the
// life of the process. The reflector runs with these settings:
//
//   - A field is required unless its json tag has omitempty or omitzero (the
//     reflector's default; `jsonschema:"required"` forces it). Go always
//     writes such fields, so this only bites on receipt, where it catches a
//     producer that left a field out.
//   - Additional properties are allowed. Go drops unknown keys when it
//     decodes, and a producer may add fields before its consumers know them.
//     (The "_inngest" object the server adds to the data of an
//     "inngest/function.invoked" event is removed before a function validates
//     and decodes it, so a map of scalars works as invoked data too.)
//   - Values encoding/json may write as null (nil pointers, slices and maps)
//     also accept null; fields promoted from an embedded pointer are not
//     required; `json:",string"` fields are strings; types with their own
//     MarshalJSON accept anything, and those with MarshalText any string.
//   - Struct tags of the form `jsonschema:"minLength=3,pattern=^a"` add
//     constraints, as documented by the reflector.
//
// # Validation
//
// Sending an Event made by a Definition checks its marshalled data against
// the schema, and Decode and ValidateJSON check received data; WithoutValidation
// turns both off. The validator is this package's own: a single pass over
// the JSON bytes that builds no values, for the keywords the reflector
// emits (type, properties, required, additionalProperties,
// patternProperties, items, $ref into $defs, enum, const, minimum, maximum
// and their exclusive forms, minLength, maxLength, pattern, minItems,
// maxItems, minProperties, maxProperties, allOf, anyOf, oneOf). "format" and
// the other keywords are ignored. "integer" means a number written without a
// fraction or exponent, as encoding/json needs to decode it into a Go
// integer. A key that matches a property only case-insensitively is checked
// against that property too, since encoding/json would fill the field from
// it (but it does not satisfy "required"). Failures are *DataError values
// wrapping ErrInvalidData and name the JSON Pointer of the culprit:
//
//	inngest: event "app/user.created" data invalid: /email: expected string, got number
//
// The validator never panics on hostile input: it refuses nesting deeper
// than 512 levels and bounds the work anyOf and oneOf may redo. Bounds and
// number enum members are compared exactly, not as float64 (1e-400 is
// greater than 0).
//
// Why a validator of its own: it runs on every send and every receipt, and
// a general validator must first decode the bytes into values. On the same
// schemas and bytes, ValidateJSON is 19-39 times faster than
// github.com/santhosh-tekuri/jsonschema/v6 decoding and validating, and
// allocates 1-10 times instead of 49-23,551 times (go test -bench
// ValidatorVersusReference -benchmem ./events; 2 cores under a load average
// of about 10, best of 6 runs):
//
//	payload         ours                        santhosh-tekuri (decode + validate)
//	signup, 48 B    0.24 µs, 8 B, 1 alloc       9.4 µs, 2.8 KB, 49 allocs
//	user, 871 B     3.1 µs, 8 B, 1 alloc        76 µs, 27 KB, 550 allocs
//	order, 16 KB    191 µs, 80 B, 10 allocs     3.6 ms, 978 KB, 23,551 allocs
//
// Even its validation alone, on a value decoded beforehand, takes 4.5 µs,
// 51 µs and 2.3 ms.
//
// It earns that only if it agrees with a full validator, so FuzzDifferential
// checks it against santhosh-tekuri/jsonschema (a test-only dependency) on
// the schemas Define makes for a range of Go types, over instances generated
// from fuzz bytes, valid and not. The two differences above (integers,
// case-insensitive keys) are modelled on the reference's side; format is an
// annotation for both. Its generator found one disagreement (bounds compared
// as float64), fixed; then 1.8 million instances in 5 minutes found none.
//
// Sending also requires data to be a JSON object (nil sends {}), as the
// server does.
package events
