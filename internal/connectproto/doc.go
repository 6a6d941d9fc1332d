// Package connectproto holds the protobuf messages of the Inngest Connect
// protocol (connect.proto, generated into connect.pb.go by `make proto`).
//
// The connect package's worker and the engine's gateway both speak these;
// nothing here has behaviour beyond what protoc generates.
package connectproto
