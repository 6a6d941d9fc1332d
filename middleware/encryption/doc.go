// Package encryption is a middleware that encrypts what a function's steps and
// the function itself return, and one field of event data, before it leaves the
// process, and decrypts it when it comes back: the engine (the Inngest server,
// or the embedded engine) stores only ciphertext.
//
// The format is the one of the JavaScript (@inngest/middleware-encryption) and
// Python (inngest-encryption) middlewares' default strategy, so that values
// sealed by either open here and the reverse:
//
//   - the key is a string, hashed with BLAKE2b to 32 bytes (libsodium's
//     crypto_generichash with no key);
//   - the value's JSON is sealed with NaCl secretbox (XSalsa20-Poly1305) under a
//     random 24-byte nonce; the nonce followed by the sealed box is encoded with
//     standard base64 (with padding);
//   - the encoded text is stored as
//     {"__ENCRYPTED__": true, "__STRATEGY__": "inngest/libsodium", "data": "<base64>"}.
//
// What is encrypted: each step's result (step.Run and the steps built on it), the
// function's result (as the Python middleware does; the JavaScript one leaves
// it in clear, and opens either), and, in events sent by the client and in the
// events a function receives, the value of the data's "encrypted" field
// (Options.EventField). Other event fields stay in clear, so that triggers,
// expressions and keys can use them.
//
// Key rotation: Key seals; Key and then each of FallbackKeys are tried to open.
// A value that no key opens is a non-retriable error naming the step (never a
// panic). A value that is not encrypted passes through unchanged, so the
// middleware can be switched on while runs that started without it are in
// flight.
package encryption
